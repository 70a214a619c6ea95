"""bot.content: loading intents/ and responses/; every problem as `file:line: message`.

Each broken-content test copies the shipped folders into tmp_path, breaks one file the way an
editor might, and checks that `ContentProblem` names that file and the line to look at.
"""

from __future__ import annotations

import re

import pytest

from bot.config import MatchingSettings
from bot.content import ContentProblem, IntentModel, ResponsesFile, load_catalog
from bot.core import Lantern


def problems_of(copy) -> list[str]:
    with pytest.raises(ContentProblem) as caught:
        load_catalog(copy.intents, copy.responses, MatchingSettings())
    assert caught.value.problems, "a ContentProblem must say what is wrong"
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


def only_problem(copy) -> str:
    problems = problems_of(copy)
    assert len(problems) == 1, problems
    return problems[0]


def only_problem_at(copy, relative: str, needle: str) -> str:
    """The one problem, which must name the file and the first line holding `needle`: where an
    operator would look."""
    problem = only_problem(copy)
    assert problem.startswith(f"{copy.root / relative}:{copy.line_of(relative, needle)}: "), problem
    return problem


# --- broken content -------------------------------------------------------------------------------------


def test_bad_indentation_names_the_file_and_line(content_copy):
    content_copy.edit("intents/topics.yaml", "  - id: dual_diagnosis\n    answer: dual_diagnosis\n",
                      "  - id: dual_diagnosis\n      answer: dual_diagnosis\n")
    problem = only_problem_at(content_copy, "intents/topics.yaml", "      answer: dual_diagnosis")
    assert "YAML" in problem


def test_an_intent_without_examples_is_named(content_copy):
    keywords = "    keywords: [thanks, thank you, thx, appreciate, ty, cheers, gracias]\n"
    path = content_copy.edit("intents/smalltalk.yaml", f"{keywords}    examples:\n", f"{keywords}    old_examples:\n")
    problems = problems_of(content_copy)
    line = content_copy.line_of("intents/smalltalk.yaml", "- id: thanks")
    missing = [p for p in problems if "examples" in p and "required" in p.lower()]
    assert missing and missing[0].startswith(f"{path}:{line}: ")


def test_an_answer_title_over_40_characters_is_named_at_its_line(content_copy):
    content_copy.edit("responses/smalltalk.yaml", 'title: "Hello"', f'title: "{"x" * 41}"')
    problem = only_problem_at(content_copy, "responses/smalltalk.yaml", "x" * 41)
    assert "title" in problem and "40" in problem


def test_a_title_of_exactly_40_characters_is_fine(content_copy):
    content_copy.edit("responses/smalltalk.yaml", 'title: "Hello"', f'title: "{"x" * 40}"')
    catalog = load_catalog(content_copy.intents, content_copy.responses)
    assert catalog.answers["greeting"].title == "x" * 40


def test_an_unknown_top_level_key_is_named(content_copy):
    content_copy.edit("responses/smalltalk.yaml", "\nanswers:\n", "\nanwsers:\n  greeting: {}\nanswers:\n")
    problem = only_problem_at(content_copy, "responses/smalltalk.yaml", "anwsers:")
    assert "anwsers" in problem


@pytest.mark.parametrize("bad", ["[not, a, string]", "{a: b}", "42", "''"])
def test_an_example_that_is_not_text_is_named_at_its_line(content_copy, bad):
    path = content_copy.edit("intents/smalltalk.yaml", "      - hiya\n", f"      - hiya\n      - {bad}\n")
    line = content_copy.line_of("intents/smalltalk.yaml", "      - hiya") + 1
    problem = only_problem(content_copy)
    assert problem.startswith(f"{path}:{line}: ")
    assert "examples" in problem


def test_an_intent_pointing_at_a_missing_answer_is_named(content_copy):
    content_copy.edit("intents/smalltalk.yaml", "    answer: thanks\n", "    answer: thanks_a_lot\n")
    problem = only_problem_at(content_copy, "intents/smalltalk.yaml", "- id: thanks")
    assert "thanks_a_lot" in problem


