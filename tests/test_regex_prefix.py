"""bot.regex_prefix: patterns starting at a word boundary rewritten to start with their letters.

The one property that matters: the rewritten pattern finds exactly what the plain one finds, at
the same places, in the same order. Speed is measured in benchmarks/bench_matcher.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.crisis import BUILTIN_LEXICON, _compile_source, _expand_groups
from bot.evaluate import load_labelled
from bot.regex_prefix import _rewritten, compile_word_start, parser

SAFETY_EVAL = Path(__file__).parent / "data" / "safety_eval.yaml"

TEXTS = [
    "", "end it", "i want to end it tonight", "friend it", "_end it", "2end it", "weekend it was fine",
    "he hit me", "she hit me", "someone hit me", "the hit me", "they hit me again", "hehit me",
    "i think he overdosed", "he overdosed", "think he overdosed", "(he) hit me", "é he hit me",
    "i think i think he overdosed", "he he hit me",
]


def spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


@pytest.mark.parametrize("source", [
    r"\bend\s*it\b",
    r"\b(?:he|she|someone)\b\s*hit\s*me\b",
    r"\b(?:(?:he|she)|someone|they)\s*hit",
    r"\b(?:i\s*think\s*)?(?:he|i)\s*overdosed\b",
    r"\bhe\w*",
])
def test_rewritten_patterns_find_the_same_matches(source):
    plain, fast = re.compile(source), compile_word_start(source)
    assert _rewritten(list(parser.parse(source).data), parser.parse(source).state) is not None
    for text in TEXTS:
        assert spans(fast, text) == spans(plain, text), text


@pytest.mark.parametrize("source", [r"hit\s*me", r"\b\d+", r"(?<!x)\bend", r"\b(?:end|\d)", r"^kill me$"])
def test_patterns_that_do_not_start_with_a_boundary_and_letters_are_left_alone(source):
    assert _rewritten(list(parser.parse(source).data), parser.parse(source).state) is None
    assert compile_word_start(source).pattern == source


def test_a_bad_pattern_still_raises():
    with pytest.raises(re.error):
        compile_word_start(r"\b(?:end")


def test_every_shipped_pattern_finds_the_same_matches(catalog):
    """Over the shipped lexicon (and the built-in core) and the labelled safety messages."""
    lexicon = catalog.crisis_lexicon.merged(BUILTIN_LEXICON)
    groups = _expand_groups(lexicon.groups)
    sources = [s for table in (lexicon.patterns, lexicon.soft_patterns) for ps in table.values() for s in ps]
    sources += [*lexicon.info_frames, *lexicon.urgency, *lexicon.past_frames, *lexicon.idioms]
    texts = [catalog.detector.form(text) for text, _ in load_labelled(SAFETY_EVAL, "category")]
    rewritten = 0
    for source in sources:
        expression = _compile_source(source, groups)
        plain, fast = re.compile(expression), compile_word_start(expression)
        rewritten += fast.pattern is None
        for text in texts:
            assert spans(fast, text) == spans(plain, text), (source, text)
    assert rewritten > len(sources) // 2, "most crisis patterns start with a word boundary"
