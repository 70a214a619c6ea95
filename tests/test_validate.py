"""bot.validate and `lantern validate`: the checks an operator runs before shipping content.

Validation reads the whole catalog and is the slowest thing here, so each content folder is
validated once per module (through the CLI, as an operator would) and the tests read the result.
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass

import pytest

from bot.cli import main
from bot.paths import DEFAULT_INTENTS_DIR
from bot.validate import validate_dirs

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
    assert shipped.status == 0
    assert re.search(r"^ok: \d+ intents, \d+ examples, \d+ answers, 7 regions; \d+ warning\(s\)$",
                     shipped.out, re.MULTILINE)


def test_every_finding_is_file_line_level_message(shipped):
    for line in shipped.out.splitlines()[:-1]:
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
    catalog, findings = validate_dirs(copy.intents, copy.responses)
    assert catalog is None, "content that stopped catching core phrases must not be served"
    errors = [f for f in findings if f.level == "error"]
    assert errors
    assert all("core phrase" in f.message for f in errors)
    assert any(f.message.endswith("restore the pattern that caught it") and "as suicide" in f.message
               for f in errors)
    assert all(str(f.where).startswith(str(crisis)) for f in errors)
