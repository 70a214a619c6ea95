"""render.py: what goes over the wire is escaped, within Telegram's limits, and split sensibly.

Each rendered message is also run through the fake server's own checks (the ones Telegram
applies), so "valid" here means "Telegram would accept it", not "looks right to us".
"""

from __future__ import annotations

import json

import pytest
from telegram import InlineKeyboardMarkup

from bot.replies import Reply, Suggestion
from bot.telegram import render
from tests.fake_bot_api import check_keyboard, check_text


def accepted(message: render.OutgoingMessage) -> str:
    """What the user would see, or the test fails with Telegram's refusal."""
    shown = check_text(message.html, "HTML")
    if message.keyboard is not None:
        check_keyboard(message.keyboard.to_dict())
    return shown


def test_user_and_core_text_is_escaped_and_shown_verbatim() -> None:
    text = 'Is <b>this</b> & "that" <script>alert(1)</script> safe? 5 < 6 > 4'
    (message,) = render.render_text(text)
    assert "<b>" not in message.html and "<script>" not in message.html
    assert accepted(message) == text


def test_sources_go_in_a_small_final_line() -> None:
    reply = Reply(kind="answer", text="About naloxone.", sources=("SAMHSA <2024>", "NIDA"))
    (message,) = render.render_reply(reply)
    assert message.html.endswith("<i>Sources: SAMHSA &lt;2024&gt;; NIDA</i>")
    assert accepted(message) == "About naloxone.\n\nSources: SAMHSA <2024>; NIDA"


def test_follow_ups_become_buttons_on_the_last_message_only() -> None:
    long_text = "\n\n".join(f"Paragraph {i}. " + "word " * 300 for i in range(6))
    reply = Reply(kind="answer", text=long_text,
                  suggestions=(Suggestion("naloxone_use", "How do I use naloxone?"),
                               Suggestion("talk_to_family", "Talking to family")))
    messages = render.render_reply(reply)
    assert len(messages) > 1
    assert all(m.keyboard is None for m in messages[:-1])
    last = messages[-1]
    assert last.keyboard is not None
    assert [[b.text for b in row] for row in last.keyboard.inline_keyboard] == [
        ["How do I use naloxone?"], ["Talking to family"]]
    assert [b.callback_data for row in last.keyboard.inline_keyboard for b in row] == [
        "a:naloxone_use", "a:talk_to_family"]
    for message in messages:
        accepted(message)


def test_callback_data_within_64_bytes_or_refused_at_build_time() -> None:
    assert render.callback_data("a", "x" * 62) == "a:" + "x" * 62
    with pytest.raises(ValueError):
        render.callback_data("a", "x" * 63)
    with pytest.raises(ValueError):
        render.callback_data("a", "é" * 32)  # 64 bytes of UTF-8 plus the prefix
    with pytest.raises(ValueError):
        render.callback_data("a", "")


def test_a_button_whose_id_cannot_fit_is_dropped_not_the_reply() -> None:
    reply = Reply(kind="answer", text="Hello",
                  suggestions=(Suggestion("x" * 80, "Too long"), Suggestion("ok", "Fine")))
    (message,) = render.render_reply(reply)
    assert message.keyboard is not None
    assert [b.text for row in message.keyboard.inline_keyboard for b in row] == ["Fine"]
    accepted(message)


def test_parse_callback() -> None:
    assert render.parse_callback("a:naloxone") == ("a", "naloxone")
    assert render.parse_callback("a:") == ("", "")
    assert render.parse_callback(None) == ("", "")


def test_short_text_is_one_message() -> None:
    assert render.split_text("One.\n\nTwo.") == ["One.\n\nTwo."]


def test_long_text_splits_at_paragraph_boundaries() -> None:
    paragraphs = [f"Paragraph {i}: " + "x" * 1500 for i in range(5)]
    pieces = render.split_text("\n\n".join(paragraphs))
    assert pieces == ["\n\n".join(paragraphs[0:2]), "\n\n".join(paragraphs[2:4]), paragraphs[4]]


def test_a_paragraph_longer_than_a_message_splits_at_sentences_then_words() -> None:
    sentence = "This is one sentence of a very long paragraph. "
    paragraph = (sentence * 200).strip()
    pieces = render.split_text(paragraph)
    assert len(pieces) == 3
    assert all(render.utf16_length(p) <= render.MAX_MESSAGE_LENGTH for p in pieces)
    assert all(p.endswith(".") for p in pieces)
    assert " ".join(pieces) == paragraph


def test_a_single_huge_word_is_cut_but_never_inside_an_emoji() -> None:
    word = "🕯" * 3000  # each counts as 2 UTF-16 units for Telegram
    pieces = render.split_text(word)
    assert "".join(pieces) == word
    assert [render.utf16_length(p) for p in pieces] == [4096, 1904]


@pytest.mark.parametrize("size", [4096, 4097, 9000, 20000])
def test_every_split_message_is_accepted_by_telegram(size: int) -> None:
    text = ("Line with <angle brackets> & ampersands.\n" * 1000)[:size]
    messages = render.render_text(text)
    shown = [accepted(m) for m in messages]
    assert "\n".join(shown).replace("\n", "") == text.strip().replace("\n", "")


def test_escaping_does_not_count_against_the_limit() -> None:
    text = "&" * 4096  # 20 KB of HTML once escaped, still 4096 characters on screen
    (message,) = render.render_text(text)
    assert accepted(message) == text


def test_footnote_gets_its_own_message_when_the_last_one_is_full() -> None:
    messages = render.render_text("y" * 4090, footnote="Sources: NIDA")
    assert [accepted(m) for m in messages] == ["y" * 4090, "Sources: NIDA"]


def test_region_and_confirm_keyboards_are_valid() -> None:
    regions = {"US": "United States", "GB": "United Kingdom", "IE": "Ireland"}
    keyboard = render.region_keyboard(regions)
    assert [[b.callback_data for b in row] for row in keyboard.inline_keyboard] == [["r:US", "r:GB"], ["r:IE"]]
    check_keyboard(keyboard.to_dict())
    confirm = render.confirm_keyboard("Yes, forget me", "Cancel")
    assert [b.callback_data for b in confirm.inline_keyboard[0]] == [render.FORGET_YES, render.FORGET_NO]


def test_a_keyboard_goes_over_the_wire_exactly_as_ptb_would_send_it() -> None:
    keyboard = render.suggestion_keyboard([Suggestion("a_topic", "A topic"), Suggestion("b_topic", "Ünïcode <b>")])
    assert keyboard is not None
    wire = render.keyboard_json(keyboard)
    assert wire == json.dumps(keyboard.to_dict())  # what PTB's RequestParameter makes of reply_markup=
    assert InlineKeyboardMarkup.de_json(json.loads(wire), None) == keyboard
    check_keyboard(json.loads(wire))
    assert render.keyboard_json(render.suggestion_keyboard([Suggestion("a_topic", "A topic"),
                                                            Suggestion("b_topic", "Ünïcode <b>")])) is wire
