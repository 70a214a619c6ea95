"""Letter squeezing (`bot.concepts.squeeze`) must not make one real word into another.

The crisis form makes doubled letters single so that "kiiill myself" and "diiie" are read, and
the lexicons are squeezed the same way. Squeezed, "noose" was "nose" and "soon" was "son": "its all
gone up my nose" read as a means of suicide. `DISTINCT_SPELLINGS` keeps such words whole on both
sides. The check below lists every pair of words in the crisis lexicons that squeeze to the same
form, and fails on a new pair that nobody has put on one side or the other.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
import yaml

from bot.concepts import _DOUBLED, DISTINCT_SPELLINGS, squeeze
from bot.crisis import BUILTIN_CONCEPTS, BUILTIN_LEXICON
from bot.paths import DEFAULT_INTENTS_DIR
from tests.crisis_replies import reply_to

# Pairs that squeeze together on purpose, by their squeezed form: one word in two spellings (the
# lexicon writes some squeezed, "kil", "beter"), or a typo people make so often that reading the two
# as one is worth it ("took to much", "better of dead", "i fell like dying", "cant se the point"),
# or a Spanish word met only inside exact Spanish phrases ("al", "se").
SAME_ON_PURPOSE = {
    "al": "Spanish 'al', only in exact Spanish phrases",
    "fed": "'fed' and 'feed' the dog: one family of signs (crisis_concepts_signs.yaml), either way the same",
    "ben": "a typo of 'been' the lexicon lists",
    "beter": "'better', written squeezed",
    "comit": "'commit' and its typo", "comited": "'committed' and its typo", "comiting": "'committing'",
    "cuting": "'cutting' and its typo", "hapening": "'happening' and its typo", "kiling": "'killing'",
    "kil": "'kill', written squeezed", "pils": "'pills' and its typo", "stuf": "'stuff' and its typo",
    "wana": "'wanna' and its typo", "wil": "'will' and its typo", "til": "'till' and 'til'",
    "fiance": "'fiance' and 'fiancee'", "shot": "'shoot' and its past", "chose": "'choose' and its past",
    "fel": "'feel' and 'fell', typed for each other", "se": "'see' and Spanish 'se' (exact phrases only)",
    "to": "'too' and 'to', typed for each other", "of": "'off' and 'of', typed for each other",
    "depresion": "'depression' and Spanish 'depresion'",
}

_ESCAPES = re.compile(r"\\[bBwWsSdD]|\\x[0-9a-f]{2}|\\.|\[[^\]]*\]|\{[a-z_]+\}|\(\?(?:<?[!=]|:|P<\w+>)")
_WORD = re.compile(r"(?<![a-z])[a-z]+(?![a-z?*+{(])")


def _strings(node: object) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)
    elif isinstance(node, dict):
        for item in node.values():
            yield from _strings(item)


def _pattern_words(sources: Iterable[str]) -> set[str]:
    """The whole words a set of regular expressions spells out (fragments such as `kil\\w*` left out)."""
    return {word for source in sources for word in _WORD.findall(_ESCAPES.sub(" ", source))}


def _phrase_words(phrases: Iterable[str]) -> set[str]:
    return {word for phrase in phrases for word in re.findall(r"[a-z]+", phrase.lower())}


def lexicon_words() -> set[str]:
    """Every word of the shipped crisis lexicon, its risk concepts and the built-in core."""
    words = set()
    for path in sorted(Path(DEFAULT_INTENTS_DIR).glob("crisis*.yaml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
        if "crisis" in content:
            words |= _pattern_words(_strings(content["crisis"]))
        if "crisis_concepts" in content:
            concepts = content["crisis_concepts"]
            words |= _phrase_words(_strings([concepts.get(k, []) for k in ("concepts", "follow_ups", "negations")]))
    builtin = [*BUILTIN_LEXICON.groups.values(), *BUILTIN_LEXICON.patterns.values()]
    words |= _pattern_words(source for sources in builtin for source in sources)
    return words | _phrase_words(phrase for phrases in BUILTIN_CONCEPTS.concepts.values() for phrase in phrases)


def collisions(words: set[str]) -> dict[str, set[str]]:
    """Words that, with doubled letters made single, are the same: by that squeezed form."""
    together: dict[str, set[str]] = defaultdict(set)
    for word in words:
        together[_DOUBLED.sub(r"\1", word)].add(word)
    return {plain: spellings for plain, spellings in together.items() if len(spellings) > 1}


def test_every_collision_in_the_lexicons_is_kept_apart_or_meant():
    undecided = {plain: sorted(spellings) for plain, spellings in collisions(lexicon_words()).items()
                 if spellings.isdisjoint(DISTINCT_SPELLINGS) and plain not in SAME_ON_PURPOSE}
    assert not undecided, (
        "words of the crisis lexicons that squeeze into one another: add the real word to DISTINCT_SPELLINGS "
        f"(bot/concepts.py) or the pair to SAME_ON_PURPOSE here: {undecided}")


def test_the_known_collisions_are_found():
    found = collisions(lexicon_words())
    assert {"noose", "nose"} <= found["nose"]
    assert {"soon", "son"} <= found["son"]


@pytest.mark.parametrize(("written", "read"), [
    ("noose", "noose"), ("nooose", "noose"), ("nose", "nose"), ("nooses", "nooses"),
    ("soon", "soon"), ("sooon", "soon"), ("son", "son"), ("sonn", "son"),
    ("teen", "teen"), ("ten", "ten"), ("good", "good"), ("goodbye", "godbye"),
    ("kill", "kil"), ("kiiill myself", "kil myself"), ("diiie", "die"), ("hopeless", "hopeles"),
])
def test_squeeze_keeps_distinct_words_whole_and_reads_stretched_ones(written, read):
    assert squeeze(written) == read




@pytest.mark.parametrize("text", [
    "i relapsed and its all gone up my nose, every cent",
    "i will see you all soon at the meeting, it will be good",
    "took ten days off work for detox",
    "none would miss the old me, ha, i am so much better now",
])
def test_a_real_word_is_never_read_as_the_word_it_squeezes_to(lantern, text):
    reply = reply_to(lantern, text)
    assert reply.kind != "crisis", f"got the {reply.crisis} crisis reply"
    suicide_line = lantern.catalog.crisis_replies["soft_suicide"].split("{")[0]
    assert suicide_line not in reply.text


@pytest.mark.parametrize(("text", "category"), [
    ("i tied a noose in my room", "suicide"),
    ("i tied a nooose", "suicide"),
    ("i want to kiiill myself", "suicide"),
    ("i wanna diiie", "suicide"),
    ("i want to end it soon", "suicide"),
    ("noone would miss me", "suicide"),
    ("my son wants to die", "other_at_risk"),
    ("my teen said she wants to die", "other_at_risk"),
])
def test_the_intended_squeeze_still_reads_the_crisis(lantern, text, category):
    reply = reply_to(lantern, text)
    assert reply.kind == "crisis", text
    assert reply.crisis == category
