"""YAML loading that remembers where things were written, so every problem names file and line.

Only safe YAML; a mapping becomes `LineDict` and a list `LineList`, each knowing the line of
each of its keys or items.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.errors import LanternError


class LineDict(dict):
    """A dict that knows the 1-based line of each key (`lines[key]`) and of itself (`line`)."""

    line: int = 1
    lines: dict[Any, int]


class LineList(list):
    """A list that knows the 1-based line of each item (`lines[i]`) and of itself (`line`)."""

    line: int = 1
    lines: list[int]


# libyaml's C parser when PyYAML was built with it (the PyPI wheels are): about ten times faster,
# which keeps a live reload well under the operator's patience.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_Base):  # type: ignore[misc, valid-type]
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:  # type: ignore[override]
        mapping = LineDict(super().construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1
        mapping.lines = {self.construct_object(k, deep=True): k.start_mark.line + 1 for k, _ in node.value}
        return mapping

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> LineList:  # type: ignore[override]
        items = LineList(super().construct_sequence(node, deep=True))
        items.line = node.start_mark.line + 1
        items.lines = [child.start_mark.line + 1 for child in node.value]
        return items


# Content is words: "on", "no", "yes", "off" in a stopword list are words, not YAML 1.1 booleans.
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag != "tag:yaml.org,2002:bool" or first not in "yYnNoO"]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _LineLoader.construct_sequence)


def load_yaml(path: Path) -> Any:
    """Parse one file; any failure becomes `file:line: message` (never a traceback)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = exc.object[:exc.start].count(b"\n") + 1
        raise LanternError(f"{path}:{line}: not UTF-8 text ({exc.reason}); save the file as UTF-8") from exc
    except OSError as exc:
        raise LanternError(f"{path}:1: cannot read ({exc.strerror})") from exc
    try:
        return yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise LanternError(f"{path}:{line}: YAML syntax error: {problem}") from exc


def line_of(node: Any, path: tuple[Any, ...]) -> int:
    """The line of the deepest node along `path` that we know (pydantic error locations)."""
    line = getattr(node, "line", 1)
    for key in path:
        if isinstance(node, LineDict) and key in node:
            line = node.lines.get(key, line)
            node = node[key]
        elif isinstance(node, LineList) and isinstance(key, int) and 0 <= key < len(node):
            line = node.lines[key]
            node = node[key]
        else:
            break
    return line


Model = TypeVar("Model", bound=BaseModel)


def validated(model: type[Model], raw: Any, path: Path) -> Model:
    """`model` from `raw`, or a LanternError naming the file and line of the first problem."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise LanternError(f"{path}:{line_of(raw, tuple(first['loc']))}: {where}: {first['msg']}") from exc
