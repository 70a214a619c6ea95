"""Compile patterns that start at a word boundary so that Python's regex engine can skip ahead.

Python's `re` scans a text quickly only when a pattern starts with a literal (or a choice of
literals): it then jumps from one place where that literal occurs to the next. A pattern that
starts with `\\b`, as almost every crisis pattern does, is tried at every position instead, which
made running the crisis lexicon over a long message the slowest part of a reply.

`compile_word_start` moves the boundary check behind the first letters: `\\bend it` becomes
`end(?<!\\wend) it` ("end", not preceded by a word character), which matches exactly the same
text at exactly the same places and lets the engine search for "end". Patterns it cannot rewrite
that way are compiled as they are.
"""

from __future__ import annotations

import functools
import re

try:  # Python 3.11+ keeps the parser and compiler here; older versions call them sre_*.
    from re import _compiler as compiler  # type: ignore[attr-defined]
    from re import _constants as C  # type: ignore[attr-defined]
    from re import _parser as parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_compile as compiler  # type: ignore[no-redef]
    import sre_constants as C  # type: ignore[no-redef]
    import sre_parse as parser  # type: ignore[no-redef]

_Item = tuple[object, object]
# Spelling out nested choices stops growing a pattern past this many alternatives.
_MAX_ALTERNATIVES = 500


@functools.lru_cache(maxsize=4096)
def compile_word_start(source: str) -> re.Pattern[str]:
    """`re.compile(source)`, rewritten to start with its letters when it starts with `\\b`.

    Remembered like `re.compile` remembers its own: compiling a rewritten pattern is slow (about a
    millisecond), and a live reload compiles every unchanged pattern of the lexicon again.
    """
    compiled = re.compile(source)  # raises re.error for a bad pattern, as callers expect
    try:
        tree = parser.parse(source)
        rewritten = _rewritten(list(tree.data), tree.state)
        if rewritten is None:
            return compiled
        tree.data = rewritten
        return compiler.compile(tree, compiled.flags)
    except Exception:  # an unexpected parse tree: the plain pattern is always correct
        return compiled


def _rewritten(items: list[_Item], state: object) -> list[_Item] | None:
    if len(items) < 2 or items[0] != (C.AT, C.AT_BOUNDARY):
        return None
    rest = items[1:]
    moved = _letters_first(rest)
    if moved is not None:
        return moved
    alternatives = _spelled_out([rest])
    if len(alternatives) < 2:
        return None
    branches = []
    for alternative in alternatives:
        moved = _letters_first(alternative)
        if moved is None:
            return None
        sub = parser.SubPattern(state)
        sub.data = moved
        branches.append(sub)
    return [(C.BRANCH, (None, branches))]


def _spelled_out(alternatives: list[list[_Item]]) -> list[list[_Item]]:
    """Alternatives with a nested choice or an optional part at their start spelled out, in the
    order they are tried: `(?:(?:he|she) hit|someone)` is `(?:he hit|she hit|someone)`, and
    `(?:i think )?he` is `(?:i think he|he)` (a greedy `?` tries the part first)."""
    out: list[list[_Item]] = []
    for items in alternatives:
        op, av = items[0] if items else (None, None)
        if len(out) >= _MAX_ALTERNATIVES:
            out.append(items)
        elif op is C.BRANCH:
            out += _spelled_out([list(b.data) + items[1:] for b in av[1]])  # type: ignore[index]
        elif op is C.MAX_REPEAT and av[:2] == (0, 1):  # type: ignore[index]
            out += _spelled_out([list(av[2].data) + items[1:], items[1:]])  # type: ignore[index]
        else:
            out.append(items)
    return out


def _letters_first(items: list[_Item]) -> list[_Item] | None:
    """Leading word letters, then 'not preceded by a word character', then the rest; None when the
    items do not start with a word letter (the boundary then means something else)."""
    run: list[_Item] = []
    for op, av in items:
        if op is not C.LITERAL or not (chr(av).isalnum() or chr(av) == "_"):  # type: ignore[arg-type]
            break
        run.append((op, av))
    if not run:
        return None
    behind = parser.SubPattern(parser.State())
    behind.data = [(C.IN, [(C.CATEGORY, C.CATEGORY_WORD)]), *run]
    return [*run, (C.ASSERT_NOT, (-1, behind)), *items[len(run):]]
