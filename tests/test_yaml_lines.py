"""bot.yaml_lines: YAML that remembers lines, so every content problem can say `file:line`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

from bot.errors import LanternError
from bot.yaml_lines import FileProblems, LineDict, LineList, line_of, load_yaml, validated


def write(tmp_path: Path, text: str, name: str = "content.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


SAMPLE = """\
# a comment on line 1
answers:
  greeting:
    title: Hello
    follow_ups:
      - thanks
      - goodbye
"""


def test_mappings_and_lists_know_their_lines(tmp_path):
    data = load_yaml(write(tmp_path, SAMPLE))
    assert isinstance(data, LineDict)
    assert data.lines["answers"] == 2
    greeting = data["answers"]["greeting"]
    assert data["answers"].lines["greeting"] == 3
    assert greeting.lines["title"] == 4
    follow_ups = greeting["follow_ups"]
    assert isinstance(follow_ups, LineList)
    assert follow_ups == ["thanks", "goodbye"]
    assert follow_ups.lines == [6, 7]


def test_line_of_follows_a_path_as_deep_as_it_can(tmp_path):
    data = load_yaml(write(tmp_path, SAMPLE))
    assert line_of(data, ("answers", "greeting", "follow_ups", 1)) == 7
    assert line_of(data, ("answers", "greeting", "title")) == 4
    # A key that is not there (a missing field) gives the line of the nearest thing that is.
    assert line_of(data, ("answers", "greeting", "text")) == 3
    assert line_of(data, ("answers", "greeting", "follow_ups", 9)) == 5


@pytest.mark.parametrize("word", ["on", "off", "yes", "no", "On", "NO", "Yes", "y", "n"])
def test_yes_no_on_off_are_words(tmp_path, word):
    data = load_yaml(write(tmp_path, f"stopwords: [{word}]\nkey: {word}\n"))
    assert data["stopwords"] == [word]
    assert data["key"] == word


def test_null_and_numbers_keep_their_meaning(tmp_path):
    # Labelled files use `intent: null` for "should fall back".
    data = load_yaml(write(tmp_path, "intent: null\nport: 8443\nratio: 0.5\n"))
    assert data == {"intent": None, "port": 8443, "ratio": 0.5}


def test_a_syntax_error_names_file_and_line(tmp_path):
    path = write(tmp_path, "intents:\n  - id: a\n      answer: b\n")
    with pytest.raises(LanternError) as caught:
        load_yaml(path)
    assert str(caught.value).startswith(f"{path}:3: YAML syntax error")


def test_an_unclosed_bracket_names_a_line_in_the_file(tmp_path):
    path = write(tmp_path, "a: 1\nb: [x, y\nc: 2\n")
    with pytest.raises(LanternError) as caught:
        load_yaml(path)
    assert re.match(rf"{re.escape(str(path))}:[2-4]: ", str(caught.value))


def test_text_that_is_not_utf8_is_refused_with_line_1(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: café".encode("latin-1"))
    with pytest.raises(LanternError) as caught:
        load_yaml(path)
    assert str(caught.value).startswith(f"{path}:1: not UTF-8")


def test_a_missing_file_is_refused_with_line_1(tmp_path):
    path = tmp_path / "missing.yaml"
    with pytest.raises(LanternError) as caught:
        load_yaml(path)
    assert str(caught.value).startswith(f"{path}:1: cannot read")


def test_unsafe_tags_are_refused(tmp_path):
    path = write(tmp_path, "x: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(LanternError) as caught:
        load_yaml(path)
    assert str(caught.value).startswith(f"{path}:1: ")


def test_an_empty_file_is_none(tmp_path):
    assert load_yaml(write(tmp_path, "# only a comment\n")) is None


# --- keys written twice -------------------------------------------------------------------------------


TWICE = """\
crisis_replies:
  suicide: first
  sos: help
  suicide: second
answers:
  a:
    title: one
    title: two
"""


def test_every_key_written_twice_is_an_error_at_its_second_line(tmp_path):
    path = write(tmp_path, TWICE)
    with pytest.raises(FileProblems) as caught:
        load_yaml(path)
    assert caught.value.problems == [
        f"{path}:4: duplicate key 'suicide' (already at line 2): YAML keeps only the last one, so merge the two "
        "or rename one",
        f"{path}:8: duplicate key 'title' (already at line 7): YAML keeps only the last one, so merge the two "
        "or rename one",
    ]


def test_keys_written_twice_can_be_collected_while_the_file_is_still_read(tmp_path):
    problems: list[str] = []
    data = load_yaml(write(tmp_path, TWICE), problems)
    assert len(problems) == 2 and data["answers"]["a"]["title"] == "two"


def test_the_same_key_in_two_mappings_is_fine(tmp_path):
    data = load_yaml(write(tmp_path, "a:\n  title: x\nb:\n  title: y\n"))
    assert data == {"a": {"title": "x"}, "b": {"title": "y"}}


def test_a_merge_key_may_override_what_it_merges(tmp_path):
    data = load_yaml(write(tmp_path, "base: &b {x: 1, y: 2}\nmore:\n  <<: *b\n  y: 3\n"))
    assert data["more"] == {"x": 1, "y": 3}


# --- validated: one helper, every error --------------------------------------------------------------


class _Texts(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    count: int
    words: list[str] = []


def test_validated_reports_every_error_at_its_line(tmp_path):
    path = write(tmp_path, "title: [not, text]\ncount: many\nwords:\n  - fine\n  - {a: b}\ntypo: 1\n")
    with pytest.raises(FileProblems) as caught:
        validated(_Texts, load_yaml(path), path)
    problems = caught.value.problems
    assert [p.split(": ", 1)[0] for p in problems] == [f"{path}:{n}" for n in (1, 2, 5, 6)]
    assert "put text that contains ': ' in single quotes" in problems[2]
    assert problems[3] == f"{path}:6: unknown key 'typo' (expected one of title, count, words)"


def test_an_empty_file_names_what_it_needs(tmp_path):
    path = write(tmp_path, "# nothing yet\n")
    with pytest.raises(FileProblems) as caught:
        validated(_Texts, load_yaml(path), path)
    assert caught.value.problems == [f"{path}:1: file is empty: it needs title, count"]
