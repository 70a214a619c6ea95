"""Shared fixtures for the core tests: the shipped content loaded once, a fresh `Lantern` over it
per test (so one test's crisis follow-ups never leak into another), and editable copies of the
shipped content for the loading and validation tests.

The Telegram tests use the same `catalog` and `lantern` (one content load per test process).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

import bot.core
from bot.catalog import Catalog
from bot.config import MatchingSettings
from bot.content import load_catalog
from bot.core import Lantern
from bot.paths import DEFAULT_INTENTS_DIR, DEFAULT_RESPONSES_DIR


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The shipped content, loaded once: the catalog every user of Lantern gets."""
    return load_catalog(DEFAULT_INTENTS_DIR, DEFAULT_RESPONSES_DIR, MatchingSettings())


@pytest.fixture
def lantern(catalog: Catalog) -> Lantern:
    """A fresh core over the shipped catalog: no user has had a crisis reply yet."""
    return Lantern(catalog, "US")


@dataclass
class ContentCopy:
    """A copy of the shipped `intents/` and `responses/` folders that a test may edit."""

    root: Path

    @property
    def intents(self) -> Path:
        return self.root / "intents"

    @property
    def responses(self) -> Path:
        return self.root / "responses"

    def edit(self, relative: str, old: str, new: str) -> Path:
        """Replace the one occurrence of `old` in a file; fails loudly if the shipped text moved."""
        path = self.root / relative
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"expected exactly one {old!r} in {relative}; the shipped content changed"
        path.write_text(text.replace(old, new), encoding="utf-8")
        return path

    def line_of(self, relative: str, needle: str) -> int:
        """The 1-based line of the first line holding `needle`: where an operator would look."""
        for number, line in enumerate((self.root / relative).read_text(encoding="utf-8").splitlines(), 1):
            if needle in line:
                return number
        raise AssertionError(f"{needle!r} not found in {relative}")


def copy_shipped_content(root: Path) -> ContentCopy:
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(DEFAULT_INTENTS_DIR, root / "intents")
    shutil.copytree(DEFAULT_RESPONSES_DIR, root / "responses")
    return ContentCopy(root)


@pytest.fixture
def content_copy(tmp_path: Path) -> ContentCopy:
    """A fresh, editable copy of the shipped content in this test's tmp_path."""
    return copy_shipped_content(tmp_path / "content")


@pytest.fixture(scope="session")
def make_content_copy(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], ContentCopy]:
    """For module-scoped fixtures: a named, editable copy of the shipped content."""
    return lambda name: copy_shipped_content(tmp_path_factory.mktemp(name) / "content")


@pytest.fixture
def shipped_content_cached(monkeypatch: pytest.MonkeyPatch, catalog: Catalog) -> None:
    """`Lantern.from_settings` reuses the session's catalog for the shipped folders.

    Only the loading is shortened (the CLI tests would otherwise load the same content once per
    command); any other folder still goes through the real loader.
    """
    real_try_load = bot.core.try_load

    def try_load(intents_dir: Path, responses_dir: Path, matching: MatchingSettings) -> Catalog | None:
        shipped = Path(intents_dir) == DEFAULT_INTENTS_DIR and Path(responses_dir) == DEFAULT_RESPONSES_DIR
        if shipped and matching == MatchingSettings():
            return catalog
        return real_try_load(intents_dir, responses_dir, matching)

    monkeypatch.setattr(bot.core, "try_load", try_load)


@dataclass(frozen=True)
class CheckinPoint:
    """One night's check-in as the mood chart and picture read it (the store's rows carry more)."""

    night: date
    mood: int
    craving: int
