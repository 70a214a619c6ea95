"""Run patterns that start at a word boundary without trying them at every character.

Python's `re` scans a text quickly only when a pattern starts with a literal (or a choice of
literals): it then jumps from one place where that literal occurs to the next. A pattern that
starts with `\\b`, as almost every crisis pattern does, is tried at every position instead, which
made running the crisis lexicon over a long message the slowest part of a reply.

`compile_word_start` moves the boundary check behind the first letters: `\\bend it` becomes
`end(?<!\\wend) it` ("end", not preceded by a word character), which matches exactly the same
text at exactly the same places and lets the engine search for "end". Patterns it cannot rewrite
that way are compiled as they are. A pattern that starts with one of many words ("he", "she",
"my son", ...) gains little from that; `WordStarts` tries it only at the words it can start with.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence

# The regex parser and compiler's own modules (Python 3.11+, which pyproject requires, keeps them here).
from re import _compiler as compiler  # type: ignore[attr-defined]
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser as parser  # type: ignore[attr-defined]

from bot.regex_gate import leading_literal

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
    run = items[:len(_leading_word_letters(items))]
    if not run:
        return None
    behind = parser.SubPattern(parser.State())
    behind.data = [(C.IN, [(C.CATEGORY, C.CATEGORY_WORD)]), *run]
    return [*run, (C.ASSERT_NOT, (-1, behind)), *items[len(run):]]


@functools.lru_cache(maxsize=4096)
def word_leads(source: str) -> tuple[str, ...] | None:
    """The letters every match of `source` starts with, when every match starts a word.

    That is the case for a pattern that starts with `\\b` (perhaps after lookbehinds, which take
    no text) and then, in each of its alternatives, a word letter: `\\b(?:he|she) hit` starts
    with "he" or "she" at the start of a word. None when that cannot be worked out. Remembered,
    as `compile_word_start` is: a live reload reads the same lexicon again.
    """
    try:
        tree = parser.parse(source)
    except Exception:
        return None
    if tree.state.flags & re.IGNORECASE:  # "He" would match too: the letters are not exact
        return None
    items = list(tree.data)
    while items and items[0][0] in (C.ASSERT, C.ASSERT_NOT) and items[0][1][0] == -1:  # type: ignore[index]
        items = items[1:]
    if len(items) < 2 or items[0] != (C.AT, C.AT_BOUNDARY):
        return None
    leads = set()
    for alternative in _spelled_out([items[1:]]):
        lead = _leading_word_letters(alternative)
        if not lead:
            return None
        leads.add(lead)
    return tuple(sorted(leads))


def _leading_word_letters(items: list[_Item]) -> str:
    """The word characters the items start with: a boundary sits before these and no others."""
    return "".join(itertools.takewhile(lambda ch: ch.isalnum() or ch == "_", leading_literal(items)))


class WordStarts:
    """Where in a text each of many word-starting patterns could match: at the start of a word
    that begins with one of the pattern's letters (`word_leads`).

    Trying a pattern at those few places instead of searching finds the same matches (a match
    cannot start anywhere else) at a fraction of the cost: a pattern starting with one of fifty
    words is otherwise tried, fifty ways, at every character of a long message. Texts here are
    words separated by spaces, as the crisis form is.
    """

    def __init__(self, sources: Sequence[str], min_leads: int = 1) -> None:
        """`min_leads`: patterns starting with fewer different words are left to `re`'s own search
        (their `leads` are None), which jumps between the places where one word occurs."""
        self.leads = [leads if leads and len(leads) >= min_leads else None
                      for leads in map(word_leads, sources)]
        self._by_letter: dict[str, list[tuple[str, int]]] = {}
        for number, leads in enumerate(self.leads):
            for lead in leads or ():
                self._by_letter.setdefault(lead[0], []).append((lead, number))
        self._patterns_of = functools.lru_cache(maxsize=50_000)(self._starting_with)

    def _starting_with(self, word: str) -> frozenset[int]:
        return frozenset(n for lead, n in self._by_letter.get(word[0], ()) if word.startswith(lead))

    def of(self, text: str, numbers: Iterable[int]) -> dict[int, list[int]]:
        """For each of the patterns `numbers` that could match, the word starts (in order) where
        it could. Only those patterns: a word like "i" starts dozens."""
        wanted = set(numbers)
        places: dict[str, list[int]] = {}
        at = 0
        for word in text.split(" "):
            if word:
                places.setdefault(word, []).append(at)
            at += len(word) + 1
        found: dict[int, list[int]] = {}
        for word, starts in places.items():
            for number in self._patterns_of(word) & wanted:
                found.setdefault(number, []).extend(starts)
        for starts in found.values():
            starts.sort()
        return found


def matches_at(pattern: re.Pattern[str], text: str, starts: Sequence[int]) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text)` when every match must begin at one of `starts` (ascending)."""
    end = 0
    for start in starts:
        if start < end:
            continue  # inside the last match: finditer goes on from where it ended
        match = pattern.match(text, start)
        if match is not None:
            yield match
            end = max(match.end(), start + 1)
