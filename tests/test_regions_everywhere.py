"""Every help line a user sees comes from their region: topic answers, small talk, the welcome,
/about, the goodbye and every other interface text, as well as the crisis replies.

Checked on the shipped content for every region in hotlines.yaml: no text shows a number that
belongs only to another region (a user in the UK never reads "911" or "988"), no placeholder is
left unfilled, and no bullet is left empty where a region lacks a line. The welcome's and the
goodbye's numbers are asserted exactly, per region.
"""

from __future__ import annotations

import re

import pytest

from bot.catalog import Catalog
from bot.console import ConsoleSession
from bot.core import Lantern
from bot.validate import CORE_PHRASES

REGIONS = ("US", "CA", "UK", "IE", "AU", "NZ", "EU")
# What each region's welcome and goodbye must show, digit for digit: its crisis line and its
# emergency number (sources: see tests/test_hotlines.py).
CRISIS_AND_EMERGENCY = {
    "US": ("Call or text 988", "call 911"),
    "CA": ("Call or text 9-8-8", "call 911"),
    "UK": ("Samaritans on 116 123", "call 999"),
    "IE": ("Samaritans on 116 123", "call 112 or 999"),
    "AU": ("Lifeline on 13 11 14", "call 000"),
    "NZ": ("Call or text 1737", "call 111"),
    "EU": ("Call 116 123", "call 112"),
}
# A phone number, short code or text number as written ("1-800-662-4357", "116 123", "741741").
_NUMBER = re.compile(r"\d[\d -]*\d")


def numbers_in(text: str) -> set[str]:
    """The digits of every run of three or more (so "24/7" and "2 to 3 minutes" are not numbers)."""
    found = (re.sub(r"\D", "", run) for run in _NUMBER.findall(text))
    return {digits for digits in found if len(digits) >= 3}


def region_numbers(catalog: Catalog, code: str) -> set[str]:
    return set().union(*(numbers_in(value) for value in catalog.regions[code].values().values()))


def others_only(catalog: Catalog, code: str) -> set[str]:
    """Numbers of other regions that this region does not share (CA shares 911 with the US)."""
    others = set().union(*(region_numbers(catalog, c) for c in catalog.regions if c != code))
    return others - region_numbers(catalog, code)


def everything_shown(lantern: Lantern, code: str) -> dict[str, str]:
    """Every text a user in `code` can be shown, by a name to report it under."""
    catalog = lantern.catalog
    assert catalog is not None
    shown = {}
    for answer_id in catalog.answers:
        reply = lantern.answer(answer_id, region=code)
        shown[f"answer {answer_id}"] = "\n".join((reply.text, *reply.sources))
    listed = ", ".join(f"{c} ({n})" for c, n in lantern.regions().items())
    for key in catalog.interface:
        shown[f"interface {key}"] = lantern.ui(key, region_code=code, regions=listed)
    shown["/sos"] = lantern.sos(code).text
    for category, phrases in CORE_PHRASES.items():
        for phrase in phrases:
            shown[f"crisis {category}: {phrase!r}"] = lantern.reply(f"u-{phrase}", phrase, region=code).text
    return shown


def test_every_shipped_region_is_checked(catalog):
    assert set(catalog.regions) == set(REGIONS)


@pytest.mark.parametrize("code", REGIONS)
def test_no_text_shows_another_regions_number(lantern, catalog, code):
    foreign = others_only(catalog, code)
    assert foreign, "every region has numbers of its own"
    wrong = {name: sorted(numbers_in(text) & foreign)
             for name, text in everything_shown(lantern, code).items() if numbers_in(text) & foreign}
    assert not wrong, f"{code} users would see other regions' numbers: {wrong}"


@pytest.mark.parametrize("code", REGIONS)
def test_no_placeholder_empty_bullet_or_gap_is_left(lantern, code):
    for name, text in everything_shown(lantern, code).items():
        assert not re.search(r"\{\w+\}", text), f"{code} {name} shows an unfilled placeholder"
        assert all(line.strip() != "•" for line in text.splitlines()), f"{code} {name} has an empty bullet"
        assert "\n\n\n" not in text, f"{code} {name}: a dropped line left a double gap; keep it inside a paragraph"


@pytest.mark.parametrize("code", REGIONS)
def test_the_welcome_and_the_goodbye_give_the_regions_lines(lantern, code):
    crisis, emergency = CRISIS_AND_EMERGENCY[code]
    for key in ("welcome", "goodbye_console"):
        text = lantern.ui(key, region_code=code)
        assert crisis in text and emergency in text, f"{code} {key}: {text!r}"


def test_a_uk_user_after_region_uk_gets_uk_numbers_in_topic_answers(lantern):
    # The reported bug: after /region UK, answers still said "call 911" and "call or text 988",
    # and the welcome said "988 (US)".
    session = ConsoleSession(lantern)
    assert "United Kingdom" in (session.command("/region UK") or "")
    welcome = session.command("/start") or ""
    assert "116 123" in welcome and "999" in welcome and "988" not in welcome
    for question in ("how do i use narcan", "3am cravings are bad", "what are the signs of an overdose"):
        out = session.handle(question) or ""
        assert "999" in out, f"{question!r}: {out[:200]!r}"
        assert "911" not in out and "988" not in out, question


def test_a_region_with_no_drugs_line_still_reads_whole(lantern):
    # The EU has no drugs helpline: lines naming it are left out, the rest of the answer stays.
    text = lantern.answer("finding_treatment", region="EU").text
    assert text.startswith("When looking for help, ask whether a service:")
    assert "Neutral places to start:\n• In the US, findtreatment.gov" in text
    assert "1-800-662-4357" in lantern.answer("finding_treatment", region="US").text

