"""bot.cli: the `lantern` command as an operator runs it (`main([...])`, output read with capsys).

The shipped content is loaded once per session (`shipped_content_cached`); each command still
builds its own `Lantern` through `Lantern.from_settings`. Tests run in an empty folder so a
`config.yaml` lying around in the checkout cannot change them.
"""

from __future__ import annotations

import io
import json
import sys

import pytest

from bot.cli import main
from bot.paths import DEFAULT_INTENTS_DIR, DEFAULT_RESPONSES_DIR

JSON_KEYS = {"text", "kind", "intent", "score", "crisis", "reply", "suggestions", "help_line"}


@pytest.fixture(autouse=True)
def in_empty_folder(tmp_path, monkeypatch, shipped_content_cached):
    monkeypatch.chdir(tmp_path)


def stdin(monkeypatch, *lines: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("".join(f"{line}\n" for line in lines)))


# --- ask ---------------------------------------------------------------------------------------------------


def test_ask_json_prints_one_object_per_stdin_line(monkeypatch, capsys):
    stdin(monkeypatch, "why cant my son just quit", "i want to die", "asdfgh qwerty")
    assert main(["ask", "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    rows = [json.loads(line) for line in lines]
    for row in rows:
        assert set(row) >= JSON_KEYS
    assert rows[0]["text"] == "why cant my son just quit"
    assert rows[0]["kind"] == "answer" and rows[0]["intent"] == "why_cant_they_stop"
    assert isinstance(rows[0]["suggestions"], list) and rows[0]["suggestions"]
    assert rows[1]["kind"] == "crisis" and rows[1]["crisis"] == "suicide" and "988" in rows[1]["reply"]
    assert rows[2]["kind"] == "fallback" and rows[2]["intent"] is None
    # help_line: the crisis reply, and the quiet line under the fallback; not the plain answer
    assert [row["help_line"] for row in rows] == [False, True, True]


def test_ask_treats_every_line_as_its_own_conversation(monkeypatch, capsys):
    # No crisis follow-up leaks from one line (one person) to the next.
    stdin(monkeypatch, "i want to die", "why cant my son just quit")
    main(["ask", "--json"])
    second = json.loads(capsys.readouterr().out.splitlines()[1])
    assert "sos" not in second["suggestions"]


def test_ask_takes_messages_as_arguments(capsys):
    assert main(["ask", "--json", "hello", "3am cravings are bad"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["intent"] for r in rows] == ["greeting", "night_cravings"]


def test_ask_without_json_labels_each_reply(capsys):
    assert main(["ask", "why cant my son just quit"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("[answer: why_cant_they_stop ")


def test_ask_with_a_region_gives_that_regions_lines(capsys):
    assert main(["ask", "--region", "UK", "i want to die"]) == 0
    out = capsys.readouterr().out
    assert "116 123" in out
    assert "988" not in out


def test_ask_region_is_case_insensitive(capsys):
    assert main(["ask", "--region", "au", "i want to die"]) == 0
    assert "13 11 14" in capsys.readouterr().out


def test_an_unknown_region_exits_2_with_one_line(capsys):
    assert main(["ask", "--region", "XX", "hello"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    message = captured.err.strip()
    assert "\n" not in message
    assert message.startswith("lantern: ") and "XX" in message and "UK" in message
    assert "Traceback" not in captured.err


# --- chat ----------------------------------------------------------------------------------------------------


def test_chat_driven_by_stdin(monkeypatch, capsys):
    stdin(monkeypatch, "why cant my son just quit", "1", "/sos", "/region AU", "i want to die", "/quit",
          "this line is never read")
    assert main(["chat"]) == 0
    out = capsys.readouterr().out
    assert "NIDA" in out  # the why_cant_they_stop answer
    assert "988" in out  # /sos in the default region
    assert "Australia" in out
    assert "13 11 14" in out  # the crisis reply after /region AU
    assert out.rstrip().endswith("In an emergency, call 000.")  # the goodbye gives the chosen region's lines


def test_chat_picks_the_first_suggestion_with_1(monkeypatch, capsys, catalog):
    stdin(monkeypatch, "why cant my son just quit", "1", "/quit")
    main(["chat"])
    out = capsys.readouterr().out
    first = catalog.answers["why_cant_they_stop"].follow_ups[0]
    assert catalog.answers[first].text_for("family").strip()[:60] in out  # "my son": the parent's variant


def test_chat_with_an_unknown_region_exits_2(monkeypatch, capsys):
    stdin(monkeypatch, "hello")
    assert main(["chat", "--region", "Narnia"]) == 2
    assert "Narnia" in capsys.readouterr().err


# --- which content is in use -------------------------------------------------------------------------------


def test_ask_json_names_its_content_on_stderr_and_keeps_stdout_json(capsys):
    assert main(["ask", "--json", "hello"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["intent"] == "greeting"
    assert captured.err == f"lantern: content from {DEFAULT_INTENTS_DIR} and {DEFAULT_RESPONSES_DIR}\n"


def test_chat_names_its_content_on_stderr(monkeypatch, capsys):
    stdin(monkeypatch, "/quit")
    assert main(["chat"]) == 0
    assert f"content from {DEFAULT_INTENTS_DIR} and {DEFAULT_RESPONSES_DIR}" in capsys.readouterr().err


def test_an_edit_to_the_configured_copy_is_what_ask_and_validate_use(capsys, content_copy, tmp_path):
    """The operator's path: copy the content, name the copy in config.yaml, edit, see the edit."""
    content_copy.edit("responses/answers.yaml", "It is one of the most painful questions families ask.",
                      "Edited by the operator.")
    (tmp_path / "config.yaml").write_text(f"content:\n  intents_dir: {content_copy.intents}\n"
                                          f"  responses_dir: {content_copy.responses}\n", encoding="utf-8")
    assert main(["ask", "why cant my son just quit"]) == 0
    captured = capsys.readouterr()
    assert "Edited by the operator." in captured.out
    assert captured.err == f"lantern: content from {content_copy.intents} and {content_copy.responses}\n"
    main(["validate"])
    first = capsys.readouterr().out.splitlines()[0]
    assert first == f"checking content from {content_copy.intents} and {content_copy.responses}"


# --- config and content problems --------------------------------------------------------------------------


def test_a_missing_config_file_is_one_clear_line(capsys, tmp_path):
    assert main(["ask", "--config", str(tmp_path / "nope.yaml"), "hello"]) == 2
    err = capsys.readouterr().err.strip()
    assert "nope.yaml" in err and "\n" not in err


def test_broken_content_still_answers_crises_and_says_so(monkeypatch, capsys, content_copy, tmp_path):
    content_copy.edit("intents/topics.yaml", "  - id: dual_diagnosis\n    answer: dual_diagnosis\n",
                      "  - id: dual_diagnosis\n      answer: dual_diagnosis\n")
    config = tmp_path / "config.yaml"
    config.write_text(f"content:\n  intents_dir: {content_copy.intents}\n  responses_dir: {content_copy.responses}\n",
                      encoding="utf-8")
    assert main(["ask", "--json", "--config", str(config), "i want to kill myself"]) == 0
    captured = capsys.readouterr()
    row = json.loads(captured.out)
    assert row["kind"] == "crisis" and "988" in row["reply"]
    assert "lantern validate" in captured.err


def test_a_config_yaml_in_the_current_folder_is_used(capsys, tmp_path):
    (tmp_path / "config.yaml").write_text("region: NZ\n", encoding="utf-8")
    main(["ask", "i want to die"])
    assert "1737" in capsys.readouterr().out


# --- evaluate ----------------------------------------------------------------------------------------------


def test_evaluate_prints_accuracy_and_per_intent_rows(capsys, tmp_path):
    labelled = tmp_path / "eval.yaml"
    labelled.write_text("- text: why cant my son just quit\n  intent: why_cant_they_stop\n"
                        "- text: asdfgh qwerty\n  intent: null\n", encoding="utf-8")
    assert main(["evaluate", str(labelled)]) == 0
    out = capsys.readouterr().out
    assert "messages: 2" in out
    assert "accuracy: 100.0%" in out
    assert "why_cant_they_stop" in out


def test_evaluate_json_and_safety(capsys, tmp_path):
    labelled = tmp_path / "safety.yaml"
    labelled.write_text("- text: i want to die\n  category: suicide\n- text: my back is killing me\n  category: none\n",
                        encoding="utf-8")
    assert main(["evaluate", "--safety", "--json", str(labelled)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["recall"] == {"suicide": 1.0}
    assert report["false_alarm_rate"] == 0.0 and report["misses"] == []


def test_evaluate_with_a_malformed_file_exits_2_naming_the_line(capsys, tmp_path):
    labelled = tmp_path / "eval.yaml"
    labelled.write_text("- text: hello\n  intent: greeting\n- intent: thanks\n", encoding="utf-8")
    assert main(["evaluate", str(labelled)]) == 2
    assert f"{labelled}:3:" in capsys.readouterr().err


def test_no_command_prints_help(capsys):
    assert main([]) == 0
    assert "validate" in capsys.readouterr().out


def test_ask_on_an_ascii_terminal_prints_no_traceback(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    done = subprocess.run([sys.executable, "-m", "bot", "ask", "café"], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and done.stdout.startswith("[")


def test_run_names_its_content_on_stderr_before_starting(monkeypatch, capsys):
    import logging

    import bot.telegram.app
    from bot.config import TOKEN_ENV

    root = logging.getLogger()
    monkeypatch.setattr(root, "level", root.level)  # `run` sets the configured level: put it back after
    started = []
    monkeypatch.setenv(TOKEN_ENV, "123:not-a-real-token")
    monkeypatch.setattr(bot.telegram.app, "run", lambda settings: started.append(settings.content))
    assert main(["run"]) == 0
    assert started and capsys.readouterr().err == (
        f"lantern: content from {DEFAULT_INTENTS_DIR} and {DEFAULT_RESPONSES_DIR}\n")