def test_a_follow_up_to_a_missing_answer_is_named(content_copy):
    content_copy.edit("responses/smalltalk.yaml", "follow_ups: [caring_for_yourself, life_in_recovery]",
                      "follow_ups: [caring_for_yourself, no_such_answer]")
    problem = only_problem_at(content_copy, "responses/smalltalk.yaml", "  thanks:")
    assert "no_such_answer" in problem


def test_a_crisis_pattern_that_does_not_compile_is_named(content_copy):
    content_copy.edit("intents/crisis.yaml", "      - \\blet me die\\b\n",
                      "      - \\blet me die\\b\n      - \\b(?:unclosed group\n")
    problem = only_problem_at(content_copy, "intents/crisis.yaml", "unclosed group")
    assert "does not compile" in problem


def test_an_unknown_group_in_a_crisis_pattern_is_named(content_copy):
    content_copy.edit("intents/crisis.yaml", "      - \\blet me die\\b\n",
                      "      - \\blet me die\\b\n      - \\b{nosuchgroup} die\\b\n")
    problem = only_problem_at(content_copy, "intents/crisis.yaml", "{nosuchgroup}")
    assert "nosuchgroup" in problem


def test_an_answer_defined_twice_names_both_places(content_copy):
    (content_copy.responses / "extra.yaml").write_text(
        'answers:\n  naloxone:\n    title: "Again"\n    text: "Twice."\n', encoding="utf-8")
    first = content_copy.line_of("responses/answers.yaml", "  naloxone:")
    problem = only_problem(content_copy)
    assert problem.startswith(f"{content_copy.responses / 'extra.yaml'}:2: ")
    assert f"{content_copy.responses / 'answers.yaml'}:{first}" in problem


def test_every_problem_is_reported_at_once(content_copy):
    title = content_copy.edit("responses/smalltalk.yaml", 'title: "Hello"', f'title: "{"x" * 41}"')
    example = content_copy.edit("intents/smalltalk.yaml", "      - hiya\n", "      - hiya\n      - [x]\n")
    problems = problems_of(content_copy)
    assert any(p.startswith(f"{title}:") for p in problems)
    assert any(p.startswith(f"{example}:") for p in problems)


@pytest.mark.parametrize("starter", ["dual_diagnoses", "greeting"])
def test_a_starter_topic_that_is_no_topic_is_named_at_its_line(content_copy, starter):
    """A typo, or small talk: "Hello" is no topic to offer someone who was not understood."""
    content_copy.edit("responses/menu.yaml", "  - dual_diagnosis\n", f"  - {starter}\n")
    problem = only_problem_at(content_copy, "responses/menu.yaml", f"  - {starter}")
    assert f"'{starter}' is not the answer of any topic intent" in problem


@pytest.mark.parametrize("reserved", ["sos", "topics"])
def test_an_answer_may_not_take_a_button_id(content_copy, reserved):
    """A 'topics' answer would be unreachable: its button opens the topic list instead."""
    content_copy.edit("responses/smalltalk.yaml", "\n  agree:\n", f"\n  {reserved}:\n")  # one with no Spanish text
    content_copy.edit("intents/smalltalk.yaml", "    answer: agree\n", f"    answer: {reserved}\n")
    problem = only_problem_at(content_copy, "responses/smalltalk.yaml", f"  {reserved}:")
    assert f"'{reserved}' is reserved" in problem


def test_an_opioid_missing_from_the_substances_is_named_at_its_line(content_copy):
    content_copy.edit("intents/lexicon.yaml", "opioids: [heroin,", "opioids: [oxycodone, heroin,")
    problem = only_problem_at(content_copy, "intents/lexicon.yaml", "opioids: [oxycodone")
    assert "oxycodone" in problem and "substances" in problem


def test_a_missing_content_folder_is_named(tmp_path):
    with pytest.raises(ContentProblem) as caught:
        load_catalog(tmp_path / "nowhere", tmp_path / "nothing")
    assert any("nowhere" in p and "not found" in p for p in caught.value.problems)


# --- YAML words ------------------------------------------------------------------------------------------


