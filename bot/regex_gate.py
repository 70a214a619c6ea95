"""Which literal strings a regular expression cannot match without: a cheap gate before running it.

The crisis lexicon has a few hundred patterns; most messages lack some word each pattern needs.
`required_literals` reads a compiled pattern's parse tree and returns sets of strings such that
every match contains a member of each set, so a pattern with a set wholly absent from a text can
be skipped without changing any result. When nothing can be worked out, it returns None (always
run). `LiteralIndex` finds which of many literals a text holds without testing each one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

# The regex parser's own modules (Python 3.11+, which pyproject requires, keeps them here).
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser as parser  # type: ignore[attr-defined]

Literals = frozenset[str]
# Sets of literals of which *every* set must have a member in the text: a pattern needing "kil"
# and then "myself" is skipped as soon as either is missing.
Requirement = tuple[Literals, ...]


@lru_cache(maxsize=4096)
def required_literals(source: str) -> Requirement | None:
    """What every match of `source` must contain (see `Requirement`); None when unknown."""
    try:
        parsed = parser.parse(source)
        if parsed.state.flags & C.SRE_FLAG_IGNORECASE:  # "Kill" would match "kill": not literal
            return None
        return _sequence(parsed) or None
    except Exception:
        return None


def _sequence(items: Iterable[tuple[object, object]]) -> Requirement:
    """Everything a sequence requires: its literal runs and its required elements."""
    needs: list[Literals] = []
    run: list[str] = []

    def close_run() -> None:
        if run:
            needs.append(frozenset({"".join(run)}))
            run.clear()

    for op, av in items:
        if op is C.LITERAL:
            run.append(chr(av))  # type: ignore[arg-type]
            continue
        if op is C.BRANCH and run:
            # The parser factors shared prefixes out ("overdosed|od" becomes "o" + "verdosed|d"):
            # glued back, the run and each alternative's first letters say far more than "o".
            prefix = "".join(run)
            run.clear()
            needs.append(frozenset(prefix + leading_literal(branch) for branch in av[1]))  # type: ignore[index]
        close_run()
        needs.extend(_element(op, av))
    close_run()
    return tuple(dict.fromkeys(sorted(needs, key=_selectivity, reverse=True)))


def leading_literal(items: Iterable[tuple[object, object]]) -> str:
    """The literal characters a parsed sequence starts with ("" if it starts with anything else)."""
    lead = []
    for op, av in items:
        if op is not C.LITERAL:
            break
        lead.append(chr(av))  # type: ignore[arg-type]
    return "".join(lead)


def _element(op: object, av: object) -> Requirement:
    if op is C.SUBPATTERN:
        return _sequence(av[-1])  # type: ignore[index]
    if op is C.BRANCH:
        # One of the alternatives matches: each alternative's most telling set, joined.
        union: set[str] = set()
        for branch in av[1]:  # type: ignore[index]
            found = _sequence(branch)
            if not found:
                return ()  # one alternative needs nothing: the branch as a whole needs nothing
            union |= found[0]
        return (frozenset(union),)
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
        low, _, item = av  # type: ignore[misc]
        return _sequence(item) if low >= 1 else ()
    if op is getattr(C, "ATOMIC_GROUP", None):
        return _sequence(av)  # type: ignore[arg-type]
    return ()


def _selectivity(literals: Literals) -> tuple[int, int]:
    """Sets whose shortest string is longest (rarer in text) first, then those with fewer strings."""
    return (min(len(s) for s in literals), -len(literals))


class LiteralIndex:
    """Which of a fixed set of literals a text contains, without testing each one on the text.

    A literal without whitespace can only lie inside one of the text's words, so each distinct
    word is looked up once (and remembered: people reuse their words); only literals spanning
    words are searched for in the whole text. Same answer as testing every literal.
    """

    def __init__(self, literals: Iterable[str]) -> None:
        unique = sorted(set(literals))
        self._within = tuple(lit for lit in unique if not any(ch.isspace() for ch in lit))
        self._across = tuple(lit for lit in unique if any(ch.isspace() for ch in lit))
        self._in_word = lru_cache(maxsize=50_000)(self._literals_in)

    def _literals_in(self, word: str) -> Literals:
        return frozenset(lit for lit in self._within if lit in word)

    def present(self, text: str) -> Literals:
        found = set().union(*map(self._in_word, set(text.split())))
        found.update(lit for lit in self._across if lit in text)
        return frozenset(found)


class PatternGate:
    """Which of many patterns could match a text, found from the literals it holds.

    Each pattern is filed under the literals of its most telling required set; a text's literals
    pick out the patterns filed under them, and only those have their other sets checked. So the
    cost follows what the text contains, not how many patterns there are.
    """

    def __init__(self, sources: Sequence[str]) -> None:
        self._needs = [required_literals(source) for source in sources]
        self._always = [n for n, needs in enumerate(self._needs) if needs is None]
        # The sets after the first (which a pattern is filed under), checked once it is picked out.
        self._others = [needs[1:] if needs else () for needs in self._needs]
        self._filed: dict[str, list[int]] = {}
        for number, needs in enumerate(self._needs):
            for literal in needs[0] if needs else ():
                self._filed.setdefault(literal, []).append(number)
        literals = {lit for needs in self._needs for options in needs or () for lit in options}
        self._index = LiteralIndex(literals)

    def present(self, text: str) -> Literals:
        """The patterns' literals that `text` contains."""
        return self._index.present(text)

    def candidates(self, present: Literals) -> list[int]:
        """Numbers of the patterns that could match a text holding `present`, in order."""
        filed = set().union(*[self._filed[literal] for literal in present if literal in self._filed])
        out = list(self._always)
        for number in filed:
            for needed in self._others[number]:
                if needed.isdisjoint(present):
                    break
            else:
                out.append(number)
        return sorted(out)
