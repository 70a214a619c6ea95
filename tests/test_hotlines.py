"""bot.hotlines and responses/hotlines.yaml: the right numbers for each region, exactly.

The numbers are asserted digit for digit on purpose: a wrong help line is the worst bug Lantern
can have. Sources: 988lifeline.org (Spanish: press 2, or text AYUDA to 988), crisistextline.org
(Spanish: text AYUDA to 741741), samhsa.gov (helpline in English and Spanish), thehotline.org,
988.ca, canada.ca (Good Samaritan Drug Overdose Act), samaritans.org, lifeline.org.au, 1737.org.nz,
sanidad.gob.es (Spain's 024), and the EU's harmonised 112 / 116 123.
If a number legitimately changes, change it here together with hotlines.yaml.
"""

from __future__ import annotations

import re

import pytest

from bot.hotlines import FIELDS, Region, RegionNames, canonical_code, fill

# Every line of every region, exactly as /sos and the crisis replies show it.
LINES = {
    "US": {
        "emergency": "911",
        "crisis": "Call or text 988 (988 Suicide & Crisis Lifeline, free, 24/7)",
        "text": "Text HOME to 741741 (Crisis Text Line)",
        "drugs": "SAMHSA National Helpline: 1-800-662-4357 (free, confidential, 24/7)",
        "violence": "National Domestic Violence Hotline: 1-800-799-7233 (24/7)",
        "violence_text": "To text instead of calling: text START to 88788 (National Domestic Violence Hotline)",
    },
    "CA": {
        "emergency": "911",
        "crisis": "Call or text 9-8-8 (9-8-8 Suicide Crisis Helpline, free, 24/7)",
        "text": "",
        "drugs": "Call or text 9-8-8, or find local help at canada.ca/substance-use",
        "violence": "Call 911 if you are in danger; sheltersafe.ca lists local shelters",
        "violence_text": "",
    },
    "UK": {
        "emergency": "999",
        "crisis": "Call Samaritans on 116 123 (free, 24/7)",
        "text": "Text SHOUT to 85258 (Shout)",
        "drugs": "FRANK: 0300 123 6600 (free, confidential)",
        "violence": "National Domestic Abuse Helpline: 0808 2000 247 (free, 24/7)",
        "violence_text": "",
    },
    "IE": {
        "emergency": "112 or 999",
        "crisis": "Call Samaritans on 116 123 (free, 24/7)",
        "text": "Text HELLO to 50808 (free, 24/7)",
        "drugs": "HSE Drugs and Alcohol Helpline: 1800 459 459",
        "violence": "Women's Aid: 1800 341 900 (24/7)",
        "violence_text": "",
    },
    "AU": {
        "emergency": "000",
        "crisis": "Call Lifeline on 13 11 14 (24/7)",
        "text": "Text Lifeline on 0477 13 11 14",
        "drugs": "National Alcohol and Other Drug Hotline: 1800 250 015",
        "violence": "1800RESPECT: 1800 737 732 (24/7)",
        "violence_text": "",
    },
    "NZ": {
        "emergency": "111",
        "crisis": "Call or text 1737 (Need to talk?, free, 24/7)",
        "text": "",
        "drugs": "Alcohol Drug Helpline: 0800 787 797",
        "violence": "Women's Refuge: 0800 733 843 (24/7)",
        "violence_text": "",
    },
    "EU": {
        "emergency": "112",
        "crisis": "Call 116 123, the emotional support line in many EU countries, or 112",
        "text": "",
        "drugs": "",
        "violence": "Call 112 if you are in danger",
        "violence_text": "",
    },
}
# The Spanish lines, exactly: a Spanish service where one exists (US: 988 by phone, pressing 2,
# and by text, AYUDA; Crisis Text Line's AYUDA; SAMHSA and the Hotline answer in Spanish; Spain's
# 024 for the EU), and elsewhere the region's own lines in Spanish words, saying they answer in English.
SPANISH = {
    "US": {
        "name": "Estados Unidos",
        "crisis": "Llama al 988 y marca 2 para español, o envía AYUDA por texto al 988 (988 Línea "
                  "de Prevención del Suicidio y Crisis, gratis, 24 horas)",
        "text": "Envía AYUDA por texto al 741741 (Crisis Text Line, en español)",
        "drugs": "Línea Nacional de Ayuda de SAMHSA: 1-800-662-4357 (gratis, confidencial, 24 "
                 "horas, en español)",
        "violence": "Línea Nacional contra la Violencia Doméstica: 1-800-799-7233 (24 horas, en "
                    "español)",
        "violence_text": "Para escribir en vez de llamar: envía START por texto al 88788 (Línea Nacional "
                         "contra la Violencia Doméstica)",
        "overdose_law": "En la mayoría de los estados, las leyes del Buen Samaritano protegen a quien "
                        "pide ayuda ante una sobredosis.",
    },
    "CA": {
        "name": "Canadá",
        "crisis": "Llama o envía un texto al 9-8-8 (línea de crisis de Canadá, gratis, 24 horas; "
                  "atiende en inglés y francés)",
        "drugs": "Llama o envía un texto al 9-8-8, o busca ayuda local en canada.ca/substance-use "
                 "(en inglés y francés)",
        "violence": "Llama al 911 si estás en peligro; sheltersafe.ca tiene una lista de refugios "
                    "locales",
        "overdose_law": "La Ley del Buen Samaritano sobre Sobredosis (Good Samaritan Drug Overdose Act) "
                        "protege de cargos por posesión simple de drogas a quien llama al 911 ante una "
                        "sobredosis y a todas las personas que estén allí cuando llega la ayuda.",
    },
    "UK": {
        "name": "Reino Unido",
        "crisis": "Llama a Samaritans al 116 123 (gratis, 24 horas; atiende en inglés)",
        "text": "Envía SHOUT por texto al 85258 (Shout, en inglés)",
        "drugs": "FRANK: 0300 123 6600 (gratis, confidencial; en inglés)",
        "violence": "Línea nacional contra el maltrato doméstico (National Domestic Abuse Helpline): "
                    "0808 2000 247 (gratis, 24 horas)",
    },
    "IE": {
        "name": "Irlanda",
        "emergency": "112 o 999",
        "crisis": "Llama a Samaritans al 116 123 (gratis, 24 horas; atiende en inglés)",
        "text": "Envía HELLO por texto al 50808 (gratis, 24 horas; en inglés)",
        "drugs": "Línea de drogas y alcohol del HSE: 1800 459 459 (en inglés)",
        "violence": "Women's Aid: 1800 341 900 (24 horas)",
    },
    "AU": {
        "name": "Australia",
        "crisis": "Llama a Lifeline al 13 11 14 (24 horas; atiende en inglés)",
        "text": "Envía un texto a Lifeline al 0477 13 11 14 (en inglés)",
        "drugs": "Línea nacional de alcohol y otras drogas: 1800 250 015",
        "violence": "1800RESPECT: 1800 737 732 (24 horas)",
    },
    "NZ": {
        "name": "Nueva Zelanda",
        "crisis": "Llama o envía un texto al 1737 (Need to talk?, gratis, 24 horas; en inglés)",
        "drugs": "Línea de ayuda de alcohol y drogas: 0800 787 797",
        "violence": "Women's Refuge: 0800 733 843 (24 horas)",
    },
    "EU": {
        "name": "Unión Europea",
        "crisis": "En España, llama al 024 (línea de atención a la conducta suicida, gratis, 24 "
                  "horas). En otros países de la UE, llama al 116 123, la línea de apoyo emocional "
                  "de muchos países, o al 112",
        "violence": "Llama al 112 si estás en peligro",
    },
}
# Lines that take texts as well as calls: only these may say "call or text" ("o envía un texto").
TAKES_TEXTS = {("US", "crisis"), ("CA", "crisis"), ("CA", "drugs"), ("NZ", "crisis")}


