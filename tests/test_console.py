"""bot.console: `lantern chat`, a conversation in the terminal over the same core as Telegram."""

from __future__ import annotations

import pytest

from bot.console import ConsoleSession, run_console
from bot.hotlines import fill


@pytest.fixture
def session(lantern):
    session = ConsoleSession(lantern)
    yield session
    session.close()


def chat(lantern, *lines: str) -> list[str]:
    written: list[str] = []
    run_console(lantern, lines, written.append)
    return written


def test_a_question_gets_its_answer_and_numbered_choices(session, lantern):
    out = session.handle("why cant my son just quit")
    answer = lantern.catalog.answers["why_cant_they_stop"]
    assert out.startswith(lantern.answer("why_cant_they_stop").text)
    assert lantern.ui("choose_number") in out
    first = lantern.catalog.answers[answer.follow_ups[0]]
    assert f"  1. {first.title}" in out
    assert f"{lantern.ui('sources')}: " in out


def test_typing_a_number_picks_that_choice(session, lantern):
    session.handle("why cant my son just quit")
    first = lantern.catalog.answers["why_cant_they_stop"].follow_ups[0]
    out = session.handle("1")
    family = lantern.catalog.answers[first].text_for("family")  # a parent asked
    assert out.startswith(fill(family, lantern.catalog.region("US").values()))


def test_a_number_out_of_range_is_read_as_a_message(session, lantern):
    session.handle("why cant my son just quit")
    out = session.handle("99")
    # Not one of the three choices: "99" is a message, which Lantern admits it does not understand.
    assert out.startswith(lantern.ui("fallback"))


def test_sos_gives_the_help_lines_for_the_chosen_region(session):
    assert "988" in session.handle("/sos")
    assert "Australia" in session.handle("/region AU")
    sos = session.handle("/sos")
    assert "13 11 14" in sos and "000" in sos
    assert "13 11 14" in session.handle("i want to die")


def test_an_unknown_region_lists_the_choices(session):
    out = session.handle("/region XX")
    assert "AU (Australia)" in out and "UK (United Kingdom)" in out
    assert "988" in session.handle("/sos")  # the region did not change


def test_topics_are_numbered_and_pickable(session, lantern):
    out = session.handle("/topics")
    topics = lantern.topics()
    assert f"  1. {topics[0].label}" in out
    assert session.handle("2").startswith(lantern.answer(topics[1].answer_id).text)


def test_start_offers_a_few_topics_and_all_topics(session, lantern):
    out = session.handle("/start")
    starters = lantern.starter_topics()
    assert out.startswith(lantern.ui("welcome"))
    assert f"  1. {starters[0].label}" in out
    assert f"  {len(starters)}. All topics" in out and f"  {len(starters) + 1}. " not in out
    assert session.handle("1").startswith(lantern.answer(starters[0].answer_id).text)


def test_all_topics_after_an_unsure_reply_numbers_every_topic(session, lantern):
    out = session.handle("asdf qwerty")
    starters = lantern.starter_topics()
    assert f"  {len(starters)}. {lantern.ui('topics_button')}" in out
    every = session.handle(str(len(starters)))
    assert every.startswith(lantern.ui("topics_header"))
    last = lantern.topics()[-1]
    assert f"  {len(lantern.topics())}. {last.label}" in every
    assert session.handle(str(len(lantern.topics()))).startswith(lantern.answer(last.answer_id).text)


def test_commands(session, lantern):
    assert "/quit" in session.handle("/help")
    assert session.handle("/nonsense") == lantern.ui("unknown_command")
    assert session.handle("/privacy") == lantern.ui("privacy")
    assert session.handle("/about") == lantern.ui("about")


def test_forget_clears_the_region_and_the_follow_up(session, lantern):
    session.handle("/region UK")
    session.handle("i want to die")
    assert session.handle("/forget") == lantern.ui("forget_done")
    assert "988" in session.handle("/sos")
    assert lantern.ui("still_here") not in session.handle("thanks")


