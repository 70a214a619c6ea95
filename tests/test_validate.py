"""bot.validate and `lantern validate`: the checks an operator runs before shipping content.

Validation reads the whole catalog and is the slowest thing here, so the shipped content and one
edited copy are validated once per module (through the CLI, as an operator would) and the tests
read the result. The tests of one blocking check call `validate_dirs` without the advisory checks,
and hold the content to small archives they write, measuring only what they are about.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.crisis import CATEGORIES
from bot.paths import DEFAULT_INTENTS_DIR, DEFAULT_SAFETY_DIR, SAFETY_FLOOR
from bot.validate import load_floor, validate_dirs
from bot.yaml_lines import FileProblems

FINDING = re.compile(r"^(?P<where>.+?:\d+): (?P<level>error|warning): (?P<message>.*)$")


@dataclass
class Run:
    status: int
    out: str

    def findings(self, level: str) -> list[str]:
        return [line for line in self.out.splitlines()
                if (m := FINDING.match(line)) and m.group("level") == level]


def validate(content_root) -> Run:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["validate", "--content", str(content_root)])
    return Run(status, out.getvalue())


# --- the shipped content ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> Run:
    return validate(DEFAULT_INTENTS_DIR.parent)


def test_the_shipped_content_has_no_errors(shipped):
    assert shipped.findings("error") == []
    assert not any("floor not checked" in w for w in shipped.findings("warning"))  # the floor was checked
    assert shipped.status == 0
    assert re.search(r"^ok: \d+ intents, \d+ examples, \d+ answers, 7 regions; \d+ warning\(s\)$",
                     shipped.out, re.MULTILINE)


def test_the_first_line_says_which_folders_were_checked(shipped):
    root = DEFAULT_INTENTS_DIR.parent
    assert shipped.out.splitlines()[0] == f"checking content from {root / 'intents'} and {root / 'responses'}"


def test_every_finding_is_file_line_level_message(shipped):
    for line in shipped.out.splitlines()[1:-1]:
        assert FINDING.match(line), line


# --- a copy with three editing mistakes -------------------------------------------------------------------


@dataclass
class Edited:
    run: Run
    copy: object


@pytest.fixture(scope="module")
def edited(make_content_copy) -> Edited:
    copy = make_content_copy("edited")
    # 1. "good afternoon" is a greeting example; the same words under `thanks` teach the matcher nonsense.
    copy.edit("intents/smalltalk.yaml", "      - thank you so much\n",
              "      - thank you so much\n      - Good afternoon!\n")
    # 2. An answer nothing leads to.
    (copy.responses / "orphan.yaml").write_text(
        'answers:\n  orphan_topic:\n    title: "Orphan"\n    text: "Nobody asks for this."\n    sources: [x]\n',
        encoding="utf-8")
    # 3. An example a user would type but that gets a crisis reply instead of the answer.
    copy.edit("intents/topics.yaml", "      - tips for a bad mood\n", "      - tips for a bad mood\n"
              "      - i feel so hopeless tonight\n")
    # 4. The same example twice under one intent.
    copy.edit("intents/smalltalk.yaml", "      - howdy\n", "      - howdy\n      - Howdy!\n")
    # 5. A grief example without any of the words the grief answer needs: it can never be answered.
    copy.edit("intents/topics.yaml", "      - grieving an overdose death\n",
              "      - grieving an overdose death\n      - how do i forgive my brother\n")
    return Edited(validate(copy.root), copy)


def test_content_with_errors_exits_1(edited):
    assert edited.run.status == 1
    assert re.search(r"^failed: \d+ error\(s\), \d+ warning\(s\)$", edited.run.out, re.MULTILINE)


def test_an_example_repeated_under_its_own_intent_is_a_warning_naming_both_lines(edited):
    path = edited.copy.intents / "smalltalk.yaml"
    repeat = edited.copy.line_of("intents/smalltalk.yaml", "Howdy!")
    original = edited.copy.line_of("intents/smalltalk.yaml", "      - howdy")
    assert not [e for e in edited.run.findings("error") if "Howdy!" in e]
    assert [w for w in edited.run.findings("warning") if "Howdy!" in w] == [
        f"{path}:{repeat}: warning: example 'Howdy!' reads the same as {path}:{original} once normalised, "
        "so it adds nothing"]


def test_a_duplicated_example_is_an_error_naming_both_lines(edited):
    path = edited.copy.intents / "smalltalk.yaml"
    duplicate = edited.copy.line_of("intents/smalltalk.yaml", "Good afternoon!")
    original = edited.copy.line_of("intents/smalltalk.yaml", "      - good afternoon")
    errors = [e for e in edited.run.findings("error") if "Good afternoon!" in e]
    assert len(errors) == 1
    assert errors[0].startswith(f"{path}:{duplicate}: error: ")
    assert f"{path}:{original}" in errors[0]
    assert "greeting" in errors[0]


def test_an_unused_answer_is_a_warning(edited):
    path = edited.copy.responses / "orphan.yaml"
    warnings = [w for w in edited.run.findings("warning") if "orphan_topic" in w]
    assert warnings == [f"{path}:2: warning: answer 'orphan_topic' is not used by any intent or follow-up"]


def test_an_example_that_trips_the_crisis_detector_is_a_warning(edited):
    path = edited.copy.intents / "topics.yaml"
    line = edited.copy.line_of("intents/topics.yaml", "i feel so hopeless tonight")
    warnings = [w for w in edited.run.findings("warning") if "i feel so hopeless tonight" in w and "crisis" in w]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{path}:{line}: warning: ")
    assert "elevated" in warnings[0]
    # It names the crisis pattern that fired, so the operator can see why.
    assert re.search(r"pattern at .+crisis\.yaml:\d+", warnings[0])


def test_an_example_without_its_intents_needed_words_is_a_warning(edited):
    path = edited.copy.intents / "topics.yaml"
    line = edited.copy.line_of("intents/topics.yaml", "how do i forgive my brother")
    warnings = [w for w in edited.run.findings("warning") if "how do i forgive my brother" in w and "needs" in w]
    assert warnings == [
        f"{path}:{line}: warning: example 'how do i forgive my brother' has none of intent "
        "'grief_after_overdose's needs_one_of words, so a message like it never gets this answer"]


# --- the core crisis phrases cannot be edited away ----------------------------------------------------------


def test_removing_core_crisis_patterns_is_an_error(make_content_copy):
    copy = make_content_copy("core")
    crisis = copy.intents / "crisis.yaml"
    # An operator deletes every suicide pattern that mentions killing oneself.
    kept = [line for line in crisis.read_text(encoding="utf-8").splitlines(keepends=True)
            if not (line.lstrip().startswith("- ") and "kil" in line and "{self}" in line)]
    crisis.write_text("".join(kept), encoding="utf-8")
    catalog, findings = validate_dirs(copy.intents, copy.responses, advisory=False)
    assert catalog is None, "content that stopped catching core phrases must not be served"
    errors = [f for f in findings if f.level == "error"]
    assert errors
    assert all("core phrase" in f.message for f in errors)
    assert any(f.message.endswith("restore the pattern that caught it") and "as suicide" in f.message
               for f in errors)
    assert all(str(f.where).startswith(str(crisis)) for f in errors)


# --- the recall floor on the archived safety sets -------------------------------------------------------------


def with_archive(copy, sets: tuple[str, ...] = ("safety_eval.yaml",)) -> Path:
    """Shipped safety sets and their shipped floors, copied beside the content as an operator would
    (by default only the set these tests measure: the blind sets take as long again and add nothing)."""
    safety = copy.root / "safety"
    safety.mkdir()
    shipped = load_floor(DEFAULT_SAFETY_DIR / SAFETY_FLOOR)
    floors = {name: {"recall": shipped[name].recall, "false_alarm_rate": shipped[name].false_alarm_rate}
              for name in sets}
    (safety / SAFETY_FLOOR).write_text(yaml.safe_dump(floors, sort_keys=False), encoding="utf-8")
    for name in sets:
        shutil.copy(DEFAULT_SAFETY_DIR / name, safety / name)
    return safety


def errors_of(copy) -> list[str]:
    """The blocking checks only (what a live reload refuses on), each as `validate` prints it."""
    catalog, findings = validate_dirs(copy.intents, copy.responses, advisory=False)
    errors = [str(f) for f in findings if f.level == "error"]
    assert (catalog is None) == bool(errors)
    return errors


def keep_danger_patterns(copy, kept: int) -> Path:
    """An operator's edit that keeps only the first `kept` hard danger patterns."""
    crisis = copy.intents / "crisis.yaml"
    text = crisis.read_text(encoding="utf-8")
    start = text.index("    danger:\n") + len("    danger:\n")
    end = text.index("    elevated:\n", start)
    patterns = [line for line in text[start:end].splitlines(keepends=True) if line.lstrip().startswith("- ")]
    crisis.write_text(text[:start] + "".join(patterns[:kept]) + text[end:], encoding="utf-8")
    return crisis


