"""No text from the outsiders' sets in `../shared/eval_external/` is copied into `tests/data/`.

Their licences vary or are unstated, so the project measures with them and never copies them: a
labelled row that uses one names it (`source`, `source_id`, `fields`; see bot/evaluate.py) and the
text is read from the folder at run time. This test finds any run of `RUN` characters (case and
white space aside) that a file in `tests/data/` shares with any of those files. It skips when the
folder is absent (a checkout without `../shared`).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.evaluate import external_dir

DATA = Path(__file__).parent / "data"
pytestmark = pytest.mark.slow  # it reads about 13 MB of outside text
RUN = 60  # long enough that a common phrase ("what are the symptoms of ...") is no copy
CHUNK = RUN // 2  # a shared run of RUN characters holds a whole outside chunk of RUN // 2 (see shared_runs)
APART = "\x00"  # between cells and strings, so that no run spans two of them


def squeeze(text: str) -> str:
    """Case and white space aside: a copy whose line breaks were collapsed is still a copy."""
    return " ".join(text.casefold().split())


def outside_texts(root: Path) -> Iterator[tuple[str, str]]:
    """(file, its text squeezed): each CSV cell apart, other files whole."""
    csv.field_size_limit(10_000_000)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            if path.suffix == ".csv":
                cells = (cell for record in csv.reader(handle) for cell in record)
                yield str(path.relative_to(root)), APART.join(squeeze(cell) for cell in cells)
            else:
                yield str(path.relative_to(root)), squeeze(handle.read())


def strings_in(value: Any) -> Iterator[str]:
    """Every string in parsed YAML or JSON, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings_in(key)
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def our_text(path: Path) -> str:
    """A file of tests/data as the strings it holds (YAML quoting undone), squeezed."""
    raw = path.read_text(encoding="utf-8")
    if path.suffix in (".yaml", ".yml"):
        return APART.join(squeeze(s) for s in strings_in(yaml.safe_load(raw)))
    if path.suffix == ".json":
        return APART.join(squeeze(s) for s in strings_in(json.loads(raw)))
    return squeeze(raw)


class OutsideIndex:
    """The outside texts cut into chunks of CHUNK characters, each chunk mapped to where it is.

    Any run of RUN characters that another text shares with them holds a whole chunk, so looking
    up every position of that text finds it: linear in both sizes, the index built once.
    """

    def __init__(self, outside: list[tuple[str, str]]) -> None:
        self.outside = outside
        self.chunks: dict[str, list[tuple[int, int]]] = {}
        for number, (_, text) in enumerate(outside):
            for start in range(0, len(text) - CHUNK + 1, CHUNK):
                self.chunks.setdefault(text[start:start + CHUNK], []).append((number, start))

    def shared_runs(self, ours: str) -> list[tuple[str, str]]:
        """(outside file, the run) for each run of at least RUN characters `ours` shares."""
        found: list[tuple[str, str]] = []
        position = 0
        while position <= len(ours) - CHUNK:
            run = self._run_at(ours, position)
            if run is None:
                position += 1
                continue
            found.append(run[:2])
            position = run[2]
        return found

    def _run_at(self, ours: str, position: int) -> tuple[str, str, int] | None:
        for number, start in self.chunks.get(ours[position:position + CHUNK], ()):
            name, text = self.outside[number]
            before = 0
            while before < min(position, start) and ours[position - before - 1] == text[start - before - 1]:
                before += 1
            after = CHUNK
            while (position + after < len(ours) and start + after < len(text)
                   and ours[position + after] == text[start + after]):
                after += 1
            run = ours[position - before:position + after]
            if len(run) >= RUN and APART not in run:
                return name, run, position + after
        return None


@pytest.fixture(scope="module")
def outside() -> OutsideIndex:
    root = external_dir()
    if not root.is_dir():
        pytest.skip(f"{root} is absent: nothing to compare tests/data with")
    return OutsideIndex(list(outside_texts(root)))


def test_the_check_finds_a_copied_run_and_passes_a_short_one():
    index = OutsideIndex([("set/a.csv", APART.join(squeeze(c) for c in [
        "id", "My son has been clean for a year and I still check his arms when he hugs me goodnight."]))])
    copied = squeeze("A parent wrote: my son has been clean for a year\nand I still check his arms when he hugs me")
    assert [name for name, _ in index.shared_runs(copied)] == ["set/a.csv"]
    assert index.shared_runs(squeeze("My son has been clean for a year and I worry")) == []


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.iterdir() if p.is_file()))
def test_no_file_in_tests_data_copies_outside_text(outside: OutsideIndex, name: str) -> None:
    runs = outside.shared_runs(our_text(DATA / name))
    assert runs == [], (f"{name} copies {len(runs)} runs of {RUN}+ characters from eval_external, first from "
                        f"{runs[0][0]}: refer to the row instead (source, source_id, fields)")