def test_yaml_words_on_no_yes_are_words_not_booleans(catalog):
    # "on" is a shipped stopword; YAML 1.1 would read it as True.
    assert "on" in catalog.lexicon.stopwords
    assert all(isinstance(w, str) for w in catalog.lexicon.stopwords)


def test_an_example_of_yes_or_no_stays_text(content_copy):
    content_copy.edit("intents/smalltalk.yaml", "      - hiya\n", "      - hiya\n      - yes\n      - no\n"
                      "      - on\n      - off\n")
    catalog = load_catalog(content_copy.intents, content_copy.responses)
    texts = [e.text for e in catalog.intent("greeting").examples]
    assert {"yes", "no", "on", "off"} <= set(texts)


# --- what the shipped content promises -----------------------------------------------------------------


def test_every_intent_has_its_answer_and_every_follow_up_exists(catalog):
    for intent in catalog.intents:
        assert intent.answer in catalog.answers
    for answer in catalog.answers.values():
        for follow_up in answer.follow_ups:
            assert follow_up in catalog.answers


def test_answers_about_suicide_use_safe_language(catalog):
    texts = {f"answer {a.id}": a.text for a in catalog.answers.values()}
    texts |= {f"crisis reply {k}": v for k, v in catalog.crisis_replies.items()}
    texts |= {f"Spanish crisis reply {k}": v for k, v in catalog.crisis_replies_es.items()}
    texts |= {f"interface {k}": v for k, v in catalog.interface.items()}
    for name, text in texts.items():
        lowered = text.lower()
        assert "committed" not in lowered, f"{name} says 'committed'; say 'died by suicide'"
        assert not re.search(r"\bcommit(?:s|ting)? suicide\b", lowered), f"{name}: say 'died by suicide'"
        assert not re.search(r"\b(?:successful|failed) suicide\b", lowered), name
        # Spanish: "se suicidó" / "murió por suicidio", never "cometió suicidio" or a suicide "exitoso".
        assert not re.search(r"\bcometi[oóe]\w* (?:el )?suicidio\b", lowered), f"{name}: say 'murió por suicidio'"
        assert not re.search(r"\bsuicidio (?:exitoso|fallido|consumado)\b", lowered), name


def test_every_interface_text_the_core_and_console_use_exists(catalog):
    used = {"welcome", "help", "privacy", "about", "fallback", "fallback_suggest", "clarify", "empty",
            "no_words", "topics_header", "sources", "still_here", "content_unavailable", "unknown_command",
            "forget_done", "region_set", "region_unknown", "sos_button", "topics_button", "choose_number",
            "goodbye_console"}
    assert used <= set(catalog.interface), f"missing: {sorted(used - set(catalog.interface))}"


def test_every_crisis_category_and_sos_have_a_reply(catalog):
    for key in ("overdose", "overdose_self", "other_at_risk", "danger", "suicide", "elevated", "sos"):
        assert catalog.crisis_replies[key].strip()


def test_every_crisis_reply_has_a_spanish_version(catalog):
    assert set(catalog.crisis_replies_es) == set(catalog.crisis_replies)
    for key, text in catalog.crisis_replies_es.items():
        # the same help lines as the English reply: a translation may not drop one
        assert set(re.findall(r"\{\w+\}", text)) == set(re.findall(r"\{\w+\}", catalog.crisis_replies[key])), key


def test_a_missing_spanish_reply_falls_back_to_the_english_one(catalog):
    from dataclasses import replace

    spanish = {k: v for k, v in catalog.crisis_replies_es.items() if k != "danger"}
    partial = replace(catalog, crisis_replies_es=spanish)
    assert partial.crisis_reply("danger", "es") == catalog.crisis_replies["danger"]
    assert partial.crisis_reply("suicide", "es") == catalog.crisis_replies_es["suicide"]
    assert catalog.crisis_reply("suicide") == catalog.crisis_replies["suicide"]


def test_the_spanish_notice_says_some_answers_are_in_spanish_and_where_spanish_help_is(catalog):
    from bot.hotlines import fill

    notice = fill(catalog.interface["spanish_notice"], catalog.region("US").values("es"))
    assert "respuestas en español sobre algunos temas" in notice and "solo en inglés" in notice
    assert "marca 2 para español" in notice and "1-800-662-4357" in notice and "911" in notice