def test_the_shipped_floor_names_every_archived_safety_set():
    named = set(load_floor(DEFAULT_SAFETY_DIR / SAFETY_FLOOR))
    archived = {p.name for p in DEFAULT_SAFETY_DIR.glob("safety_eval*.yaml")}
    archived |= {p.name for p in DEFAULT_SAFETY_DIR.glob("crisis_blind_*.yaml")}
    assert named == archived


def test_an_edit_that_lowers_crisis_recall_is_refused_with_the_figures(content_copy):
    with_archive(content_copy)
    crisis = keep_danger_patterns(content_copy, kept=2)
    fell = [e for e in errors_of(content_copy) if "crisis recall fell on safety_eval.yaml" in e]
    assert len(fell) == 1
    rows = yaml.safe_load((DEFAULT_SAFETY_DIR / "safety_eval.yaml").read_text(encoding="utf-8"))
    danger = sum(row["category"] == "danger" for row in rows)
    assert re.match(rf"^{re.escape(str(crisis))}:1: error: crisis recall fell on safety_eval\.yaml: "
                    rf"danger 100\.0% -> (\d+\.\d)% \(floor 100\.0%, (\d+) of {danger} caught\)", fell[0])
    assert float(re.search(r"-> (\d+\.\d)%", fell[0]).group(1)) < 70  # the concepts still catch some
    # Only danger fell: the other categories are not listed.
    assert not re.search(r"(suicide|overdose|other_at_risk|elevated) \d", fell[0])


