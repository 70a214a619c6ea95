"""Refuses regular-expression shapes that can backtrack super-linearly, before they ever run.

Python's `re` backtracks: a repeated group that can split the same text in many ways (`(?:\\w+\\s?)*`
before "want to die") tries every split when the rest of the pattern fails, and a 35-character
message then takes seconds. `unsafe_shapes` reads a compiled expression's parse tree (what `re`
itself parses) and names each repeat that can do this, in words an operator can act on. It runs
at load and validate time only, never per message. Not a general ambiguity prover: it accepts
shapes it can show are linear (a repeat of one character, a repeat whose parts always match the
same text, words set apart by a delimiter they cannot contain, anything possessive or atomic) and
refuses the rest.
"""

from __future__ import annotations

import re
from functools import lru_cache
from re import _constants as sre  # Python 3.11+; sre_parse before that
from re import _parser as sre_parse

_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT)
_ZERO_WIDTH = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)
# Character sets are compared over this sample of code points: every Latin letter, digit, space
# and punctuation mark, plus one ideograph, one wide space and one emoji for the rest of Unicode.
_UNIVERSE = frozenset([*range(0x250), 0x2028, 0x3000, 0x4E00, 0x1F600])
_END = -1  # "the end of the text": `$` is followed by nothing a repeat could take
_SHOWN = 60  # characters of a repeated part quoted in a reason
# Only a repeated group can be refused (a repeat of one character never is): an expression
# without `)` before a quantifier is not parsed at all, which keeps a reload's check cheap.
_REPEATED_GROUP = re.compile(r"\)[*+{]")

EMPTY_BODY = ("a repeated part {part} can match nothing at all, so the search can try it endlessly "
              "in different ways: make sure every repetition needs at least one character")
VARIABLE_BODY = ("a repeated part {part} can match a different number of characters each time, so a long "
                 "message can take exponential time: make it atomic (?>...) or possessive (*+, ++, "
                 "{{0,3}}+), or write whole words as (?:\\w+ ){{0,3}} so a word cannot be split")


@lru_cache(maxsize=4096)
def unsafe_shapes(expression: str) -> tuple[str, ...]:
    """Plain-English reasons `expression` can backtrack super-linearly; empty when it cannot."""
    if not _REPEATED_GROUP.search(expression):
        return ()
    try:
        tree = sre_parse.parse(expression)
    except re.error:
        return ()  # not compiling is reported on its own, where the pattern is compiled
    reasons: list[str] = []
    _walk(list(tree.data), tree.state, reasons, atomic_tail=False)
    return tuple(dict.fromkeys(reasons))


def _walk(items: list, state: sre_parse.State, reasons: list[str], atomic_tail: bool) -> None:
    """Checks every repeat in `items`. `atomic_tail`: the last item ends an atomic group, so once
    it has matched nothing after it inside the group can make it try again."""
    for index, (op, av) in enumerate(items):
        last = atomic_tail and index == len(items) - 1
        if op in _REPEATS:
            _, high, body = av
            if not last and high > 1:
                reason = _repeat_problem(list(body.data), state)
                if reason:
                    reasons.append(reason.format(part=_quote(_render([(op, av)]))))
                    continue
            _walk(list(body.data), state, reasons, atomic_tail=False)
        elif op == sre.POSSESSIVE_REPEAT:
            _walk(list(av[2].data), state, reasons, atomic_tail=False)
        elif op == sre.ATOMIC_GROUP:
            _walk(list(av.data), state, reasons, atomic_tail=True)
        elif op == sre.SUBPATTERN:
            _walk(list(av[3].data), state, reasons, atomic_tail=last)
        elif op == sre.BRANCH:
            for alternative in av[1]:
                _walk(list(alternative.data), state, reasons, atomic_tail=last)
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            _walk(list(av[1].data), state, reasons, atomic_tail=False)
        elif op == sre.GROUPREF_EXISTS:
            for branch in av[1:]:
                if branch is not None:
                    _walk(list(branch.data), state, reasons, atomic_tail=False)


def _repeat_problem(body: list, state: sre_parse.State) -> str | None:
    """Why repeating `body` more than once can backtrack super-linearly, or None if it cannot."""
    low, high = sre_parse.SubPattern(state, body).getwidth()
    if low == 0:
        return EMPTY_BODY
    if low == high or _delimited(body):
        return None
    return VARIABLE_BODY


