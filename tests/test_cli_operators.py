"""`lantern unmatched` and `lantern stats` as an operator runs them, over a store seeded in tmp_path.

Each test runs in an empty folder with a config.yaml pointing at that store; the shipped content
is loaded once per session (`shipped_content_cached`).
"""

from __future__ import annotations

import asyncio
import csv
import io
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.migrations import load_migrations, statements
from bot.operator_stats import format_stats, gather_stats
from bot.paths import DEFAULT_INTENTS_DIR
from bot.pseudonym import user_key
from bot.store import APPLICATION_ID, Store

ID_KEY = b"test-id-key-0123456789abcdef"
ASKED = {"should i change the locks on my house": 3, "should i hide my car keys from him": 2,
         "why cant my son just quit": 1}  # the last one: the content answers it by now


@pytest.fixture(autouse=True)
def in_empty_folder(tmp_path, monkeypatch, shipped_content_cached):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.yaml").write_text("storage:\n  path: lantern.sqlite3\n", encoding="utf-8")


def seed(path: Path, asked: dict[str, int] = ASKED, *, days_ago: int = 0) -> None:
    async def write() -> None:
        moment = datetime.now(UTC) - timedelta(days=days_ago)
        store = await Store.open(path, clock=lambda: moment)
        try:
            for text, count in asked.items():
                for _ in range(count):
                    await store.record_unmatched(text, "k")
            for kind in ("answer", "answer", "fallback"):
                await store.count_usage(kind)
            await store.count_intent("relapse")
            await store.count_escalation("overdose")
            await store.touch_user(user_key(ID_KEY, 5))
        finally:
            await store.close()

    asyncio.run(write())


def test_unmatched_lists_the_most_frequent_first_with_nearest_intent_and_score(tmp_path, capsys):
    seed(tmp_path / "lantern.sqlite3")
    assert main(["unmatched"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Questions nothing answered (most frequent first):"
    counts = [int(line.split()[0]) for line in lines[1:]]
    assert counts == [3, 2, 1]
    assert "should i change the locks on my house" in lines[1] and "(nearest " in lines[1]
    assert "why_cant_they_stop" in lines[3] and "answered now" in lines[3]


def test_since_leaves_out_questions_not_asked_lately(tmp_path, capsys):
    seed(tmp_path / "lantern.sqlite3", {"an old question about kratom": 5}, days_ago=10)
    seed(tmp_path / "lantern.sqlite3", {"a new question about kratom": 1})
    main(["unmatched", "--since", "7d"])
    recent = capsys.readouterr().out
    assert "a new question" in recent and "an old question" not in recent
    assert recent.startswith("Questions nothing answered since ")
    main(["unmatched", "--since", "30d"])
    assert "an old question" in capsys.readouterr().out
    main(["unmatched", "--since", "24h"])
    assert "an old question" not in capsys.readouterr().out


def test_a_since_that_is_not_an_age_is_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit) as raised:
        main(["unmatched", "--since", "a week"])
    assert raised.value.code == 2
    assert "not an age like 7d, 24h or 30d" in capsys.readouterr().err


def test_csv_goes_to_stdout_with_one_row_per_question(tmp_path, capsys):
    seed(tmp_path / "lantern.sqlite3")
    assert main(["unmatched", "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["text"], int(r["count"])) for r in rows] == list(ASKED.items())
    assert set(rows[0]) == {"text", "count", "first_seen", "last_seen", "nearest_intent", "score", "answered_now"}
    assert rows[2]["nearest_intent"] == "why_cant_they_stop" and rows[2]["answered_now"] == "yes"
    assert all(r["nearest_intent"] and float(r["score"]) >= 0 for r in rows)


def test_suggest_without_a_terminal_prints_every_snippet_ready_to_paste(tmp_path, capsys, monkeypatch):
    seed(tmp_path / "lantern.sqlite3")
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # not a TTY: nothing is asked
    assert main(["unmatched", "--suggest"]) == 0
    captured = capsys.readouterr()
    snippets = captured.out.strip().split("\n# ")
    assert len(snippets) == 2  # the question the content answers now is left out, and said so
    assert "1 question(s) skipped" in captured.err
    for snippet in snippets:
        comment, item = snippet.lstrip("# ").splitlines()
        intent, path = comment.split("'")[1], comment.split(" in ")[1].split(" (")[0]
        assert path.startswith("intents/") and f"id: {intent}" in (DEFAULT_INTENTS_DIR.parent / path).read_text()
        assert "(nearest, score " in comment
        assert item.startswith("      - ")
        assert yaml.safe_load(f"examples:\n{item}")["examples"][0] in ASKED


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_suggest_on_a_terminal_prints_only_the_questions_accepted(tmp_path, capsys, monkeypatch):
    seed(tmp_path / "lantern.sqlite3")
    monkeypatch.setattr(sys, "stdin", Terminal("n\nyes\n"))
    assert main(["unmatched", "--suggest"]) == 0
    captured = capsys.readouterr()
    assert captured.out.count("# under intent") == 1
    assert "- should i hide my car keys from him" in captured.out
    assert captured.err.count("Add it as an example there? [y/N]") == 2  # the prompts stay off stdout


def test_stats_prints_the_same_figures_as_the_telegram_command(tmp_path, capsys):
    seed(tmp_path / "lantern.sqlite3")
    assert main(["stats"]) == 0
    printed = capsys.readouterr().out

    async def expected() -> str:
        store = await Store.open(tmp_path / "lantern.sqlite3", read_only=True)
        try:
            return format_stats(await gather_stats(store, datetime.now(UTC)))
        finally:
            await store.close()

    want = asyncio.run(expected())
    assert printed.splitlines()[1:] == want.splitlines()[1:]  # the first line holds the minute
    assert "messages: 3 (answered 67%, fallback 33%, clarify 0%)" in printed
    assert "escalations: overdose 1" in printed and "top intents: relapse 1" in printed


@pytest.mark.parametrize("command", [["stats"], ["unmatched"], ["unmatched", "--csv"]])
def test_a_missing_database_is_one_line_not_a_traceback(tmp_path, capsys, command):
    assert main(command) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no database there yet" in err and "lantern run" in err
    assert not (tmp_path / "lantern.sqlite3").exists()  # reading never creates one


def test_a_database_from_before_intent_counts_is_brought_up_to_date(tmp_path, capsys):
    path = tmp_path / "lantern.sqlite3"
    with sqlite3.connect(path) as db:  # what Lantern's first schema left on disk
        for statement in statements(load_migrations()[0].sql):
            db.execute(statement)
        db.execute("PRAGMA user_version = 1")
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute("INSERT INTO usage_daily VALUES (?, 'answer', 4)", (datetime.now(UTC).date().isoformat(),))
    assert main(["stats"]) == 0
    assert "messages: 4 (answered 100%" in capsys.readouterr().out
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == load_migrations()[-1].version