@pytest.mark.parametrize("command", ["/quit", "/exit", "/bye", "/QUIT"])
def test_quit_ends_the_session(session, command):
    assert session.handle(command) is None


def test_a_crisis_in_the_console_gets_the_crisis_reply(session):
    out = session.handle("k1ll mys3lf")
    assert "988" in out


def test_run_console_greets_converses_and_says_goodbye(lantern):
    written = chat(lantern, "why cant my son just quit", "1", "/sos", "/region AU", "/quit", "i want to die")
    assert written[0].startswith(lantern.ui("welcome").strip()[:40])
    assert "/quit" in written[1]
    assert written[-1] == lantern.ui("goodbye_console", region_code="AU")  # the goodbye gives AU's lines
    assert "13 11 14" in written[-1] and "000" in written[-1]
    # Nothing after /quit is answered.
    written = written[:-1]
    assert not any("13 11 14" in w for w in written)
    assert any("Australia" in w for w in written)


def test_run_console_ends_quietly_when_input_ends(lantern):
    written = chat(lantern, "hello")
    assert written[-1] == lantern.ui("goodbye_console")
    assert any(lantern.catalog.answers["greeting"].text.strip()[:30] in w for w in written)


# --- check-ins at the terminal ----------------------------------------------------------------


@pytest.fixture
def checkin_session(lantern, tmp_path, monkeypatch) -> ConsoleSession:
    from bot.config import Settings, StorageSettings

    monkeypatch.delenv("LANTERN_ID_KEY", raising=False)
    settings = Settings(storage=StorageSettings(path=tmp_path / "chat.sqlite3",
                                                chat_key_file=tmp_path / "key"))
    session = ConsoleSession(lantern, settings=settings)
    yield session
    session.close()


def test_a_checkin_at_the_terminal_is_saved_and_charted(checkin_session, tmp_path):
    first = checkin_session.handle("/checkin")
    assert "mood" in first.lower()
    checkin_session.handle("4")  # mood
    checkin_session.handle("0")  # no cravings
    done = checkin_session.handle("skip")
    assert "night" in done.lower()  # a streak or encouragement for the night, not a question
    chart = checkin_session.handle("/mood")
    assert "4" in chart and "No check-ins yet" not in chart
    assert (tmp_path / "chat.sqlite3").exists()


def test_sos_during_a_checkin_gives_the_help_lines_at_once(checkin_session):
    checkin_session.handle("/checkin")
    checkin_session.handle("2")
    out = checkin_session.handle("/sos")
    assert "988" in out and "911" in out


def test_a_crisis_typed_during_a_checkin_gets_the_crisis_reply(checkin_session):
    checkin_session.handle("/checkin")
    out = checkin_session.handle("i want to kill myself")
    assert "988" in out


def test_forget_at_the_terminal_deletes_saved_checkins(checkin_session, tmp_path):
    import sqlite3

    checkin_session.handle("/checkin")
    for line in ("3", "1", "skip"):
        checkin_session.handle(line)
    checkin_session.handle("/forget")
    with sqlite3.connect(tmp_path / "chat.sqlite3") as db:
        assert db.execute("select count(*) from checkins").fetchone()[0] == 0


def test_a_follow_up_is_understood_across_two_lines(session, lantern):
    """The console keeps one user key, so the second line is read against the first."""
    session.handle("i relapsed last night")
    out = session.handle("what about for him?")
    us = lantern.catalog.region("US").values()
    assert out.startswith(fill(lantern.catalog.answers["relapse"].for_family, us))
    first = lantern.catalog.answers["relapse"].follow_ups[0]
    assert session.handle("yes").startswith(fill(lantern.catalog.answers[first].text_for("family"), us))


def test_a_crisis_during_a_checkin_keeps_help_near_for_the_next_line(checkin_session, lantern):
    """Check-in lines reach the core under the session's key, so the follow-up after a crisis holds."""
    checkin_session.handle("/checkin")
    assert "988" in checkin_session.handle("i want to die")
    assert lantern.ui("still_here") in checkin_session.handle("what is naloxone")