def _delimited(body: list) -> bool:
    """Every part of `body` that can take more or fewer characters is followed (in the next
    repetition too) by a part that must take a character it cannot: `\\w+(?:\\s+|$)` or `\\s+\\w+`.
    Then each repetition ends at the one place the text allows, and no split is ever retried."""
    parts = [item for item in _flatten(body) if item[0] not in _ZERO_WIDTH]
    if not parts or not all(_simple(item) for item in parts):
        return False
    for index, item in enumerate(parts):
        low, high = _width(item)
        if low == high or item[0] == sre.POSSESSIVE_REPEAT:  # a possessive run is always all of it
            continue
        follow, nullable = _first(parts[index + 1:])
        if nullable:  # the next repetition follows
            more, _ = _first(parts)
            follow |= more
        if follow & _chars(item):
            return False
    return True


def _flatten(items: list) -> list:
    """Groups without alternatives opened up: `(?:\\w+)(?:\\s+|$)` is the sequence it reads as."""
    flat = []
    for op, av in items:
        if op == sre.SUBPATTERN:
            flat.extend(_flatten(list(av[3].data)))
        else:
            flat.append((op, av))
    return flat


def _simple(item: tuple) -> bool:
    """One character, a repeat of one character, or alternatives of those and `$` (a delimiter)."""
    op, av = item
    if _single(item):
        return True
    if op in _REPEATS or op == sre.POSSESSIVE_REPEAT:
        body = list(av[2].data)
        return len(body) == 1 and _single(body[0])
    if op == sre.SUBPATTERN:
        return len(av[3].data) == 1 and _simple(av[3].data[0])
    if op == sre.BRANCH:
        alternatives = [list(a.data) for a in av[1]]
        if not all(len(a) == 1 and (_at_end(a[0]) or (_simple(a[0]) and _width(a[0])[0] >= 1))
                   for a in alternatives):
            return False
        firsts = [_first(a)[0] for a in alternatives]  # alternatives must not start alike
        return all(not (firsts[i] & firsts[j]) for i in range(len(firsts)) for j in range(i))
    return False


def _single(item: tuple) -> bool:
    return item[0] in (sre.LITERAL, sre.NOT_LITERAL, sre.ANY, sre.IN)


def _at_end(item: tuple) -> bool:
    return item[0] == sre.AT and item[1] in (sre.AT_END, sre.AT_END_STRING)


def _width(item: tuple) -> tuple[int, int]:
    op, av = item
    if _single(item):
        return 1, 1
    if _at_end(item) or op in _ZERO_WIDTH:
        return 0, 0
    if op in _REPEATS or op == sre.POSSESSIVE_REPEAT:
        return av[0], av[1]
    if op == sre.SUBPATTERN:
        return _width(av[3].data[0])
    widths = [_width(a.data[0]) for a in av[1]]  # BRANCH of simple parts
    return min(w[0] for w in widths), max(w[1] for w in widths)


def _first(parts: list) -> tuple[set[int], bool]:
    """The characters a match of the sequence `parts` can start with, and whether it can be empty."""
    found: set[int] = set()
    for item in parts:
        op, av = item
        if _at_end(item):
            found.add(_END)
            return found, False
        if op == sre.BRANCH:
            nullable = False
            for alternative in av[1]:
                chars, empty = _first(list(alternative.data))
                found |= chars
                nullable |= empty
            if not nullable:
                return found, False
            continue
        found |= _chars(item)
        if _width(item)[0] > 0:
            return found, False
    return found, True


def _chars(item: tuple) -> set[int]:
    """Every character `item` (one of `_simple`'s shapes) can take."""
    op, av = item
    if op == sre.LITERAL:
        return {av}
    if op == sre.NOT_LITERAL:
        return set(_UNIVERSE - {av})
    if op == sre.ANY:
        return set(_UNIVERSE - {ord("\n")})
    if op == sre.IN:
        return set(_in_set(tuple(av)))
    if op in _REPEATS or op == sre.POSSESSIVE_REPEAT:
        return _chars(av[2].data[0])
    if op == sre.SUBPATTERN:
        return _chars(av[3].data[0])
    if op == sre.BRANCH:
        return set().union(*(_chars(a.data[0]) for a in av[1] if not _at_end(a.data[0])))
    return set()


