"""Check-ins in progress, by user key, in memory only: an unkept note is never written anywhere.

Not pickled (PTB persistence keeps none), and an unfinished check-in is dropped after `SESSION_TTL`.
Each session has a short token that its buttons carry, so a press on an older check-in's question
is told it has expired instead of answering the new one.
"""

from __future__ import annotations

import secrets
import time as monotonic_clock
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.checkin.flow import CheckinFlow

# An unfinished check-in (and any note typed into it) is dropped after this long.
SESSION_TTL = timedelta(minutes=30)


@dataclass
class Session:
    """One open check-in. `shown` is the front end's handle on the question on screen (a Telegram
    message id), so it can take the buttons off a question that has moved on."""

    flow: CheckinFlow
    token: str
    shown: int | None = None
    started: float = field(default_factory=monotonic_clock.monotonic)


class CheckinSessions:
    """Check-ins in progress by user key."""

    def __init__(self, ttl: timedelta = SESSION_TTL) -> None:
        self._ttl = ttl.total_seconds()
        self._by_user: dict[str, Session] = {}

    def begin(self, user_key: str, flow: CheckinFlow) -> Session:
        self._drop_expired()  # abandoned check-ins (and their unkept notes) do not pile up
        session = Session(flow, secrets.token_hex(3))
        self._by_user[user_key] = session
        return session

    def get(self, user_key: str) -> Session | None:
        session = self._by_user.get(user_key)
        if session is not None and self._expired(session):
            del self._by_user[user_key]
            return None
        return session

    def end(self, user_key: str) -> Session | None:
        return self._by_user.pop(user_key, None)

    def _expired(self, session: Session) -> bool:
        return monotonic_clock.monotonic() - session.started > self._ttl

    def _drop_expired(self) -> None:
        for user_key in [k for k, s in self._by_user.items() if self._expired(s)]:
            del self._by_user[user_key]

    def __len__(self) -> int:
        return len(self._by_user)

    def __getstate__(self) -> dict[str, Any]:
        return {"_ttl": self._ttl, "_by_user": {}}