@pytest.mark.parametrize("region", sorted(LINES))
def test_every_line_of_every_region_is_exactly_right(catalog, region):
    values = catalog.region(region).values()
    assert {field: values[field] for field in LINES[region]} == LINES[region]


def test_every_region_is_checked_here(catalog):
    assert set(catalog.regions) == set(LINES) == set(SPANISH)


@pytest.mark.parametrize("region", sorted(SPANISH))
def test_the_spanish_lines_are_exactly_right(catalog, region):
    assert dict(catalog.region(region).es) == SPANISH[region]
    values = catalog.region(region).values("es")
    assert {field: values[field] for field in SPANISH[region] if field != "name"} == {
        field: line for field, line in SPANISH[region].items() if field != "name"}


@pytest.mark.parametrize("region", sorted(LINES))
def test_a_spanish_reply_keeps_every_number_of_the_region(catalog, region):
    """A Spanish wording may add a Spanish service, never lose one of the region's numbers."""
    english, spanish = catalog.region(region).values(), catalog.region(region).values("es")
    for field in FIELDS:
        for number in re.findall(r"\d[\d -]*\d", english[field]):
            assert number in spanish[field], f"{region} {field}: the Spanish line lost {number!r}"


def test_the_us_spanish_crisis_line_says_how_to_reach_spanish(catalog):
    crisis = catalog.region("US").values("es")["crisis"]
    assert "marca 2" in crisis and "AYUDA por texto al 988" in crisis