@lru_cache(maxsize=512)
def _in_set(items: tuple) -> frozenset[int]:
    """A character class `[...]` as the set of sample code points it takes."""
    chars: set[int] = set()
    negate = False
    for op, av in items:
        if op == sre.NEGATE:
            negate = True
        elif op == sre.LITERAL:
            chars.add(av)
        elif op == sre.RANGE:
            chars |= {c for c in _UNIVERSE if av[0] <= c <= av[1]}
        elif op == sre.CATEGORY:
            chars |= _category(av)
        else:  # anything unexpected: assume it can take every character (refuses, never passes)
            chars |= _UNIVERSE
    return frozenset(_UNIVERSE - chars) if negate else frozenset(chars)


_CATEGORY_REGEX = {
    sre.CATEGORY_DIGIT: r"\d", sre.CATEGORY_NOT_DIGIT: r"\D", sre.CATEGORY_SPACE: r"\s",
    sre.CATEGORY_NOT_SPACE: r"\S", sre.CATEGORY_WORD: r"\w", sre.CATEGORY_NOT_WORD: r"\W",
}


@lru_cache(maxsize=16)
def _category(category: object) -> frozenset[int]:
    regex = _CATEGORY_REGEX.get(category)
    if regex is None:
        return _UNIVERSE
    compiled = re.compile(regex)
    return frozenset(c for c in _UNIVERSE if compiled.fullmatch(chr(c)))


# --- Showing a repeated part to the operator, in regex syntax, cut short when long. ---

_AT = {sre.AT_BEGINNING: "^", sre.AT_BEGINNING_STRING: r"\A", sre.AT_END: "$", sre.AT_END_STRING: r"\Z",
       sre.AT_BOUNDARY: r"\b", sre.AT_NON_BOUNDARY: r"\B"}
_CATEGORY_TEXT = {sre.CATEGORY_DIGIT: r"\d", sre.CATEGORY_NOT_DIGIT: r"\D", sre.CATEGORY_SPACE: r"\s",
                  sre.CATEGORY_NOT_SPACE: r"\S", sre.CATEGORY_WORD: r"\w", sre.CATEGORY_NOT_WORD: r"\W"}


def _quote(text: str) -> str:
    return f"'{text}'" if len(text) <= _SHOWN else f"'{text[:_SHOWN]}...'"


def _render(items: list) -> str:
    return "".join(_render_item(op, av) for op, av in items)


def _render_item(op: object, av: object) -> str:
    if op == sre.LITERAL:
        return re.escape(chr(av))
    if op == sre.NOT_LITERAL:
        return f"[^{re.escape(chr(av))}]"
    if op == sre.ANY:
        return "."
    if op == sre.AT:
        return _AT.get(av, "")
    if op == sre.IN:
        return _render_in(av)
    if op in (*_REPEATS, sre.POSSESSIVE_REPEAT):
        low, high, body = av
        inner = _render(list(body.data))
        if len(body.data) != 1 or body.data[0][0] not in (sre.LITERAL, sre.NOT_LITERAL, sre.ANY, sre.IN):
            inner = inner if inner.startswith("(") and inner.endswith(")") else f"(?:{inner})"
        count = {(0, sre.MAXREPEAT): "*", (1, sre.MAXREPEAT): "+", (0, 1): "?", (low, low): f"{{{low}}}"}.get(
            (low, high), f"{{{low},{'' if high == sre.MAXREPEAT else high}}}")
        return inner + count + ("?" if op == sre.MIN_REPEAT else "+" if op == sre.POSSESSIVE_REPEAT else "")
    if op == sre.SUBPATTERN:
        return f"(?:{_render(list(av[3].data))})"
    if op == sre.BRANCH:
        return "(?:" + "|".join(_render(list(a.data)) for a in av[1]) + ")"
    if op == sre.ATOMIC_GROUP:
        return f"(?>{_render(list(av.data))})"
    if op in (sre.ASSERT, sre.ASSERT_NOT):
        kind = ("=" if op == sre.ASSERT else "!") if av[0] >= 0 else ("<=" if op == sre.ASSERT else "<!")
        return f"(?{kind}{_render(list(av[1].data))})"
    return "..."


def _render_in(items: list) -> str:
    if len(items) == 1 and items[0][0] == sre.CATEGORY:
        return _CATEGORY_TEXT.get(items[0][1], "[...]")
    text = ""
    for op, av in items:
        if op == sre.NEGATE:
            text += "^"
        elif op == sre.LITERAL:
            text += re.escape(chr(av))
        elif op == sre.RANGE:
            text += f"{chr(av[0])}-{chr(av[1])}"
        elif op == sre.CATEGORY:
            text += _CATEGORY_TEXT.get(av, "")
    return f"[{text}]"