def test_an_edit_that_raises_false_alarms_is_refused(content_copy):
    with_archive(content_copy)
    content_copy.edit("intents/crisis.yaml", "      - \\bhope?less(?:ness)?\\b\n",
                      "      - \\bhope?less(?:ness)?\\b\n      - \\bmy son\\b\n")
    rose = [e for e in errors_of(content_copy) if "false alarms rose on safety_eval.yaml" in e]
    assert len(rose) == 1
    assert re.search(r"crisis false alarms rose on safety_eval\.yaml: 0\.0% -> \d+\.\d% \(ceiling 0\.0%, "
                     r"\d+ of \d+ ordinary messages\)", rose[0])


def test_content_without_an_archive_skips_the_floor_and_says_so(content_copy):
    # the shipped content, copied without its safety/ folder
    catalog, findings = validate_dirs(content_copy.intents, content_copy.responses, advisory=False)
    assert catalog is not None
    assert [str(f) for f in findings if "floor" in f.message] == [
        f"{content_copy.intents / 'crisis.yaml'}:1: warning: crisis recall floor not checked: no "
        "safety/safety_floor.yaml beside intents/ (copy the shipped one there to keep it; OPERATING.md section 5)"]


def test_a_malformed_floor_file_is_named_by_line(content_copy):
    safety = with_archive(content_copy)
    floor = safety / SAFETY_FLOOR
    floor.write_text(floor.read_text(encoding="utf-8") + "missing_set.yaml:\n  recall: {danger: 1.0}\n"
                     "  false_alarm_rate: 0.0\n", encoding="utf-8")
    line = content_copy.line_of("safety/safety_floor.yaml", "missing_set.yaml:")
    assert errors_of(content_copy) == [f"{floor}:{line}: error: 'missing_set.yaml' is not a safety set in {safety}"]