def test_topic_answers_follow_the_order_intents_are_written(catalog):
    topic_intents = [i.answer for i in catalog.intents if i.kind == "answer"]
    assert [a.id for a in catalog.topic_answers()] == list(dict.fromkeys(topic_intents))


def test_the_default_region_is_a_region(catalog):
    assert catalog.region(None).code == catalog.default_region == "US"
    assert catalog.region("zz").code == "US"


# --- placeholders and sources -----------------------------------------------------------------------


def test_a_placeholder_no_region_fills_is_named_at_its_line_in_an_answer(content_copy):
    content_copy.edit("responses/answers.yaml", "call {emergency} at any sign of overdose.\n    sources:\n"
                      "      - \"Florida Springs", "call {emergncy} at any sign of overdose.\n    sources:\n"
                      "      - \"Florida Springs")
    problem = only_problem_at(content_copy, "responses/answers.yaml", "{emergncy}")
    assert "answers.relapse" in problem and "'{emergncy}'" in problem and "{emergency}" in problem


def test_a_placeholder_no_region_fills_is_named_in_an_interface_text(content_copy):
    content_copy.edit("responses/interface.yaml", "    • In an emergency, call {emergency}.\n  help:",
                      "    • In an emergency, call {emergncy}.\n  help:")
    problem = only_problem_at(content_copy, "responses/interface.yaml", "{emergncy}")
    assert "interface.welcome" in problem


def test_a_placeholder_in_a_one_line_text_is_named_at_that_line(content_copy):
    content_copy.edit("responses/interface.yaml", 'region_set: "Got it: I\'ll use help lines for {region}."',
                      'region_set: "Got it: I\'ll use help lines for {country}."')
    only_problem_at(content_copy, "responses/interface.yaml", "{country}")


def test_a_source_written_as_a_file_name_is_refused_at_its_line(content_copy):
    content_copy.edit("responses/answers.yaml",
                      '      - "CDC: Polysubstance Use Facts"\n',
                      '      - "CDC: Polysubstance Use Facts"\n      - seeds/000_ee655aed771726bf.txt\n')
    problem = only_problem_at(content_copy, "responses/answers.yaml", "seeds/000_ee655aed771726bf.txt")
    assert "answers.mixing_substances" in problem and "publisher" in problem


@pytest.mark.parametrize("source", ["notes.txt", "docs\\\\nida.pdf", "sources/cdc"])
def test_other_file_like_sources_are_refused(content_copy, source):
    content_copy.edit("responses/answers.yaml", '      - "CDC: Polysubstance Use Facts"\n',
                      f'      - "{source}"\n')
    assert "is a file name" in only_problem(content_copy)


@pytest.mark.parametrize("source", ["SAMHSA", "https://findtreatment.gov/locator", "NIDA: Heroin DrugFacts"])
def test_readable_sources_and_links_are_accepted(content_copy, source):
    content_copy.edit("responses/answers.yaml", '      - "CDC: Polysubstance Use Facts"\n',
                      f'      - "{source}"\n')
    assert source in load_catalog(content_copy.intents, content_copy.responses).answers["mixing_substances"].sources


def test_no_shipped_source_is_a_file_name(catalog):
    for answer in catalog.answers.values():
        for source in answer.sources:
            assert "seeds/" not in source and not source.endswith(".txt"), f"{answer.id}: {source}"


# --- topics added for what real users asked (issue 17) ---------------------------------------------

