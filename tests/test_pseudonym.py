"""User keys are pseudonyms: stable, secret-keyed, and the secret must be there and strong."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from bot.errors import LanternError
from bot.pseudonym import MIN_KEY_CHARS, Pseudonyms, id_key_for_chat, id_key_from_env, user_key

STRONG = "x" * MIN_KEY_CHARS + "-strong-enough"


def test_the_same_user_and_secret_always_give_the_same_key():
    assert user_key(b"secret-one-0123456789", 42) == user_key(b"secret-one-0123456789", 42)
    assert user_key(b"secret-one-0123456789", 42) != user_key(b"secret-one-0123456789", 43)
    assert user_key(b"secret-one-0123456789", 42) != user_key(b"secret-two-0123456789", 42)
    key = user_key(b"secret-one-0123456789", 42)
    assert len(key) == 64 and set(key) <= set("0123456789abcdef")
    assert key != hashlib.sha256(b"42").hexdigest()  # a plain hash of an id could be reversed by guessing


def test_a_missing_key_is_a_clear_error_that_says_how_to_make_one():
    with pytest.raises(LanternError, match=r"LANTERN_ID_KEY is not set.*secrets\.token_hex"):
        id_key_from_env({})
    with pytest.raises(LanternError, match="LANTERN_ID_KEY is not set"):
        id_key_from_env({"LANTERN_ID_KEY": "   "})


def test_a_short_key_is_refused():
    with pytest.raises(LanternError, match="too short"):
        id_key_from_env({"LANTERN_ID_KEY": "abc"})
    assert id_key_from_env({"LANTERN_ID_KEY": STRONG}) == STRONG.encode()


def test_chat_generates_a_private_key_file_once_and_reuses_it(tmp_path: Path):
    key_file = tmp_path / "config" / ".lantern_id_key"
    first = id_key_for_chat(key_file, {})
    assert key_file.exists() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert id_key_for_chat(key_file, {}) == first and len(first) >= MIN_KEY_CHARS


def test_chat_uses_the_environment_key_when_set(tmp_path: Path):
    key_file = tmp_path / ".lantern_id_key"
    assert id_key_for_chat(key_file, {"LANTERN_ID_KEY": STRONG}) == STRONG.encode()
    assert not key_file.exists()


def test_a_damaged_key_file_is_reported_not_replaced(tmp_path: Path):
    key_file = tmp_path / ".lantern_id_key"
    key_file.write_text("short\n")
    with pytest.raises(LanternError, match=str(key_file)):
        id_key_for_chat(key_file, {})
    assert key_file.read_text() == "short\n"


def test_pseudonyms_keep_their_secret_out_of_sight():
    pseudonyms = Pseudonyms.from_env({"LANTERN_ID_KEY": STRONG})
    assert pseudonyms.key_for(42) == user_key(STRONG.encode(), 42)
    assert STRONG not in repr(pseudonyms) and STRONG not in str(pseudonyms)


def test_keys_for_a_process_differ_from_one_process_to_the_next():
    assert Pseudonyms.for_process().key_for(42) != Pseudonyms.for_process().key_for(42)


def test_the_chat_key_file_gives_the_same_keys_every_session(tmp_path: Path):
    first = Pseudonyms.for_chat(tmp_path / "key", {}).key_for(0)
    assert Pseudonyms.for_chat(tmp_path / "key", {}).key_for(0) == first