def test_write_floor_records_what_the_content_achieves(tmp_path, shipped_content_cached):
    shutil.copy(DEFAULT_SAFETY_DIR / "safety_eval.yaml", tmp_path / "safety_eval.yaml")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["evaluate", "--safety", str(tmp_path / "safety_eval.yaml"), "--write-floor"])
    assert status == 0
    assert "safety_eval.yaml: danger recall new -> 100.0%" in out.getvalue()
    floors = load_floor(tmp_path / SAFETY_FLOOR)
    assert floors["safety_eval.yaml"].recall == dict.fromkeys(CATEGORIES, 1.0)
    assert floors["safety_eval.yaml"].false_alarm_rate == 0.0
    shipped = load_floor(DEFAULT_SAFETY_DIR / SAFETY_FLOOR)["safety_eval.yaml"]  # the shipped floor is what it achieves
    assert (floors["safety_eval.yaml"].recall, floors["safety_eval.yaml"].false_alarm_rate) == (
        shipped.recall, shipped.false_alarm_rate)


def tiny_archive(copy, intent_rows: list[dict]) -> Path:
    """A safety archive of two messages (so the recall floor is met in no time) and a held-out
    topic set of `intent_rows`."""
    safety = copy.root / "safety"
    safety.mkdir()
    (safety / "tiny_safety.yaml").write_text(yaml.safe_dump([{"text": "i want to die", "category": "suicide"},
                                                             {"text": "hello there", "category": None}]),
                                             encoding="utf-8")
    (safety / SAFETY_FLOOR).write_text(yaml.safe_dump({"tiny_safety.yaml": {"recall": {"suicide": 1.0},
                                                                             "false_alarm_rate": 0.0}}),
                                       encoding="utf-8")
    (safety / "intent_eval.yaml").write_text(yaml.safe_dump(intent_rows), encoding="utf-8")
    return safety


def test_an_edit_that_lowers_topic_accuracy_is_refused_with_the_figures(content_copy):
    # (The shipped topics meet the floor on the whole shipped set: see test_the_shipped_content_has_no_errors.)
    shipped_rows = yaml.safe_load((DEFAULT_SAFETY_DIR / "intent_eval.yaml").read_text(encoding="utf-8"))
    relapse = [row for row in shipped_rows if row["intent"] == "relapse"][:6]
    others = [row for row in shipped_rows if row["intent"] in ("naloxone", "greeting")][:4]
    tiny_archive(content_copy, relapse + others)
    content_copy.edit("intents/topics.yaml", "  - id: relapse\n", "  - id: relapse_renamed\n")
    (fell,) = [e for e in errors_of(content_copy) if "topic accuracy fell" in e]
    assert re.search(r"topic accuracy fell on intent_eval\.yaml: (\d+\.\d)% \(floor 90\.0%\); most confused: "
                     r"relapse -> relapse_renamed", fell)


def test_every_malformed_floor_entry_is_named_at_once(tmp_path):
    (tmp_path / "set.yaml").write_text("- {text: hi, category: null}\n", encoding="utf-8")
    floor = tmp_path / SAFETY_FLOOR
    floor.write_text("set.yaml:\n  recall: {danger: 1.0}\n  false_alarm_rate: 0.0\n"
                     "gone.yaml:\n  recall: {danger: 1.0}\n  false_alarm_rate: 0.0\n"
                     "set.yaml:\n  recall: {danger: 1.5}\n  false_alarm_rate: 0.0\n", encoding="utf-8")
    with pytest.raises(FileProblems) as caught:
        load_floor(floor)
    assert [p.split(": ", 1)[0] for p in caught.value.problems] == [f"{floor}:{n}" for n in (4, 7, 8)]
    assert f"'gone.yaml' is not a safety set in {tmp_path}" in caught.value.problems[0]
    assert "duplicate key 'set.yaml' (already at line 1)" in caught.value.problems[1]
    assert "less than or equal to 1" in caught.value.problems[2]


def test_an_emptied_checkin_file_names_what_it_needs(content_copy):
    (content_copy.responses / "checkin.yaml").write_text("\n", encoding="utf-8")
    catalog, findings = validate_dirs(content_copy.intents, content_copy.responses, advisory=False)
    assert catalog is None
    (error,) = [str(f) for f in findings if f.level == "error"]
    assert error.startswith(f"{content_copy.responses / 'checkin.yaml'}:1: error: file is empty: it needs mood, "
                            "craving, note, ")
