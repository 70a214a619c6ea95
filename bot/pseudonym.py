"""Pseudonymous user keys: who a user is to Lantern, without their Telegram id ever being stored.

A user key is HMAC-SHA256(secret, telegram user id) in hex. Without the secret the key cannot be
turned back into an id (Telegram ids are few enough to guess, so a plain hash would not do).
The secret comes from `LANTERN_ID_KEY`; `lantern chat` may instead use a key file it generates
once per install. `Pseudonyms` holds the secret and makes the keys; nothing else holds it (the
store only sees keys, so the operators' tools open it with no secret at all).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import ID_KEY_ENV
from bot.errors import LanternError

# Shorter secrets can be brute-forced together with the small space of Telegram ids.
MIN_KEY_CHARS = 16
_HOW_TO_MAKE_ONE = 'python -c "import secrets; print(secrets.token_hex(32))"'


# Every message needs its sender's key, often twice (the check-in handler, then the reply path):
# the recent users' keys are kept rather than recomputed. Only in this process's memory, which
# holds the secret and the ids anyway; bounded, so many users cannot grow it.
@functools.lru_cache(maxsize=4096)
def user_key(id_key: bytes, user_id: int | str) -> str:
    """The stable pseudonym for one user: the same id and secret always give the same key."""
    return hmac.new(id_key, str(user_id).encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Pseudonyms:
    """Who a user is to Lantern: their key, made from their platform id under this install's secret.

    The secret never shows in a repr, a log line or an error.
    """

    secret: bytes = field(repr=False)

    def key_for(self, user_id: int | str) -> str:
        return user_key(self.secret, user_id)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Pseudonyms:
        """`lantern run`'s: the secret from LANTERN_ID_KEY (missing or weak: a LanternError to act on)."""
        return cls(id_key_from_env(environ))

    @classmethod
    def for_chat(cls, key_file: Path, environ: Mapping[str, str] = os.environ) -> Pseudonyms:
        """`lantern chat`'s: the environment's secret, else the per-install key file."""
        return cls(id_key_for_chat(key_file, environ))

    @classmethod
    def for_process(cls) -> Pseudonyms:
        """Keys that mean something only while this process runs (a bot without a configured secret)."""
        return cls(secrets.token_bytes(32))


def id_key_from_env(environ: Mapping[str, str] = os.environ) -> bytes:
    """The secret for `lantern run`; a missing or weak one is an operator error, said plainly."""
    raw = environ.get(ID_KEY_ENV, "").strip()
    if not raw:
        raise LanternError(
            f"{ID_KEY_ENV} is not set. Lantern needs a secret to make pseudonymous user keys; "
            f"create one with {_HOW_TO_MAKE_ONE} and keep it: changing it orphans everyone's check-ins."
        )
    return _checked(raw, where=ID_KEY_ENV)


def id_key_for_chat(key_file: Path, environ: Mapping[str, str] = os.environ) -> bytes:
    """The secret for `lantern chat`: the environment if set, else a per-install generated file.

    The file is created once, readable by its owner only, and reused so that check-ins made in
    the console stay attached to the same pseudonymous user.
    """
    if environ.get(ID_KEY_ENV, "").strip():
        return id_key_from_env(environ)
    try:
        return _checked(key_file.read_text(encoding="utf-8").strip(), where=str(key_file))
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise LanternError(f"{key_file}: cannot read the id key file ({exc.strerror})") from exc
    generated = secrets.token_hex(32)
    try:
        key_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return id_key_for_chat(key_file, environ)
    except OSError as exc:
        raise LanternError(f"{key_file}: cannot create the id key file ({exc.strerror})") from exc
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(generated + "\n")
    return generated.encode("utf-8")


def _checked(raw: str, *, where: str) -> bytes:
    if len(raw) < MIN_KEY_CHARS:
        raise LanternError(
            f"{where}: the id key is too short ({len(raw)} characters, need at least {MIN_KEY_CHARS}); "
            f"create one with {_HOW_TO_MAKE_ONE}"
        )
    return raw.encode("utf-8")
