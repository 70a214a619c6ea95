"""Packaging: a wheel carries the shipped content and the `lantern` command.

`pip install .` must give a working bot on a fresh machine, so the wheel has to hold intents/ and
responses/ inside the package (`bot/_content/`, see bot/paths.py) and declare the console script.
Needs the build backend (hatchling) importable, because the wheel is built without isolation
(no network); skipped otherwise.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("hatchling") is None:
        pytest.skip("hatchling (the build backend) is not installed")
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(out), "."],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    wheels = list(out.glob("lantern_bot-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_the_wheel_carries_the_shipped_content(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "bot/_content/intents/topics.yaml" in names
    assert "bot/_content/intents/crisis.yaml" in names
    assert "bot/_content/responses/hotlines.yaml" in names
    assert "bot/_content/responses/crisis.yaml" in names
    assert "bot/_content/safety/safety_floor.yaml" in names  # the recall floor `validate` holds to
    assert "bot/_content/safety/safety_eval.yaml" in names
    assert "bot/cli.py" in names


def test_the_wheel_carries_only_what_validate_holds_the_content_to(wheel):
    """The floor file, the sets it names and the accuracy floor's held-out set: no other test data."""
    from bot.paths import DEFAULT_SAFETY_DIR, SAFETY_FLOOR
    from bot.validate import INTENT_EVAL, load_floor

    names = set(zipfile.ZipFile(wheel).namelist())
    carried = {n.removeprefix("bot/_content/safety/") for n in names if n.startswith("bot/_content/safety/")}
    assert carried == {SAFETY_FLOOR, INTENT_EVAL, *load_floor(DEFAULT_SAFETY_DIR / SAFETY_FLOOR)}


def test_the_wheel_declares_the_lantern_command(wheel):
    archive = zipfile.ZipFile(wheel)
    entry_points = next(n for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt"))
    text = archive.read(entry_points).decode()
    assert "[console_scripts]" in text
    assert "lantern = bot.cli:main" in text


def test_the_installed_package_finds_its_content_and_answers(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"  # not the checkout: only the installed copy can be imported
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    ran = subprocess.run([sys.executable, "-m", "bot", "ask", "--json", "i want to die"],
                         cwd=elsewhere, env=env, capture_output=True, text=True, check=False)
    assert ran.returncode == 0, ran.stderr
    row = json.loads(ran.stdout)
    assert row["kind"] == "crisis" and row["crisis"] == "suicide" and "988" in row["reply"]
    where = subprocess.run([sys.executable, "-c", "import bot.paths as p; print(p.DEFAULT_INTENTS_DIR)"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, check=True)
    assert Path(where.stdout.strip()) == site / "bot" / "_content" / "intents"
    validated = subprocess.run([sys.executable, "-m", "bot", "validate"],
                               cwd=elsewhere, env=env, capture_output=True, text=True, check=False)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "floor not checked" not in validated.stdout  # the archived safety sets came with it
    # Both say which content they use, and that it is the installed package's own copy.
    installed = site / "bot" / "_content"
    assert validated.stdout.startswith(f"checking content from {installed / 'intents'} and "
                                       f"{installed / 'responses'} (the copy installed with the package")
    assert ran.stderr.startswith(f"lantern: content from {installed / 'intents'}")
    assert "OPERATING.md section 1" in ran.stderr
