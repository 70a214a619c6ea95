"""Which literal strings a regular expression cannot match without: a cheap gate before running it.

The crisis lexicon has a few hundred patterns; most messages contain none of the words any given
pattern needs. `required_literals` reads a compiled pattern's parse tree and returns strings of
which every match must contain at least one, so a pattern whose strings are all absent can be
skipped without changing any result. When that cannot be worked out, it returns None (always run).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

try:  # Python 3.11+ keeps the parser here; older versions call it sre_parse.
    from re import _constants as C  # type: ignore[attr-defined]
    from re import _parser as parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_constants as C  # type: ignore[no-redef]
    import sre_parse as parser  # type: ignore[no-redef]

Literals = frozenset[str]


@lru_cache(maxsize=4096)
def required_literals(source: str) -> Literals | None:
    """Strings of which every match of `source` contains one; None when unknown."""
    try:
        return _sequence(parser.parse(source))
    except Exception:
        return None


def _sequence(items: Iterable[tuple[object, object]]) -> Literals | None:
    """Best required set of a sequence: from a literal run or a required element within it."""
    options: list[Literals] = []
    run: list[str] = []

    def close_run() -> None:
        if run:
            options.append(frozenset({"".join(run)}))
            run.clear()

    for op, av in items:
        if op is C.LITERAL:
            run.append(chr(av))  # type: ignore[arg-type]
            continue
        close_run()
        found = _element(op, av)
        if found:
            options.append(found)
    close_run()
    return max(options, key=_selectivity, default=None)


def _element(op: object, av: object) -> Literals | None:
    if op is C.SUBPATTERN:
        return _sequence(av[-1])  # type: ignore[index]
    if op is C.BRANCH:
        union: set[str] = set()
        for branch in av[1]:  # type: ignore[index]
            found = _sequence(branch)
            if not found:
                return None  # one alternative needs nothing: the branch as a whole needs nothing
            union |= found
        return frozenset(union)
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
        low, _, item = av  # type: ignore[misc]
        return _sequence(item) if low >= 1 else None
    if op is getattr(C, "ATOMIC_GROUP", None):
        return _sequence(av)  # type: ignore[arg-type]
    return None


def _selectivity(literals: Literals) -> tuple[int, int]:
    """Prefer sets whose shortest string is longest (rarer in text), then fewer strings."""
    return (min(len(s) for s in literals), -len(literals))


