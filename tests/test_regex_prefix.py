"""bot.regex_prefix: patterns starting at a word boundary rewritten to start with their letters,
or tried only where their first words start.

The one property that matters: both find exactly what the plain pattern finds, at the same
places, in the same order. Speed is measured in benchmarks/bench_matcher.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.crisis import BUILTIN_LEXICON, _compile_source, _expand_groups
from bot.evaluate import load_labelled
from bot.regex_prefix import WordStarts, _rewritten, compile_word_start, matches_at, parser, word_leads

SAFETY_EVAL = Path(__file__).parent / "data" / "safety_eval.yaml"
INTENT_EVAL = Path(__file__).parent / "data" / "intent_eval.yaml"

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


@pytest.mark.parametrize(("source", "leads"), [
    (r"\bend\s*it", ("end",)),
    (r"\b(?:he|she|someone)\b\s*hit", ("he", "she", "someone")),
    (r"\b(?:i\s*think\s*)?(?:he|i)\s*od", ("he", "i")),
    (r"(?<![0-9]\x20)(?<![0-9])\bkms\b", ("kms",)),  # lookbehinds take no text
    (r"\b(?:end|\d)", None),  # one alternative starts with no letter
    (r"hit\s*me", None),  # may start inside a word
    (r"(?i)\bend", None),  # "End" matches too
    (r"\b(?:end", None),  # does not compile
])
def test_the_words_a_pattern_starts_with(source, leads):
    assert word_leads(source) == leads


def word_start_spans(source: str, text: str) -> list[tuple[int, int]]:
    starts = WordStarts([source])
    if starts.leads[0] is None:
        return spans(re.compile(source), text)
    return [m.span() for m in matches_at(re.compile(source), text, starts.of(text, [0]).get(0, ()))]


@pytest.mark.parametrize("source", [r"\b(?:he|she|someone)\b\s*hit\s*me\b", r"\bhe\w*", r"\b(?:i\s*)?(?:he|i)\b"])
def test_trying_only_word_starts_finds_the_same_matches(source):
    """On texts of words and spaces, as crisis forms are (elsewhere "(he" starts a word too)."""
    forms = [text for text in TEXTS if re.fullmatch(r"[a-z0-9 ]*", text)]
    for text in [*forms, "he  hit me   she hit me", " he hit me", "i i i he", "hehe hehit me"]:
        assert word_start_spans(source, text) == spans(re.compile(source), text), text


def test_word_starts_only_for_patterns_with_enough_first_words():
    starts = WordStarts([r"\bend\s*it", r"\b(?:he|she)\s*hit"], min_leads=2)
    assert starts.leads == [None, ("he", "she")]
    assert starts.of("she hit he hit end it", [0, 1]) == {1: [0, 8]}
    assert starts.of("she hit he hit", [0]) == {}  # only the patterns asked about


def test_every_shipped_pattern_finds_the_same_matches_at_word_starts(catalog):
    """Over the shipped lexicon and the crisis forms of the labelled messages, idiom blanks kept."""
    lexicon = catalog.crisis_lexicon.merged(BUILTIN_LEXICON)
    groups = _expand_groups(lexicon.groups)
    sources = [s for table in (lexicon.patterns, lexicon.soft_patterns) for ps in table.values() for s in ps]
    sources += [*lexicon.info_frames, *lexicon.urgency, *lexicon.past_frames]
    expressions = [_compile_source(source, groups) for source in sources]
    texts = [catalog.detector.form(text) for text, _ in load_labelled(SAFETY_EVAL, "category")]
    texts += [catalog.detector.form(text) for text, _ in load_labelled(INTENT_EVAL, "intent")]
    starts = WordStarts(expressions)
    tried = sum(leads is not None for leads in starts.leads)
    assert tried > len(expressions) // 2, "most crisis patterns start with a word"
    for text in texts:
        found = starts.of(text, range(len(expressions)))
        for number, expression in enumerate(expressions):
            if starts.leads[number] is not None:
                fast = [m.span() for m in matches_at(re.compile(expression), text, found.get(number, ()))]
                assert fast == spans(re.compile(expression), text), (sources[number], text)
