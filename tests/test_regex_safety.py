"""bot.regex_safety, and the promise it keeps: no message takes long in the crisis core.

The static check is tested on the shapes the issue names (refused) and their safe rewrites
(accepted); `lantern validate` must refuse an operator's pattern of such a shape at its line; and
every compiled pattern of the shipped lexicon, then the whole core, is fed adversarial messages
of 4,096 characters (Telegram's limit). The bound per call is generous (a second), so it never
flakes on a slow machine but still catches an exponential pattern; precise figures are in
benchmarks/bench_adversarial.py.
"""

from __future__ import annotations

import contextlib
import io
import re
import time
from collections.abc import Callable
from string import ascii_lowercase

import pytest

from bot.cli import main
from bot.crisis import BUILTIN_LEXICON, expand_patterns
from bot.regex_safety import unsafe_shapes
from bot.validate import pattern_shapes

LENGTH = 4096  # Telegram's limit for one message (core.telegram.org/bots/api#sendmessage)
BOUND_S = 1.0


def _fill(unit: str, length: int) -> str:
    return (unit * (length // len(unit) + 1))[:length]


def _word(length: int) -> str:
    """One word with no letter twice in a row, so squeezing doubled letters cannot shorten it."""
    return _fill(ascii_lowercase, length)


# Messages that make a backtracking pattern try every way to split them.
GENERATORS: dict[str, Callable[[int], str]] = {
    "long unbroken word": _word,
    "repeated optional word 'so'": lambda n: _fill("so ", n),
    "repeated 'i'": lambda n: _fill("i ", n),
    "repeated filler 'really'": lambda n: _fill("really ", n),
    "repeated partial phrase": lambda n: _fill("i want to ", n),
    "spaced letters": lambda n: _fill("k i l l ", n),
    "digits": lambda n: _fill("0123456789", n),
    "leetspeak": lambda n: _fill("k1ll 3nd ", n),
    "long word, then a trigger": lambda n: _word(n - 18) + " i want to die now",
    "'i', a long word, a near trigger": lambda n: "i " + _word(n - 20) + " quit self harmful",
    "person, then short words": lambda n: "he " + _fill("abc ", n - 3),
    "ordinary words": lambda n: _fill("the cat sat on a mat ", n),
}


# --- the static check ------------------------------------------------------------------------------------


@pytest.mark.parametrize("expression", [
    r"\bi (?:\w+\s?)*want to die\b",   # the operator's pattern of the issue: 38 s on 35 characters
    r"(?:\s?\w+){0,4}",                # words that can be cut anywhere, up to four times
    r"(a|ab)*c",                       # alternatives of different lengths
    r"(?:\w+\s*){0,8}",                # `(?:\w+ ){0,8}` if its space became `\s*`
    r"(?:\w+\s?){3}x",                 # an exact count is no better
    r"(?>(?:\w+\s?)*want)",            # atomic, but the repeat is not what ends the group
])
def test_shapes_that_can_backtrack_without_end_are_refused(expression):
    reasons = unsafe_shapes(expression)
    assert len(reasons) == 1
    assert "different number of characters" in reasons[0]
    assert "atomic (?>...) or possessive" in reasons[0]


def test_a_repeat_that_can_match_nothing_is_refused():
    reasons = unsafe_shapes(r"(?:x?)*y")
    assert reasons == ("a repeated part '(?:x?)*' can match nothing at all, so the search can try it endlessly "
                       "in different ways: make sure every repetition needs at least one character",)


def test_the_reason_quotes_the_repeated_part():
    assert "'(?:\\w+\\s?)*'" in unsafe_shapes(r"\bi (?:\w+\s?)*want to die\b")[0]


@pytest.mark.parametrize("expression", [
    r"\bi (?>(?:\w+\s?)*)want to die\b",    # atomic
    r"\bi (?:\w+\s?)*+want to die\b",       # possessive
    r"(?:\s?\w++){0,4}?\s?\bstop",          # each word taken whole
    r"\b(?:lips|face)\b.{0,25}\bblue\b",    # a bounded repeat of one character
    r"(?:(?!hope|wish).){0,50}\bwake",      # one character at a time, with a look-ahead
    r"\bunaliv\w*\b",
    r"(?:\w+(?:\s+|$)){0,3}?hit",           # whole words: a word ends only where a space starts
    r"(?:\s+\w+)*",
    r"(?:ab)*c",                            # the same length every time
])
def test_safe_shapes_are_accepted(expression):
    assert unsafe_shapes(expression) == ()


def test_whole_words_in_a_crisis_pattern_are_accepted_as_written():
    # The crisis form reads a space after `\w+` as "one or more spaces, or the end": a word is never cut.
    expression = expand_patterns([r"\bif (?:\w+ ){0,8}"], {})[r"\bif (?:\w+ ){0,8}"]
    assert unsafe_shapes(expression) == ()


def test_the_shipped_lexicon_and_the_builtin_core_have_no_refused_shape(catalog):
    assert pattern_shapes(catalog) == []
    builtin = [*BUILTIN_LEXICON.negations, *(p for ps in BUILTIN_LEXICON.patterns.values() for p in ps)]
    assert [s for s, e in expand_patterns(builtin, BUILTIN_LEXICON.groups).items() if unsafe_shapes(e)] == []


# --- validate refuses them --------------------------------------------------------------------------------


def test_validate_refuses_an_operators_pattern_that_can_backtrack_naming_its_line(content_copy):
    crisis = content_copy.edit("intents/crisis.yaml", "    suicide:\n      - \\bkil {self}\\b\n",
                               "    suicide:\n      - \\bi (?:\\w+\\s?)*want to die\\b\n      - \\bkil {self}\\b\n")
    line = content_copy.line_of("intents/crisis.yaml", r"(?:\w+\s?)*want to die")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["validate", "--content", str(content_copy.root)])
    assert status == 1
    errors = [row for row in out.getvalue().splitlines() if ": error: " in row]
    assert errors == [
        f"{crisis}:{line}: error: crisis pattern '\\bi (?:\\w+\\s?)*want to die\\b': a repeated part "
        "'(?:\\w+\\s?)*' can match a different number of characters each time, so a long message can take "
        "exponential time: make it atomic (?>...) or possessive (*+, ++, {0,3}+), or write whole words as "
        "(?:\\w+ ){0,3} so a word cannot be split"]


def test_a_faulty_group_is_named_once_at_its_own_line(content_copy):
    crisis = content_copy.edit("intents/crisis.yaml", "    first: [i, im, ive, id, ill, me, my]\n",
                               "    first: [i, im, ive, id, ill, me, my, '(?:\\w+\\s?)+']\n")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["validate", "--content", str(content_copy.root)])
    assert status == 1
    errors = [row for row in out.getvalue().splitlines() if ": error: " in row]
    line = content_copy.line_of("intents/crisis.yaml", "    first: [")
    assert len(errors) == 1
    assert errors[0].startswith(f"{crisis}:{line}: error: crisis pattern '{{first}}': a repeated part")


