"""bot.evaluate and bot.evaluate_report: how well Lantern does on labelled messages.

The floors here are the project's promises (see README): topic accuracy of at least 90% on
held-out messages, and a crisis detector that misses nothing and cries wolf on at most 5% of
ordinary messages. The report arithmetic is checked on a tiny scripted run worked out by hand.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.core import Lantern
from bot.crisis import CATEGORIES
from bot.errors import LanternError
from bot.evaluate import (
    CLARIFY,
    CRISIS,
    EXTERNAL_ENV,
    FALLBACK,
    evaluate_intents,
    evaluate_safety,
    external_dir,
    load_labelled,
)
from bot.evaluate_report import print_intents, print_safety
from bot.replies import Reply
from bot.yaml_lines import load_yaml

DATA = Path(__file__).parent / "data"
INTENT_EVAL = DATA / "intent_eval.yaml"
SAFETY_EVAL = DATA / "safety_eval.yaml"

ACCURACY_FLOOR = 0.90
FALSE_ALARM_CEILING = 0.05


def plain(text: str) -> str:
    """Lowercased, punctuation stripped, spaces collapsed: 'Hello?' and 'hello' are the same row."""
    return " ".join(re.sub(r"[^\w\s]", "", text.lower()).split())


@pytest.fixture(scope="module")
def intent_rows() -> list[tuple[str, str | None]]:
    return load_labelled(INTENT_EVAL, "intent")


@pytest.fixture(scope="module")
def safety_rows() -> list[tuple[str, str | None]]:
    return load_labelled(SAFETY_EVAL, "category")


# --- the labelled files --------------------------------------------------------------------------------


def test_the_intent_file_is_big_enough_and_names_real_intents(intent_rows, catalog):
    assert len(intent_rows) >= 250
    known = {i.id for i in catalog.intents}
    labels = {one for _, label in intent_rows for one in (label if isinstance(label, tuple) else (label,))}
    unknown = sorted(label for label in labels if label is not None and label not in known)
    assert unknown == []


def test_the_intent_file_is_held_out_from_the_examples(intent_rows, catalog):
    # Accuracy on messages the matcher was taught verbatim says nothing about real users.
    examples = {plain(e.text): (i.id, str(e.where)) for i in catalog.intents for e in i.examples}
    leaked = [(text, *examples[plain(text)]) for text, _ in intent_rows if plain(text) in examples]
    assert leaked == [], f"{len(leaked)} evaluation rows are also intent examples, e.g. {leaked[:5]}"


def test_the_safety_file_is_big_enough_and_covers_every_category(safety_rows):
    assert len(safety_rows) >= 400
    labels = {label for _, label in safety_rows}
    assert set(CATEGORIES) <= labels
    assert "none" in labels or None in labels


# --- the floors ------------------------------------------------------------------------------------------


def test_intent_accuracy_floor(lantern, intent_rows):
    report = evaluate_intents(lantern, intent_rows)
    assert report.total == len(intent_rows)
    worst = ", ".join(f"{e} -> {g} ({n})" for (e, g), n in report.confused(8))
    assert report.accuracy >= ACCURACY_FLOOR, (
        f"topic accuracy {report.accuracy:.1%} is below {ACCURACY_FLOOR:.0%}; most confused: {worst}")


@pytest.fixture(scope="module")
def safety_report(catalog, safety_rows):
    from bot.core import Lantern

    return evaluate_safety(Lantern(catalog), safety_rows)


def test_safety_no_miss(safety_report):
    assert safety_report.misses == [], f"missed: {safety_report.misses}"
    for category in CATEGORIES:
        assert safety_report.recall(category) == 1.0


def test_safety_false_alarm_rate(safety_report):
    assert safety_report.negatives > 0
    assert safety_report.false_alarm_rate <= FALSE_ALARM_CEILING, (
        f"false alarms {safety_report.false_alarm_rate:.1%}: {safety_report.false_alarms}")


# --- the report arithmetic, on a scripted run ----------------------------------------------------------------


class Scripted:
    """Stands in for `Lantern`: each message has a fixed reply, so every number can be worked out."""

    def __init__(self, replies: dict[str, Reply]) -> None:
        self.replies = replies
        self.forgotten: list[str] = []

    def reply(self, user_key: str, text: str) -> Reply:
        return self.replies[text]

    def forget(self, user_key: str) -> None:
        self.forgotten.append(user_key)


A, B = "naloxone", "fentanyl"
INTENT_SCRIPT = {
    "a1": (A, Reply("answer", "", intent=A)),             # correct
    "a2": (A, Reply("answer", "", intent=B)),             # wrong
    "a3": (A, Reply("fallback", "")),                     # fell back
    "x1": (A, Reply("crisis", "", crisis="suicide")),     # crisis reply
    "b1": (B, Reply("answer", "", intent=B)),             # correct
    "c1": (B, Reply("clarify", "")),                      # asked
    "n1": (None, Reply("fallback", "")),                  # correct: should fall back
    "n2": (None, Reply("answer", "", intent=A)),          # wrong: answered what it should not
}


@pytest.fixture
def intent_report():
    lantern = Scripted({text: reply for text, (_, reply) in INTENT_SCRIPT.items()})
    report = evaluate_intents(lantern, [(text, label) for text, (label, _) in INTENT_SCRIPT.items()])
    assert len(lantern.forgotten) == len(INTENT_SCRIPT)  # no follow-up state carried between rows
    return report


def test_intent_report_counts_outcomes(intent_report):
    assert intent_report.total == 8
    assert intent_report.correct == 3
    assert intent_report.accuracy == pytest.approx(3 / 8)
    assert dict(intent_report.outcomes) == {"correct": 3, "wrong": 2, "fallback": 1, "clarify": 1, "crisis": 1}
    assert intent_report.rate("fallback") == pytest.approx(1 / 8)


def test_intent_report_precision_recall_f1(intent_report):
    table = intent_report.per_intent
    # naloxone: predicted twice (a1, n2), right once; expected four times (a1 a2 a3 x1).
    assert table[A] == {"precision": 0.5, "recall": 0.25, "f1": 0.333, "support": 4}
    # fentanyl: predicted twice (b1, a2), right once; expected twice (b1 c1).
    assert table[B] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    # fallback: shown twice (a3, n1), right once; expected twice (n1 n2).
    assert table[FALLBACK] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}


def test_intent_report_lists_the_confused_pairs(intent_report):
    confused = {pair for pair, _ in intent_report.confused()}
    assert confused == {(A, B), (A, FALLBACK), (A, CRISIS), (B, CLARIFY), (FALLBACK, A)}
    as_dict = intent_report.as_dict()
    assert {"expected": A, "got": B, "count": 1} in as_dict["confused"]
    assert as_dict["accuracy"] == 0.375


def test_the_printed_intent_report(intent_report):
    text = print_intents(intent_report)
    assert "messages: 8" in text
    assert "accuracy: 37.5%" in text
    assert re.search(rf"^{A}\s+0\.50\s+0\.25\s+0\.33\s+4$", text, re.MULTILINE)
    assert "most confused (expected -> got):" in text
    assert f"{A} -> {B}" in text


SAFETY_SCRIPT = [
    ("s1", "suicide", Reply("crisis", "", crisis="suicide")),    # caught, exact
    ("s2", "suicide", Reply("crisis", "", crisis="elevated")),   # caught, other category
    ("o1", "overdose", Reply("answer", "", intent=A)),            # missed
    ("n1", "none", Reply("answer", "", intent=A)),                # quiet, right
    ("n2", None, Reply("crisis", "", crisis="danger")),           # false alarm
]


@pytest.fixture
def scripted_safety():
    lantern = Scripted({text: reply for text, _, reply in SAFETY_SCRIPT})
    return evaluate_safety(lantern, [(text, label) for text, label, _ in SAFETY_SCRIPT])


def test_safety_report_counts_misses_and_false_alarms(scripted_safety):
    assert scripted_safety.recall("suicide") == 1.0
    assert scripted_safety.recall("overdose") == 0.0
    assert scripted_safety.misses == [("overdose", "o1")]
    assert scripted_safety.false_alarms == [("danger", "n2")]
    assert scripted_safety.false_alarm_rate == 0.5
    assert scripted_safety.as_dict()["category_exact"] == {"suicide": 0.5, "overdose": 0.0}


def test_the_printed_safety_report(scripted_safety):
    text = print_safety(scripted_safety)
    assert "false alarms: 1 of 2 negatives (50.0%)" in text
    assert "  [overdose] o1" in text
    assert "  [danger] n2" in text


def test_an_unknown_safety_category_is_refused():
    with pytest.raises(LanternError, match="suicidal"):
        evaluate_safety(Scripted({}), [("x", "suicidal")])


# --- malformed labelled files ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "line"), [
    ("- text: hello\n  intent: greeting\n- intent: thanks\n", 3),            # no text
    ("- text: hello\n  intent: greeting\n- text: [a, b]\n  intent: x\n", 3),  # text not a string
    ("- text: hello\n  intent: greeting\n\n- text: bye\n", 4),                # no label
    ("- text: hello\n  intent: [greeting, 3]\n", 1),                         # label list not all strings
    ("- text: hello\n  intent: {a: b}\n", 1),                                # label a mapping
    ("- just a string\n", 1),                                                # not a mapping
    ("text: hello\nintent: greeting\n", 1),                                  # not a list
    ("- text: hello\n    intent: greeting\n", 2),                            # bad YAML
])
def test_a_malformed_labelled_file_names_the_line(tmp_path, text, line):
    path = tmp_path / "labelled.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LanternError) as caught:
        load_labelled(path, "intent")
    assert str(caught.value).startswith(f"{path}:{line}: ")


def test_null_labels_mean_should_fall_back(tmp_path):
    path = tmp_path / "labelled.yaml"
    path.write_text("- text: asdf\n  intent: null\n- text: 'no'\n  intent: thanks\n", encoding="utf-8")
    assert load_labelled(path, "intent") == [("asdf", None), ("no", "thanks")]


def test_a_list_of_intents_accepts_any_of_them(lantern, tmp_path):
    path = tmp_path / "labelled.yaml"
    path.write_text("- text: dual dx meaning\n  intent: [integrated_treatment, dual_diagnosis]\n", encoding="utf-8")
    rows = load_labelled(path, "intent")
    assert rows == [("dual dx meaning", ("integrated_treatment", "dual_diagnosis"))]
    report = evaluate_intents(lantern, rows)
    assert report.accuracy == 1.0
    assert "integrated_treatment" in report.per_intent  # the first label counts for per-intent figures


# --- rows with more than text and label -------------------------------------------------------------------


def test_extra_keys_on_a_row_are_ignored(tmp_path):
    path = tmp_path / "labelled.yaml"
    path.write_text("- text: i want to die\n  category: suicide\n  lang: en\n  note: from a forum\n",
                    encoding="utf-8")
    assert load_labelled(path, "category") == [("i want to die", "suicide")]


def test_a_previous_message_that_is_not_text_names_the_line(tmp_path):
    path = tmp_path / "labelled.yaml"
    path.write_text("- text: hello\n  category: none\n- text: sure\n  category: suicide\n  previous: [a]\n",
                    encoding="utf-8")
    with pytest.raises(LanternError, match=rf"^{re.escape(str(path))}:3: 'previous' must be a string"):
        load_labelled(path, "category")


class Remembering(Scripted):
    """A scripted Lantern that notes who sent what, and when each conversation was forgotten."""

    def __init__(self, replies: dict[str, Reply]) -> None:
        super().__init__(replies)
        self.sent: list[tuple[str, str]] = []

    def reply(self, user_key: str, text: str) -> Reply:
        self.sent.append((user_key, text))
        return super().reply(user_key, text)

    def forget(self, user_key: str) -> None:
        self.sent.append((user_key, "(forgotten)"))


def test_a_row_with_a_previous_message_is_a_two_message_conversation(tmp_path):
    path = tmp_path / "labelled.yaml"
    path.write_text("- text: tonight\n  category: suicide\n  previous: i have a plan\n"
                    "- text: hello\n  category: none\n", encoding="utf-8")
    quiet, alarm = Reply("answer", "", intent=A), Reply("crisis", "", crisis="suicide")
    lantern = Remembering({"i have a plan": quiet, "tonight": alarm, "hello": quiet})
    report = evaluate_safety(lantern, load_labelled(path, "category"))
    # Both messages come from one person, with nothing forgotten between them; only the second is scored.
    assert [text for _, text in lantern.sent] == ["i have a plan", "tonight", "(forgotten)", "hello", "(forgotten)"]
    assert len({user for user, _ in lantern.sent[:2]}) == 1
    assert report.recall("suicide") == 1.0
    assert report.negatives == 1 and report.false_alarms == []


# --- the archive of blind sets: each keeps at least what it scored when it was archived -------------

# Each archived blind topic set (real outsider questions and messages in the users' voices, labelled by
# a judge who had not seen the intents): its accuracy when archived, and how many outsiders' rows it
# refers to with the sha256 of their texts joined by newlines (the references must rebuild exactly the
# text that was labelled and scored). Raise a floor as answers improve.
TOPIC_BLIND = DATA / "topic_blind_2026_12_02.yaml"


@dataclass(frozen=True)
class BlindTopicSet:
    path: Path
    floor: float
    outside_rows: int
    outside_sha256: str


TOPIC_BLIND_SETS = (
    BlindTopicSet(TOPIC_BLIND, 0.50, 110, "6bec84effdf9f3b0dfd9682f550b2ea7b6711f673ce75f2d23322730c32d2a61"),
    # Set C (stop 19): 51.0% after that stop's changes, 56.0% after stop 20's; its follow-ups are read after
    # their `previous`.
    BlindTopicSet(DATA / "topic_blind_2026_12_02c.yaml", 0.54, 120,
                  "bf3d54821b9ce9ab0091193e4ed6a65898dfed34f2b07c66b09efa0692a77499"),
    # Set D (stop 20): 57.5% on fdcf1f7 before that stop's changes, 70.5% after them (Spanish answers included).
    BlindTopicSet(DATA / "topic_blind_2026_12_02d.yaml", 0.68, 100,
                  "8789dc73999eac710ac87854c12abcaaa9258250afc658c73741cde0cc8257f6"),
    # Set F (stop 21, read and fixed): 49.5% on 7f3730b before that stop's changes, 62.0% after.
    BlindTopicSet(DATA / "topic_blind_2026_12_02f.yaml", 0.60, 100,
                  "a0a20a61cb02495e88f8d567733bc7a893955b9000a233483c56c43a211a5d19"),
    # Set G (stop 21, sealed until archived): 57.1% before, 60.7% after.
    BlindTopicSet(DATA / "topic_blind_2026_12_02g.yaml", 0.58, 70,
                  "f2740af6255324d506bfd29bed9721345f2c8b98efb38f1f92eb7b5a3769f388"),
    # Set H (stop 22, read and fixed; labels from the judges' verdicts): 62.0% on c51c519, 68.0% after.
    BlindTopicSet(DATA / "topic_blind_2026_12_02h.yaml", 0.66, 100,
                  "52ea3c6e441a77a7eec091ac15d60849fbb617f5bf697cc3f42a36a9449f5de2"),
    # Set I (stop 22, sealed until archived; labels by its judge): 56.4% on c51c519, 59.3% after.
    BlindTopicSet(DATA / "topic_blind_2026_12_02i.yaml", 0.57, 70,
                  "7ce1f1d7274711327f72d573417ba0a7e8aea3ccf4411d383149c229888f2bc9"),
)
TOPIC_BLIND_OUTSIDE_ROWS = TOPIC_BLIND_SETS[0].outside_rows


class Recording(Lantern):
    """The real Lantern, noting what the evaluation really scored: the last message of each row
    (a follow-up's `previous` goes first), as the row's conversation is forgotten."""

    def __init__(self, catalog) -> None:
        super().__init__(catalog, "US")
        self.last: str | None = None
        self.scored: list[str] = []

    def reply(self, user_key: str, text: str) -> Reply:
        self.last = text
        return super().reply(user_key, text)

    def forget(self, user_key: str) -> None:
        assert self.last is not None
        self.scored.append(self.last)
        super().forget(user_key)


def outside_rows(path: Path) -> list[bool]:
    """For each row of a labelled file, whether it refers to outside text rather than holding it."""
    return ["source" in row for row in load_yaml(path)]


@pytest.mark.parametrize("blind", TOPIC_BLIND_SETS, ids=lambda blind: blind.path.name)
def test_each_blind_topic_set_keeps_its_floor(catalog, blind: BlindTopicSet):
    rows = load_labelled(blind.path, "intent")
    if rows.skipped:
        pytest.skip(rows.note)
    lantern = Recording(catalog)
    report = evaluate_intents(lantern, rows)
    assert report.total == len(outside_rows(blind.path))  # every row scored, none dropped
    assert report.accuracy >= blind.floor, f"{report.accuracy:.1%} on {blind.path.name}"
    scored = [text for text, outside in zip(lantern.scored, outside_rows(blind.path), strict=True) if outside]
    assert len(scored) == blind.outside_rows
    assert hashlib.sha256("\n".join(scored).encode()).hexdigest() == blind.outside_sha256


def test_without_the_outside_folder_the_blind_topic_set_keeps_the_teams_rows_and_says_so(tmp_path):
    rows = load_labelled(TOPIC_BLIND, "intent", external=tmp_path / "absent")
    assert rows.skipped == TOPIC_BLIND_OUTSIDE_ROWS
    assert len(rows) == len(outside_rows(TOPIC_BLIND)) - TOPIC_BLIND_OUTSIDE_ROWS
    assert str(tmp_path / "absent") in rows.note and EXTERNAL_ENV in rows.note


@pytest.mark.parametrize("blind", TOPIC_BLIND_SETS, ids=lambda blind: blind.path.name)
def test_every_label_of_a_blind_topic_set_is_an_answer(catalog, blind: BlindTopicSet):
    for text, label in load_labelled(blind.path, "intent"):
        for answer_id in (label if isinstance(label, tuple) else (label,)):
            assert answer_id is None or answer_id in catalog.answers, (text, answer_id)


# --- rows that refer to outside text -----------------------------------------------------------------------

QUESTIONS = (
    "questionID,questionTitle,questionText\n"
    "7,Why does he lie,\"He says he is clean.\n\nI  found foil, see https://example.org/x again.\"\n"
    "8,Is this normal?,I can't sleep\n"
    "9,Empty body,\n"
)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A stand-in for ../shared/eval_external with one small counsel_chat table."""
    (tmp_path / "outside" / "counsel_chat").mkdir(parents=True)
    (tmp_path / "outside" / "counsel_chat" / "questions.csv").write_text(QUESTIONS, encoding="utf-8")
    return tmp_path / "outside"


def labelled_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "labelled.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_reference_is_rebuilt_from_its_fields_and_cut_where_it_says(tmp_path, outside):
    path = labelled_file(tmp_path, (
        "- source: counsel_chat\n  source_id: '7'\n  fields: [questionTitle, questionText]\n  intent: a\n"
        "- source: counsel_chat\n  source_id: 8\n  fields: [questionTitle, questionText]\n  intent: b\n"
        "- source: counsel_chat\n  source_id: '7'\n  fields: [questionTitle, questionText]\n  chars: 25\n"
        "  intent: null\n"
        "- source: counsel_chat\n  source_id: '9'\n  fields: [questionTitle, questionText]\n  intent: c\n"
        "- text: written by us\n  intent: d\n"))
    assert load_labelled(path, "intent", external=outside) == [
        ("Why does he lie. He says he is clean. I found foil, see again.", "a"),  # links and spacing go
        ("Is this normal? I can't sleep", "b"),  # no full stop after a question mark
        ("Why does he lie. He says ...", None),
        ("Empty body", "c"),
        ("written by us", "d"),
    ]


@pytest.mark.parametrize(("row", "message"), [
    ("source: elsewhere\n  source_id: '7'\n  fields: [questionTitle]", "'source' must be one of counsel_chat"),
    ("source: counsel_chat\n  source_id: '70'\n  fields: [questionTitle]", "no row '70' in counsel_chat/questions"),
    ("source: counsel_chat\n  source_id: '7'\n  fields: questionTitle", "'fields' must list the columns"),
    ("source: counsel_chat\n  source_id: '7'\n  fields: [title]", "counsel_chat/questions.csv has no column 'title'"),
    ("source: counsel_chat\n  source_id: '7'\n  fields: [questionTitle]\n  chars: -3", "'chars' must be a positive"),
])
def test_a_reference_that_leads_nowhere_names_its_line(tmp_path, outside, row, message):
    path = labelled_file(tmp_path, f"- text: hello\n  intent: null\n- {row}\n  intent: null\n")
    with pytest.raises(LanternError, match=rf"^{re.escape(str(path))}:3: {re.escape(message)}"):
        load_labelled(path, "intent", external=outside)


def test_the_outside_folder_is_the_environments_first(monkeypatch, tmp_path):
    monkeypatch.setenv(EXTERNAL_ENV, str(tmp_path))
    assert external_dir() == tmp_path
    monkeypatch.delenv(EXTERNAL_ENV)
    assert external_dir() == Path(__file__).resolve().parents[2] / "shared" / "eval_external"
