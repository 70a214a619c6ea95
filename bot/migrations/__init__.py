"""The numbered SQL files that build Lantern's SQLite schema, in order.

`0001_initial.sql` is schema version 1, `0002_*.sql` version 2, and so on; the store records the
version in `PRAGMA user_version`. A shipped file is never edited: a change is a new file.
The files are package data (wheels must include `bot/migrations/*.sql`).
Not for applying them: that is `bot.store`, which owns the connection and its transactions.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from importlib import resources

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations() -> tuple[Migration, ...]:
    """Every migration shipped with this package, checked to be numbered 1, 2, 3... with no gaps.

    A gap or a duplicate is a packaging bug; it is reported here rather than as a half-built
    schema in somebody's database.
    """
    found: list[Migration] = []
    for entry in resources.files(__package__).iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    expected = list(range(1, len(found) + 1))
    if [m.version for m in found] != expected:
        names = ", ".join(m.name for m in found) or "none"
        raise RuntimeError(f"bot/migrations: files must be numbered 0001, 0002, ... without gaps (found: {names})")
    return tuple(found)


def statements(sql: str) -> list[str]:
    """Split a migration into single statements, so each runs inside the store's own transaction.

    `sqlite3.executescript` would COMMIT first and could not be rolled back as one unit.
    """
    parts: list[str] = []
    pending = ""
    for line in sql.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            if _has_code(pending):
                parts.append(pending.strip())
            pending = ""
    if _has_code(pending):
        raise RuntimeError(f"migration ends with an incomplete statement: {pending.strip()[:60]!r}")
    return parts


def _has_code(sql: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in sql.splitlines())