# --- adversarial messages at 4,096 characters -------------------------------------------------------------


def _slowest(search: Callable[[str], object], texts: list[str]) -> float:
    slowest = 0.0
    for text in texts:
        start = time.perf_counter()
        search(text)
        slowest = max(slowest, time.perf_counter() - start)
    return slowest


@pytest.fixture(scope="module")
def adversarial_forms(catalog) -> list[str]:
    """The generated messages as the patterns read them (the crisis form), and as written."""
    texts = [make(LENGTH) for make in GENERATORS.values()]
    return texts + [catalog.detector.form(text) for text in texts]


def test_every_shipped_pattern_is_fast_on_adversarial_messages(catalog, adversarial_forms):
    lexicon = catalog.crisis_lexicon.merged(BUILTIN_LEXICON)
    sources = [*lexicon.idioms, *lexicon.info_frames, *lexicon.hypotheticals, *lexicon.past_frames,
               *lexicon.urgency, *lexicon.negations,
               *(p for table in (lexicon.patterns, lexicon.soft_patterns) for ps in table.values() for p in ps)]
    expressions = expand_patterns(sources, lexicon.groups)
    assert len(expressions) == len(set(sources)) > 250
    slow = []
    for source, expression in expressions.items():
        pattern = re.compile(expression)
        took = _slowest(lambda text, p=pattern: list(p.finditer(text)), adversarial_forms)
        if took > BOUND_S:
            slow.append((source, round(took, 2)))
    assert slow == []


@pytest.mark.parametrize("name", GENERATORS)
def test_the_whole_core_is_fast_on_adversarial_messages(lantern, name):
    text = GENERATORS[name](LENGTH)
    assert len(text) == LENGTH
    took = _slowest(lambda t: lantern.reply("adversary", t), [text])
    assert took < BOUND_S


def test_a_trigger_after_a_long_word_is_still_caught(lantern):
    reply = lantern.reply("adversary", GENERATORS["long word, then a trigger"](LENGTH))
    assert reply.kind == "crisis" and reply.crisis == "suicide"
