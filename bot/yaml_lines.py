"""YAML loading that remembers where things were written, so every problem names file and line.

Only safe YAML; a mapping becomes `LineDict` and a list `LineList`, each knowing the line of
each of its keys or items. A key written twice in one mapping is an error at its second line
(YAML itself would keep the second and drop the first without a word). `validated` is the one
place a pydantic model's errors become `file:line: message` lines, every error at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from bot.errors import LanternError


class FileProblems(LanternError):
    """What is wrong with one or more files: `problems` holds every `file:line: message` found."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


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
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        # (key, its line, the line it was first written at), for every key written twice.
        self.duplicates: list[tuple[Any, int, int]] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:  # type: ignore[override]
        self._note_duplicates(node)
        mapping = LineDict(super().construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1
        mapping.lines = {self.construct_object(k, deep=True): k.start_mark.line + 1 for k, _ in node.value}
        return mapping

    def _note_duplicates(self, node: yaml.MappingNode) -> None:
        """Keys written twice in this mapping (merge keys `<<` may override, as YAML intends)."""
        first: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                if key in first:
                    self.duplicates.append((key, line, first[key]))
                else:
                    first[key] = line
            except TypeError:  # an unhashable key: the constructor refuses it with its own message
                continue

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


def load_yaml(path: Path, problems: list[str] | None = None) -> Any:
    """Parse one file; any failure is a `FileProblems` of `file:line: message` (never a traceback).

    Keys written twice are errors too. With a `problems` list they are added to it and the data
    is returned, so a caller can go on checking the rest of the file and report everything at once.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = exc.object[:exc.start].count(b"\n") + 1
        raise FileProblems([f"{path}:{line}: not UTF-8 text ({exc.reason}); save the file as UTF-8"]) from exc
    except OSError as exc:
        raise FileProblems([f"{path}:1: cannot read ({exc.strerror})"]) from exc
    loader = _LineLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise FileProblems([f"{path}:{line}: YAML syntax error: {problem}"]) from exc
    finally:
        loader.dispose()
    twice = [f"{path}:{line}: duplicate key '{key}' (already at line {first}): YAML keeps only the last one, "
             "so merge the two or rename one" for key, line, first in sorted(loader.duplicates, key=lambda d: d[1])]
    if twice and problems is None:
        raise FileProblems(twice)
    if problems is not None:
        problems.extend(twice)
    return data


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

# YAML reads `a: b` inside an unquoted list item as a mapping; regexes with "(?: " often hit this.
_QUOTE_HINT = " (YAML read this line as 'key: value': put text that contains ': ' in single quotes)"


def validated(model: type[Model], raw: Any, path: Path, root: Any = None, prefix: tuple[Any, ...] = ()) -> Model:
    """`model` from `raw`, or a `FileProblems` with every error at its line in `path`.

    `raw` is the whole file, or the part of `root` (the whole file) found at `prefix`. An empty
    file (None) for a model that needs fields is one error naming the file and what it lacks.
    """
    if raw is None and root is None:
        needed = [name for name, info in model.model_fields.items() if info.is_required()]
        if needed:
            raise FileProblems([f"{path}:1: file is empty: it needs {', '.join(needed)}"])
        raw = {}
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        root = raw if root is None else root
        raise FileProblems([_problem(model, error, path, root, prefix) for error in exc.errors()]) from exc


def _problem(model: type[BaseModel], error: Any, path: Path, root: Any, prefix: tuple[Any, ...]) -> str:
    loc = tuple(error["loc"])
    line = line_of(root, prefix + loc)
    where = ".".join(str(p) for p in prefix + loc)
    if error["type"] == "extra_forbidden":
        allowed = _fields_at(model, loc[:-1])
        expected = f" (expected one of {', '.join(allowed)})" if allowed else ""
        return f"{path}:{line}: unknown key '{where}'{expected}"
    hint = _QUOTE_HINT if error["type"] == "string_type" and isinstance(error["input"], dict) else ""
    return f"{path}:{line}: {where + ': ' if where else ''}{error['msg']}{hint}"


def _fields_at(model: Any, loc: tuple[Any, ...]) -> list[str]:
    """The field names of the model found at `loc` inside `model`, for an unknown key's message."""
    for key in loc:
        if isinstance(model, type) and issubclass(model, BaseModel):
            info = model.model_fields.get(str(key))
            if info is None:
                return []
            model = info.annotation
        else:  # a list, dict or optional: step into what it holds
            model = _held(model)
        model = _unwrap(model)
    return list(model.model_fields) if isinstance(model, type) and issubclass(model, BaseModel) else []


def _held(annotation: Any) -> Any:
    args = get_args(annotation)
    return args[-1] if args else annotation


def _unwrap(annotation: Any) -> Any:
    """`X | None` -> X."""
    if get_origin(annotation) is Union or type(annotation).__name__ == "UnionType":
        args = [a for a in get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation
