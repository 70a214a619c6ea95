"""Turn what people type into forms that can be compared: one for matching, one for crisis checks.

Both forms start from `fold` (Unicode, case, look-alike letters, accents, apostrophes). The
matching form then applies the operator's lexicon (misspellings, synonyms, stopwords); the crisis
form is built in `bot.crisis`, which needs leetspeak and spaced letters undone as well. Nothing
here knows about intents or replies.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

# Letters from other alphabets that look like Latin ones ("і wаnt" with Cyrillic і and а).
# Source: Unicode confusables.txt, the lowercase letters common in chat spoofing.
_CONFUSABLES = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
        "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
        "һ": "h", "ԛ": "q", "ԝ": "w", "ѵ": "v", "ь": "b", "α": "a", "β": "b", "ε": "e", "ι": "i",
        "κ": "k", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "ν": "v", "χ": "x", "ω": "w", "η": "n",
        "ß": "ss", "ø": "o", "ł": "l", "đ": "d", "æ": "ae", "œ": "oe",
    }
)
# Characters that show nothing (soft hyphen, zero-width space, joiners, word joiner, byte-order
# mark, direction marks): inside a word they hide it ("sui\u00adcide"), so they go before anything
# is read. Unicode category Cf, the ones seen in chat.
_INVISIBLE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
                        "\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]")
_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc\u0060\u00b4]")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_STRETCHED = re.compile(r"([a-z])\1{2,}")

# Matching works on the start of a message: long posts are cut so one message costs what a
# short one does. Crisis checks always read the whole text.
MATCH_CHARS = 600


def fold(text: str) -> str:
    """Case, compatibility forms, look-alike letters and accents folded; punctuation kept.

    Apostrophes go first: NFKC turns an acute accent typed as one ("I´m") into a space.
    """
    if text.isascii():  # most text: nothing for NFKC, the look-alikes or accents to do (10x faster)
        return _APOSTROPHES.sub("", text).lower()
    text = _INVISIBLE.sub("", text)
    text = unicodedata.normalize("NFKC", _APOSTROPHES.sub("", text)).casefold().translate(_CONFUSABLES)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _APOSTROPHES.sub("", text)


# Every ASCII character that is not a lowercase letter or digit, as a space (folded text is
# lowercase): one `translate` is several times faster than the regular expression on chat text.
_ASCII_NOT_WORD = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isdigit()
                                 and not ("a" <= chr(c) <= "z")})


def words(folded: str) -> list[str]:
    """Latin letters and digits only: emoji, symbols and other scripts drop out here."""
    if folded.isascii():
        return folded.translate(_ASCII_NOT_WORD).split()
    return _NOT_WORD.sub(" ", folded).split()


def unstretch(word: str) -> str:
    """'soooo' -> 'so', 'pleeease' -> 'please': three or more of a letter become one."""
    return _STRETCHED.sub(r"\1", word)


@dataclass(frozen=True)
class Lexicon:
    """The operator's normalisation lexicon from `intents/lexicon.yaml`."""

    misspellings: Mapping[str, str]
    synonyms: Mapping[str, str]
    stopwords: frozenset[str]


class Normaliser:
    """Applies a lexicon; built once per catalog so every message reuses the compiled pieces."""

    def __init__(self, lexicon: Lexicon) -> None:
        self._misspellings = dict(lexicon.misspellings)
        self._stopwords = lexicon.stopwords
        # Synonym keys are normalised the same way messages are, so an operator can write
        # "co-occurring" or "Dope" and still have it apply.
        synonyms = {" ".join(self._spell(words(fold(k)))): v for k, v in lexicon.synonyms.items()}
        self._synonyms = {k: " ".join(words(fold(v))) for k, v in synonyms.items() if k}
        # Phrases are looked up word by word: only a word that starts one is tried, longest first.
        self._synonym_starts = frozenset(k.split()[0] for k in self._synonyms)
        self._synonym_words = max((len(k.split()) for k in self._synonyms), default=0)

    def _spell(self, tokens: list[str]) -> list[str]:
        # Unstretched in one pass over the joined words (a run of one letter never crosses a space):
        # a third of the time per word, which is most of a content reload's normalising.
        misspelling = self._misspellings.get
        return [misspelling(t, t) for t in _STRETCHED.sub(r"\1", " ".join(tokens)).split()]

    def canonical(self, text: str) -> str:
        """Misspellings and synonyms applied, stopwords kept: the form keywords are found in."""
        joined = " ".join(self._spell(words(fold(text[: MATCH_CHARS * 4]))))[:MATCH_CHARS]
        return self._replace_synonyms(joined.split()) if self._synonym_starts else joined

    def _replace_synonyms(self, tokens: list[str]) -> str:
        """Each synonym phrase replaced, the longest first where several start at one word.

        Only the words that start a synonym are visited; the runs between them are copied whole
        (most words start none, and a loop over every word was half of normalising a long post).
        """
        starts = self._synonym_starts
        out: list[str] = []
        done = 0  # tokens before this are in `out` (or were replaced)
        for at in [i for i, token in enumerate(tokens) if token in starts]:
            if at < done:
                continue  # inside a phrase already replaced
            for size in range(min(self._synonym_words, len(tokens) - at), 0, -1):
                replacement = self._synonyms.get(" ".join(tokens[at:at + size]))
                if replacement is not None:
                    out += tokens[done:at]
                    if replacement:
                        out.append(replacement)
                    done = at + size
                    break
        out += tokens[done:]
        return " ".join(out)

    def match_form(self, canonical: str) -> str:
        """The canonical form without stopwords: what the fuzzy scorer compares."""
        return " ".join(self.match_words(canonical))

    def match_words(self, canonical: str) -> list[str]:
        stopwords = self._stopwords
        return [t for t in canonical.split() if t not in stopwords]