# Fresh wordings, none of them an example or a held-out row: a direct question reaches its topic.
NEW_TOPIC_QUESTIONS = [
    ("where do i find a doctor who prescribes suboxone", "moud_where_to_get"),
    ("what is precipitated withdrawal and how do i avoid it", "moud_starting"),
    ("do rehabs let you stay on methadone", "treatment_allowing_moud"),
    ("my son wont go to rehab no matter what we say", "unwilling_adult"),
    ("can i legally force my adult son into treatment", "involuntary_treatment"),
    ("how can i tell if my daughter is using heroin again", "signs_of_use"),
    ("am i enabling my son", "enabling_and_boundaries"),
    ("can i be fired for going to rehab", "work_and_rights"),
    ("can i get my drug charge expunged", "criminal_records"),
    ("what are na meetings like", "recovery_groups"),
    ("are there support groups for parents like nar anon", "family_groups"),
    ("is kratom safe for withdrawal", "withdrawal_remedies"),
    ("i feel so ashamed of what i did while using", "guilt_and_shame"),
    ("is it ok to drink alcohol now that im off heroin", "substances_in_recovery"),
    ("what is sober living", "sober_living"),
    ("what is intensive outpatient treatment", "levels_of_care"),
    ("how long does rehab last", "treatment_length"),
    ("people treat me like a junkie because im on methadone", "stigma"),
    ("im pregnant and on heroin", "pregnancy_and_opioids"),
    ("does insurance pay for rehab", "paying_for_treatment"),
    ("how do I find a dual diagnosis program near me", "finding_dual_diagnosis_care"),
    ("my son gets out of prison next month, what about his tolerance", "release_from_jail"),
    ("are test strips legal in my state", "harm_reduction"),
    ("what do i say to my grandkids about their moms heroin use", "talking_with_children"),
    ("my wife comes home from rehab next week, how can we prepare", "coming_home_from_treatment"),
    ("6 weeks!!", "milestones"),
]


@pytest.mark.parametrize(("question", "topic"), NEW_TOPIC_QUESTIONS)
def test_a_direct_question_reaches_its_new_topic(lantern, question, topic):
    reply = lantern.reply("reader", question)
    assert (reply.kind, reply.intent) == ("answer", topic)


@pytest.mark.parametrize("question", [
    "does the guilt ever go away after my son died",
    "support groups for parents whose child died of an overdose",
])
def test_a_bereaved_parent_gets_the_grief_answer_not_guilt_or_groups(lantern, question):
    assert lantern.reply("reader", question).intent == "grief_after_overdose"


@pytest.mark.parametrize("question", ["my son is 3 weeks clean and i am so proud", "is suboxone safe"])
def test_the_pregnancy_answer_needs_a_word_about_pregnancy(lantern, question):
    assert lantern.reply("reader", question).intent != "pregnancy_and_opioids"


def _new_answers(catalog):
    return [a for a in catalog.answers.values() if a.where.path.name == "answers_more.yaml"]


def test_new_answers_are_sourced_short_and_give_no_doses(catalog):
    answers = _new_answers(catalog)
    assert len(answers) >= 20
    for answer in answers:
        assert answer.sources and all(":" in s for s in answer.sources), f"{answer.id}: name 'Publisher: title'"
        assert 600 <= len(answer.text) <= 900, f"{answer.id} is {len(answer.text)} characters"
        assert not re.search(r"\d\s*mg\b", answer.text, re.I), f"{answer.id} names a dose"


def test_new_answers_help_lines_are_placeholders_that_drop_cleanly(catalog):
    """A region without a drugs line (or any line) loses the whole line, never half a sentence."""
    from bot.hotlines import FIELDS, fill

    empty = {field: "" for field in FIELDS}
    for answer in _new_answers(catalog):
        assert "1-800" not in answer.text and "911" not in answer.text and "988" not in answer.text, answer.id
        kept = fill(answer.text, empty)
        assert "{" not in kept and "}" not in kept, answer.id
        assert not re.search(r"(?m)^\s*•\s*$", kept), f"{answer.id}: an empty bullet is left behind"


# --- Spanish content and the new keys ------------------------------------------------------------------


def test_without_a_first_person_overdose_reply_the_overdose_reply_serves(content_copy):
    content_copy.edit("responses/crisis.yaml", "  overdose_self: |", "  overdose_myself: |")
    catalog = load_catalog(content_copy.intents, content_copy.responses)
    reply = Lantern(catalog).reply("ann", "i think i took too much")
    assert reply.kind == "crisis" and reply.crisis == "overdose_self"
    assert reply.text.startswith(catalog.crisis_replies["overdose"].split("{")[0].strip())


