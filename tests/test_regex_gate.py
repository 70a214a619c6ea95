"""bot.regex_gate: the words a pattern cannot match without, used to skip patterns cheaply.

The one property that matters: skipping must never change a result. If a pattern matches a text,
one of its required literals is in that text (or it has none, and is always run).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.crisis import compile_pattern
from bot.evaluate import load_labelled
from bot.regex_gate import required_literals

SAFETY_EVAL = Path(__file__).parent / "data" / "safety_eval.yaml"


@pytest.mark.parametrize(("source", "literals"), [
    (r"kill", {"kill"}),
    (r"\bkill\b", {"kill"}),
    (r"\bkil\s*myself\b", {"myself"}),           # the longer (rarer) of two required words
    (r"(?:die|suicide)", {"die", "suicide"}),    # one of the alternatives must be there
    (r"\b(?:want|wanna) to die\b", {" to die"}),
    (r"(?:abc)+d", {"abc"}),                     # a repeat of at least one still needs its item
])
def test_required_literals(source, literals):
    assert required_literals(source) == frozenset(literals)


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
    assert sum(lits is not None for _, lits in compiled) > len(compiled) // 2, "the gate should skip most patterns"
    forms = [catalog.detector.form(text) for text, _ in load_labelled(SAFETY_EVAL, "category")]
    for pattern, literals in compiled:
        if literals is None:
            continue
        for form in forms:
            if pattern.search(form):
                assert any(lit in form for lit in literals), (pattern.pattern, form, literals)