@pytest.mark.parametrize("region", sorted(LINES))
def test_call_or_text_only_for_lines_that_take_texts(catalog, region):
    for lang in ("en", "es"):
        values = catalog.region(region).values(lang)
        for field in FIELDS:
            says_text = re.search(r"call or text|o envía un texto", values[field], re.IGNORECASE)
            assert not says_text or (region, field) in TAKES_TEXTS, f"{region} {field} ({lang}): {values[field]!r}"


def test_no_crisis_reply_says_call_or_text_itself(catalog):
    """The verb belongs to each line (hotlines.yaml): a reply cannot know whether a line takes texts."""
    for replies in (catalog.crisis_replies, catalog.crisis_replies_es):
        for key, template in replies.items():
            assert not re.search(r"call or text|llama o (?:envía|escribe)", template, re.IGNORECASE), key


@pytest.mark.parametrize("region", sorted(LINES))
def test_sos_gives_the_regions_numbers(lantern, region):
    reply = lantern.sos(region)
    assert reply.kind == "crisis" and reply.crisis == "sos" and reply.urgent
    for field, line in LINES[region].items():
        if line and field != "emergency":
            assert line in reply.text, f"{region} /sos lacks its {field} line"
    assert f"call {LINES[region]['emergency']}" in reply.text


@pytest.mark.parametrize("region", sorted(LINES))
def test_a_suicide_reply_gives_the_regions_lines(lantern, region):
    reply = lantern.reply("u", "i want to kill myself", region=region)
    assert reply.crisis == "suicide"
    assert LINES[region]["crisis"] in reply.text
    assert f"call {LINES[region]['emergency']}" in reply.text
    if LINES[region]["text"]:
        assert LINES[region]["text"] in reply.text


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


def test_the_overdose_reply_serves_someone_who_has_already_called(lantern):
    text = lantern.reply("u", "he is not breathing", region="US").text
    assert text.splitlines()[1].startswith("Already called? Stay on the line")
    assert "do what the dispatcher tells you" in text
    assert "Keep giving breaths" in text and "second dose of naloxone" in text


def test_canadas_overdose_reply_names_its_good_samaritan_act(lantern):
    text = lantern.reply("u", "he is not breathing", region="CA").text
    assert "Good Samaritan Drug Overdose Act" in text
    assert "Good Samaritan laws in most US states" in lantern.reply("w", "he is not breathing", region="US").text


def test_the_danger_reply_gives_the_violence_line(lantern):
    assert "1-800-799-7233" in lantern.reply("u", "he threatened to kill me", region="US").text
    assert "0808 2000 247" in lantern.reply("v", "he threatened to kill me", region="UK").text


@pytest.mark.parametrize("region", sorted(LINES))
def test_the_danger_reply_offers_a_text_option_only_where_there_is_one(lantern, region):
    text = lantern.reply("u", "he threatened to kill me", region=region).text
    if region == "US":
        assert "text START to 88788" in text
    else:
        assert "88788" not in text and "text instead" not in text.lower(), region
    assert "text option above" not in text


@pytest.mark.parametrize("message", ["my son has a knife and says he wants to kill himself",
                                     "my brother is holding a knife to his wrist"])
def test_someone_with_a_weapon_threatening_themselves_gets_the_crisis_line_and_911(lantern, message):
    text = lantern.reply("u", message, region="US").text
    assert "911" in text and "988" in text


def test_the_also_danger_line_gives_the_crisis_line_and_the_emergency_number(catalog):
    filled = fill(catalog.crisis_replies["also_danger"], catalog.region("US").values())
    assert "911" in filled and "988" in filled and "weapon" in filled