def test_a_spanish_reply_with_no_english_original_is_named(content_copy):
    content_copy.edit("responses/crisis_es.yaml", "  also_suicide:", "  also_nothing: \"Hola\"\n  also_suicide:")
    problem = only_problem_at(content_copy, "responses/crisis_es.yaml", "also_nothing")
    assert "crisis_replies_es has 'also_nothing'" in problem


def test_a_missing_spanish_reply_is_a_warning_not_an_error(content_copy):
    from bot.validate import validate_dirs

    line = next(line for line in (content_copy.responses / "crisis_es.yaml").read_text(encoding="utf-8")
                .splitlines(keepends=True) if line.startswith("  also_suicide:"))
    content_copy.edit("responses/crisis_es.yaml", line, "")
    catalog, findings = validate_dirs(content_copy.intents, content_copy.responses, advisory=True)
    assert catalog is not None
    assert [f"{f.level}: {f.message}" for f in findings if "Spanish" in f.message] == [
        "warning: crisis_replies_es has no Spanish reply for 'also_suicide': Spanish messages get the English one"]


def test_a_spanish_line_for_an_unknown_field_is_named(content_copy):
    content_copy.edit("responses/hotlines.yaml", "        name: Reino Unido\n",
                      "        name: Reino Unido\n        fax: \"0800\"\n")
    problem = only_problem_at(content_copy, "responses/hotlines.yaml", "fax:")
    assert "regions.UK.es.fax" in problem


def test_an_empty_spanish_line_is_named(content_copy):
    content_copy.edit("responses/hotlines.yaml", "        name: Reino Unido\n", "        name: \"\"\n")
    problem = only_problem_at(content_copy, "responses/hotlines.yaml", 'name: ""')
    assert "regions.UK.es.name" in problem


# --- Spanish topics (intents/topics_es.yaml, responses/answers_es.yaml, interface_es.yaml) --------------


def test_the_spanish_topics_load_with_their_own_matcher(catalog):
    assert catalog.matcher_es is not None and catalog.lexicon_es is not None
    assert {i.answer for i in catalog.intents_es} <= set(catalog.answers_es) <= set(catalog.answers)
    assert not {i.id for i in catalog.intents_es} & set(catalog.matcher.intent_ids) - set(catalog.answers)


def test_a_spanish_answer_for_an_unknown_id_is_named(content_copy):
    content_copy.edit("responses/answers_es.yaml", "answers_es:\n",
                      'answers_es:\n  made_up_topic:\n    title: "Hola"\n    text: "Hola"\n')
    problem = only_problem_at(content_copy, "responses/answers_es.yaml", "made_up_topic:")
    assert "answers_es has 'made_up_topic', which no English answer has" in problem


def test_a_spanish_intent_whose_answer_has_no_spanish_text_is_named(content_copy):
    content_copy.edit("intents/topics_es.yaml", "    answer: family_groups\n", "    answer: sober_living\n")
    problem = only_problem_at(content_copy, "intents/topics_es.yaml", "- id: family_groups")
    assert "intents_es 'family_groups' points at answer 'sober_living', which has no Spanish text" in problem


def test_a_spanish_follow_up_with_no_spanish_text_is_named(content_copy):
    content_copy.edit("responses/answers_es.yaml", "    follow_ups: [overdose_signs, fentanyl, supporting_loved_one]",
                      "    follow_ups: [overdose_signs, sober_living]")
    problem = only_problem_at(content_copy, "responses/answers_es.yaml", "  naloxone:")
    assert "answers_es.naloxone offers follow-up 'sober_living', which has no Spanish text" in problem


def test_a_mistyped_placeholder_in_a_spanish_answer_is_named_at_its_line(content_copy):
    content_copy.edit("responses/answers_es.yaml", "      {overdose_law}\n", "      {overdose_lw}\n")
    problem = only_problem_at(content_copy, "responses/answers_es.yaml", "{overdose_lw}")
    assert "answers_es.naloxone.text: placeholder '{overdose_lw}' is not a region field" in problem


