"""bot.hotlines and responses/hotlines.yaml: the right numbers for each region, exactly.

The numbers are asserted digit for digit on purpose: a wrong help line is the worst bug Lantern
can have. Sources: 988lifeline.org, crisistextline.org, samhsa.gov, thehotline.org, 988.ca,
samaritans.org, lifeline.org.au, 1737.org.nz, and the EU's harmonised 112 / 116 123.
If a number legitimately changes, change it here together with hotlines.yaml.
"""

from __future__ import annotations

import pytest

from bot.hotlines import Region, fill

# region -> what /sos and every crisis reply for that region must show.
NUMBERS = {
    "US": ("988", "HOME to 741741", "911", "1-800-662-4357", "1-800-799-7233"),
    "CA": ("9-8-8", "911"),
    "UK": ("116 123", "999"),
    "IE": ("116 123", "112"),
    "AU": ("13 11 14", "000"),
    "NZ": ("1737", "111"),
    "EU": ("112",),
}
# The crisis line and emergency number each region's suicide reply must give.
SUICIDE_LINES = {
    "US": ("988", "HOME to 741741", "911"),
    "CA": ("9-8-8", "911"),
    "UK": ("116 123", "999"),
    "IE": ("116 123", "112"),
    "AU": ("13 11 14", "000"),
    "NZ": ("1737", "111"),
    "EU": ("112",),
}


@pytest.mark.parametrize("region", sorted(NUMBERS))
def test_sos_gives_the_regions_numbers(lantern, region):
    reply = lantern.sos(region)
    assert reply.kind == "crisis" and reply.crisis == "sos" and reply.urgent
    for number in NUMBERS[region]:
        assert number in reply.text, f"{region} /sos lacks {number!r}"


@pytest.mark.parametrize("region", sorted(SUICIDE_LINES))
def test_a_suicide_reply_gives_the_regions_lines(lantern, region):
    reply = lantern.reply("u", "i want to kill myself", region=region)
    assert reply.crisis == "suicide"
    for number in SUICIDE_LINES[region]:
        assert number in reply.text, f"{region} suicide reply lacks {number!r}"


@pytest.mark.parametrize("region", ["UK", "IE", "AU", "NZ", "EU"])
def test_outside_north_america_no_us_number_is_given(lantern, region):
    for text in ("i want to kill myself", "he is not breathing", "he threatened to kill me",
                 "whats the point anymore", "my son said he wants to kill himself"):
        reply = lantern.reply("u", text, region=region)
        lantern.forget("u")
        assert "911" not in reply.text, f"{region} reply to {text!r} says 911"
        assert "988" not in reply.text, f"{region} reply to {text!r} says 988"


@pytest.mark.parametrize(("region", "emergency"), [("US", "911"), ("UK", "999"), ("AU", "000"), ("NZ", "111")])
def test_the_overdose_reply_starts_with_the_regions_emergency_number(lantern, region, emergency):
    reply = lantern.reply("u", "he is not breathing", region=region)
    assert reply.text.splitlines()[0] == f"Call {emergency} now. Say the person is not breathing or will not wake up."


def test_the_danger_reply_gives_the_violence_line(lantern):
    assert "1-800-799-7233" in lantern.reply("u", "he threatened to kill me", region="US").text
    assert "0808 2000 247" in lantern.reply("v", "he threatened to kill me", region="UK").text


def test_a_region_code_is_case_insensitive(lantern):
    assert "116 123" in lantern.sos("uk").text


def test_an_unknown_region_gets_the_default_regions_lines(lantern):
    reply = lantern.sos("ZZ")
    assert "988" in reply.text and "911" in reply.text


def test_every_region_names_its_source(catalog):
    for code, region in catalog.regions.items():
        assert region.source.strip(), f"{code} has no source"


# --- fill ------------------------------------------------------------------------------------------------

REGION = Region("XX", "Testland", emergency="123", crisis="Call 456", text="", drugs="Drugs line 789")


def test_fill_puts_the_regions_lines_into_a_template():
    assert fill("Call {emergency}. {crisis}.", REGION.values()) == "Call 123. Call 456."


def test_fill_drops_a_line_whose_help_line_the_region_lacks():
    template = "Help ({region}):\n• {crisis}\n• {text}\n• {drugs}"
    assert fill(template, REGION.values()) == "Help (Testland):\n• Call 456\n• Drugs line 789"


def test_fill_leaves_unknown_placeholders_visible():
    # Only region fields are filled; anything else is left for the author to notice.
    assert fill("Hello {name}", REGION.values()) == "Hello {name}"


def test_region_values_hold_every_field_and_the_name():
    assert REGION.values() == {"emergency": "123", "crisis": "Call 456", "text": "", "drugs": "Drugs line 789",
                               "violence": "", "overdose_law": "", "region": "Testland"}


def test_regions_without_a_text_line_show_no_empty_bullet(lantern):
    for region in ("CA", "NZ", "EU"):
        lines = lantern.sos(region).text.splitlines()
        assert all(line.strip() != "•" for line in lines)
        assert "{" not in "\n".join(lines)