def test_the_first_person_overdose_reply_speaks_to_the_person_themself(catalog):
    filled = fill(catalog.crisis_replies["overdose_self"], catalog.region("US").values())
    assert filled.splitlines()[0].startswith("Call 911 now.")
    for step in ("unlock the door", "Don't stay alone", "naloxone", "Stay on the line"):
        assert step in filled, step
    assert "rescue breaths" not in filled  # the bystander's steps are for someone else
    spanish = fill(catalog.crisis_reply("overdose_self", "es"), catalog.region("US").values("es"))
    assert spanish.splitlines()[0].startswith("Llama al 911 ahora.")
    assert "quita el seguro de la puerta" in spanish and "No te quedes solo" in spanish


@pytest.mark.parametrize("key", ["suicide", "elevated", "sos", "other_at_risk"])
def test_a_spanish_crisis_reply_gives_the_spanish_lines(catalog, key):
    filled = fill(catalog.crisis_reply(key, "es"), catalog.region("US").values("es"))
    assert SPANISH["US"]["crisis"] in filled
    assert "{" not in filled


# --- region codes ----------------------------------------------------------------------------------------


def test_a_region_code_is_case_insensitive(lantern):
    assert "116 123" in lantern.sos("uk").text


@pytest.mark.parametrize("code", ["GB", "gb", " Gb "])
def test_gb_is_the_united_kingdom(catalog, lantern, code):
    assert catalog.region(code).code == "UK"
    assert "116 123" in lantern.sos(code).text and "999" in lantern.sos(code).text


def test_the_region_list_accepts_gb_without_listing_it_twice(lantern):
    regions = lantern.regions()
    assert "GB" in regions and "gb" in regions and regions["GB"] == "United Kingdom"
    assert "GB" not in list(regions) and "ZZ" not in regions
    with pytest.raises(KeyError):
        regions["ZZ"]


def test_canonical_code_resolves_aliases_only():
    assert canonical_code(" gb") == "UK" and canonical_code("us") == "US" and canonical_code(None) == ""
    assert isinstance(RegionNames({"UK": "United Kingdom"}), dict)


def test_an_unknown_region_gets_the_default_regions_lines(lantern):
    reply = lantern.sos("ZZ")
    assert "988" in reply.text and "911" in reply.text


def test_every_region_names_its_source(catalog):
    for code, region in catalog.regions.items():
        assert region.source.strip(), f"{code} has no source"


# --- fill and Region.values ------------------------------------------------------------------------------

REGION = Region("XX", "Testland", emergency="123", crisis="Call 456", text="", drugs="Drugs line 789",
                es={"name": "Tierra de Prueba", "crisis": "Llama al 456"})


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
                               "violence": "", "violence_text": "", "overdose_law": "", "region": "Testland"}


def test_spanish_values_take_the_spanish_lines_and_fall_back_to_the_regions_own():
    spanish = REGION.values("es")
    assert spanish["crisis"] == "Llama al 456" and spanish["region"] == "Tierra de Prueba"
    assert spanish["emergency"] == "123" and spanish["drugs"] == "Drugs line 789"
    plain = Region("YY", "Plainland", emergency="1", crisis="Call 2")
    assert plain.values("es") == plain.values()


def test_regions_without_a_text_line_show_no_empty_bullet(lantern):
    for region in ("CA", "NZ", "EU"):
        lines = lantern.sos(region).text.splitlines()
        assert all(line.strip() != "•" for line in lines)
        assert "{" not in "\n".join(lines)


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("region", sorted(LINES))
def test_every_crisis_reply_reads_whole_in_every_region_and_language(catalog, region, lang):
    """A line a region lacks leaves no empty bullet, no placeholder and no double gap behind."""
    values = catalog.region(region).values(lang)
    for key in catalog.crisis_replies:
        text = fill(catalog.crisis_reply(key, lang), values)
        assert "{" not in text and "\n\n\n" not in text, f"{region} {lang} {key}"
        assert all(line.strip() != "•" for line in text.splitlines()), f"{region} {lang} {key}"
    spanish = catalog.region(region).values("es")
    notice = fill(catalog.interface["spanish_notice"], spanish)
    assert "{" not in notice and spanish["emergency"] in notice