def test_a_spanish_interface_text_with_no_english_original_is_named(content_copy):
    content_copy.edit("responses/interface_es.yaml", "  fallback_suggest:",
                      '  fallback_sugest: "Hola"\n  fallback_suggest:')
    problem = only_problem_at(content_copy, "responses/interface_es.yaml", "fallback_sugest:")
    assert "interface_es has 'fallback_sugest', which interface does not" in problem


def test_a_spanish_intent_written_twice_is_named_at_its_second_line(content_copy):
    path = content_copy.intents / "topics_es.yaml"
    again = "  - id: naloxone\n    answer: naloxone\n    examples: [narcan]\n"
    path.write_text(path.read_text(encoding="utf-8") + again, encoding="utf-8")
    lines = path.read_text(encoding="utf-8").splitlines()
    second = max(n for n, line in enumerate(lines, 1) if line == "  - id: naloxone")
    assert only_problem(content_copy).startswith(f"{path}:{second}: intents_es 'naloxone' is already defined at ")


def test_malformed_spanish_yaml_names_the_file_and_line(content_copy):
    content_copy.edit("intents/topics_es.yaml", "  - id: naloxone\n    answer: naloxone\n",
                      "  - id: naloxone\n      answer: naloxone\n")
    problem = only_problem_at(content_copy, "intents/topics_es.yaml", "      answer: naloxone")
    assert "YAML" in problem


def test_a_spanish_intent_with_an_unknown_key_is_named(content_copy):
    content_copy.edit("intents/topics_es.yaml", "    answer: family_groups\n",
                      "    answer: family_groups\n    lang: es\n")
    problem = only_problem_at(content_copy, "intents/topics_es.yaml", "    lang: es")
    assert "intents_es" in problem and "lang" in problem


def test_a_misspelt_reader_key_in_the_spanish_lexicon_is_named(content_copy):
    content_copy.edit("intents/lexicon_es.yaml", "  own_use: [recai,", "  own_uses: [recai,")
    problem = only_problem_at(content_copy, "intents/lexicon_es.yaml", "  own_uses: [recai,")
    assert "unknown key 'readers_es.own_uses' (expected one of family, own_use)" in problem


def test_without_spanish_topics_a_spanish_message_gets_the_notice(content_copy):
    for name in ("topics_es.yaml", "smalltalk_es.yaml"):  # the Spanish topics and the Spanish feelings
        (content_copy.intents / name).unlink()
    catalog = load_catalog(content_copy.intents, content_copy.responses)
    assert catalog.matcher_es is None
    reply = Lantern(catalog).reply("ana", "que es la naloxona")
    assert (reply.kind, reply.lang, reply.help_line) == ("fallback", "es", True)
    assert reply.text.startswith("Gracias por escribir.") and "marca 2 para español" in reply.text


# --- keys written twice, every error of a file at once, emptied files -----------------------------------


def test_a_crisis_reply_written_twice_is_named_at_its_second_line(content_copy):
    """YAML would keep the second `suicide:` and drop the first without a word."""
    path = content_copy.edit("responses/crisis.yaml", "  overdose_self: |",
                             '  suicide: "Call {crisis}."\n  overdose_self: |')
    first = content_copy.line_of("responses/crisis.yaml", "  suicide: |")
    second = content_copy.line_of("responses/crisis.yaml", '  suicide: "Call')
    assert only_problem(content_copy) == (f"{path}:{second}: duplicate key 'suicide' (already at line {first}): "
                                          "YAML keeps only the last one, so merge the two or rename one")


def test_a_key_written_twice_inside_an_answer_is_named_with_the_other_problems(content_copy):
    content_copy.edit("responses/smalltalk.yaml", 'title: "Hello"', 'title: "Hello"\n    title: "Hi"')
    content_copy.edit("intents/smalltalk.yaml", "      - hiya\n", "      - hiya\n      - [x]\n")
    problems = problems_of(content_copy)
    assert len(problems) == 2, problems
    assert any("duplicate key 'title'" in p and "smalltalk.yaml" in p for p in problems)


def test_an_interface_text_defined_in_two_files_names_both(content_copy):
    (content_copy.responses / "zz_extra.yaml").write_text('interface:\n  welcome: "Hi."\n', encoding="utf-8")
    first = content_copy.line_of("responses/interface.yaml", "  welcome:")
    problem = only_problem(content_copy)
    assert problem.startswith(f"{content_copy.responses / 'zz_extra.yaml'}:2: interface.welcome is already defined "
                              f"at {content_copy.responses / 'interface.yaml'}:{first}")


