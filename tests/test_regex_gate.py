"""bot.regex_gate: the words a pattern cannot match without, used to skip patterns cheaply.

The one property that matters: skipping must never change a result. If a pattern matches a text,
each of its required sets has a member in that text (or it has none, and is always run).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.crisis import compile_pattern
from bot.evaluate import load_labelled
from bot.regex_gate import LiteralIndex, PatternGate, required_literals

SAFETY_EVAL = Path(__file__).parent / "data" / "safety_eval.yaml"


@pytest.mark.parametrize(("source", "needs"), [
    (r"kill", [{"kill"}]),
    (r"\bkill\b", [{"kill"}]),
    (r"\bkil\s*myself\b", [{"myself"}, {"kil"}]),  # both words, the longer (rarer) one tried first
    (r"(?:die|suicide)", [{"die", "suicide"}]),    # one of the alternatives must be there
    # The parser shares "wan" out of the alternatives; it is glued back for a telling set.
    (r"\b(?:want|wanna) to die\b", [{" to die"}, {"want", "wanna"}, {"na", "t"}]),
    (r"\b(?:overdosed|od)\b", [{"overdosed", "od"}, {"verdosed", "d"}]),
    (r"(?:abc)+d", [{"abc"}, {"d"}]),              # a repeat of at least one still needs its item
    (r"(?:kill)?me", [{"me"}]),                    # the optional part adds nothing
])
def test_required_literals(source, needs):
    assert required_literals(source) == tuple(frozenset(n) for n in needs)


@pytest.mark.parametrize("source", [
    r"(?:kill)?",          # optional: needs nothing
    r"(?:die|\w+)",        # one alternative needs nothing
    r"[a-z]+",             # a class is not a literal
    r".*",
    r"(",                  # cannot be parsed: unknown, so always run
])
def test_patterns_that_need_nothing_certain_are_always_run(source):
    assert required_literals(source) is None


def test_every_match_contains_a_required_literal(catalog):
    """Over the shipped lexicon and the labelled safety messages: the gate never hides a match."""
    lexicon = catalog.crisis_lexicon
    sources = [s for table in (lexicon.patterns, lexicon.soft_patterns) for ps in table.values() for s in ps]
    patterns = [compile_pattern(source, lexicon.groups) for source in sources]
    compiled = [(pattern, required_literals(pattern.pattern)) for pattern in patterns]
    assert sum(needs is not None for _, needs in compiled) > len(compiled) // 2, "the gate should skip most patterns"
    forms = [catalog.detector.form(text) for text, _ in load_labelled(SAFETY_EVAL, "category")]
    for pattern, needs in compiled:
        gate = PatternGate([pattern.pattern])
        for form in forms:
            if pattern.search(form):
                assert gate.candidates(gate.present(form)) == [0], (pattern.pattern, form, needs)


def test_literal_index_finds_exactly_the_literals_a_text_holds():
    literals = ["od", "kil", "kill", "myself", "overdosed", "o", "to die", "dose"]
    index = LiteralIndex(literals)
    for text in ["i overdosed", "kill myself", "want to die", "", "od", "a good dose", "xyz", "ki ll"]:
        assert index.present(text) == frozenset(lit for lit in literals if lit in text), text


def test_pattern_gate_picks_the_patterns_that_could_match_in_order():
    sources = [r"\bkil\s*myself\b", r"\bwant to die\b", r"[a-z]+", r"\b(?:he|she) overdosed\b"]
    gate = PatternGate(sources)
    def could_match(text: str) -> list[int]:
        return gate.candidates(gate.present(text))
    assert could_match("i want to kil myself") == [0, 2]            # not "want to die": "die" is missing
    assert could_match("i want to die") == [1, 2]
    assert could_match("she overdosed") == [2, 3]
    assert could_match("myself") == [2]                              # "kil" missing: skipped
    for text in ["i want to kil myself", "she overdosed", "kilmyself he overdosed want to die"]:
        matching = [n for n, source in enumerate(sources) if re.search(source, text)]
        assert set(matching) <= set(could_match(text)), text


def test_a_case_insensitive_pattern_is_always_run():
    """Its letters are not literal: "(?i)Kill" matches "kill"."""
    assert required_literals(r"(?i)\bKill me") is None