def test_every_error_in_one_file_is_reported_at_once(content_copy):
    """Whole-file checking: fixing one error must not uncover the next one only on the next run."""
    content_copy.edit("responses/smalltalk.yaml", 'title: "Hello"', f'title: "{"x" * 41}"')
    content_copy.edit("responses/smalltalk.yaml", "follow_ups: [caring_for_yourself, life_in_recovery]",
                      "follow_ups: [caring_for_yourself, Not-An-Id]")
    content_copy.edit("responses/smalltalk.yaml", "\nanswers:\n", "\nanwsers: {}\nanswers:\n")
    problems = problems_of(content_copy)
    path = content_copy.responses / "smalltalk.yaml"
    assert [p.split(": ", 1)[0] for p in problems] == [
        f"{path}:{content_copy.line_of('responses/smalltalk.yaml', needle)}"
        for needle in ("x" * 41, "Not-An-Id", "anwsers")], problems
    assert problems[2].endswith(f"unknown key 'anwsers' (expected one of {', '.join(ResponsesFile.model_fields)})")
    assert "answers" in ResponsesFile.model_fields


def test_an_unknown_key_in_an_intent_names_the_keys_an_intent_takes(content_copy):
    content_copy.edit("intents/smalltalk.yaml", "    answer: thanks\n", "    answer: thanks\n    keyword: [ta]\n")
    problem = only_problem_at(content_copy, "intents/smalltalk.yaml", "keyword: [ta]")
    assert "unknown key 'intents." in problem and "keyword'" in problem
    assert problem.endswith(f"(expected one of {', '.join(IntentModel.model_fields)})")
    assert {"id", "answer", "keywords", "examples"} <= set(IntentModel.model_fields)


def test_an_emptied_hotlines_file_says_the_help_lines_are_gone(content_copy):
    (content_copy.responses / "hotlines.yaml").write_text("# emptied by mistake\n", encoding="utf-8")
    problem = only_problem(content_copy)
    assert problem == (f"{content_copy.responses / 'hotlines.yaml'}:1: file is empty (a save cut short?), and no "
                       "other file in responses/ defines hotlines (help lines per region): restore it")


def test_an_emptied_lexicon_file_names_what_such_a_file_holds(content_copy):
    (content_copy.intents / "lexicon.yaml").write_text("", encoding="utf-8")
    problem = only_problem(content_copy)
    assert problem.startswith(f"{content_copy.intents / 'lexicon.yaml'}:1: file is empty (a save cut short?); ")
    assert "misspellings, synonyms, stopwords" in problem


def test_a_missing_interface_text_is_named_where_the_interface_is(content_copy):
    content_copy.edit("responses/interface.yaml", "  about:", "  abuot:")
    problem = only_problem(content_copy)
    line = content_copy.line_of("responses/interface.yaml", "interface:")
    assert problem == f"{content_copy.responses / 'interface.yaml'}:{line}: interface has no text for 'about'"


def test_a_placeholder_no_region_fills_is_named_in_a_text_for_family(content_copy):
    content_copy.edit("responses/answers.yaml", "      • Keep gentle contact, and listen more than you advise.\n",
                      "      • Keep gentle contact, and call {crisisline}.\n")
    problem = only_problem_at(content_copy, "responses/answers.yaml", "{crisisline}")
    assert "for_family" in problem and "'{crisisline}'" in problem


def test_a_placeholder_no_region_fills_is_named_in_a_crisis_reply(content_copy):
    """The crisis reply is the one text that must never show a raw '{emergncy}'."""
    content_copy.edit("responses/crisis.yaml", "    Call {emergency} now. Say the person is not breathing",
                      "    Call {emergncy} now. Say the person is not breathing")
    problem = only_problem_at(content_copy, "responses/crisis.yaml", "{emergncy}")
    assert "crisis_replies.overdose" in problem and "'{emergncy}'" in problem
