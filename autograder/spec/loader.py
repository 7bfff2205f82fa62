"""Reading assignment.yaml (and the library's YAML files beside it): YAML to models, with every
problem explained by file and line, field path (named by the problems' and cases' names:
`problems[forward].cases[random].call`) and reason.

The YAML is composed once with its line marks: `YamlDocument.lines` maps each field's path to
the line it is written on, so a model error, and any later check of the loaded spec
(`validation.py`), points at the line to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .models import AssignmentSpec


class SpecError(Exception):
    """A spec file that cannot be used; the message names the file and line, the field and why."""


# libyaml's safe loader when PyYAML was built with it: a tenth of the time of the pure-Python one.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"

Loc = tuple[str | int, ...]  # a path into the YAML data: ("problems", 0, "cases", 2, "call")


@dataclass(frozen=True)
class YamlDocument:
    path: Path
    data: Any
    lines: dict[Loc, int]  # 1-based line of each mapping key and sequence item, by path

    def line(self, loc: Loc) -> int:
        """The line of `loc`, or of its nearest ancestor that is written (a missing field's mapping)."""
        for end in range(len(loc), 0, -1):
            if loc[:end] in self.lines:
                return self.lines[loc[:end]]
        return 1

    def problem(self, loc: Loc, reason: str) -> str:
        """`FILE:LINE: FIELD: REASON`, the form every problem with a YAML file takes."""
        return f"{self.path}:{self.line(loc)}: {field_name(self.data, loc)}: {reason}"


def read_yaml(path: Path) -> YamlDocument:
    """The file's data with the line of every field; a key written twice in one mapping is an
    error (YAML would silently keep the last)."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise SpecError(f"{path}: cannot read: {exc.strerror}") from None
    loader = _SAFE_LOADER(text)
    try:
        node = loader.get_single_node()
        lines: dict[Loc, int] = {}
        duplicates: list[str] = []
        if node is not None:
            _mark(node, (), lines, duplicates, set())
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise SpecError(f"{path}{line}: not valid YAML: {exc}") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: not valid YAML: {exc}") from None
    finally:
        loader.dispose()
    document = YamlDocument(path, data, lines)
    if duplicates:
        raise SpecError(problems_message(path, [document.problem(loc, reason) for loc, reason in duplicates]))
    return document


def _mark(node: yaml.Node, loc: Loc, lines: dict[Loc, int], duplicates: list, open_nodes: set[int]) -> None:
    if id(node) in open_nodes:  # a recursive alias
        return
    open_nodes.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE_TAG:
                continue
            key, line = key_node.value, key_node.start_mark.line + 1
            if key in seen:
                duplicates.append((loc + (key,), f"written twice (first on line {seen[key]}); YAML keeps only "
                                                 "the last"))
            seen.setdefault(key, line)
            lines[loc + (key,)] = line
            _mark(value_node, loc + (key,), lines, duplicates, open_nodes)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[loc + (i,)] = item.start_mark.line + 1
            _mark(item, loc + (i,), lines, duplicates, open_nodes)
    open_nodes.discard(id(node))


def read_spec(path: Path) -> tuple[AssignmentSpec, YamlDocument]:
    """The spec and its YAML with line marks, for the checks that need the other files."""
    document = read_yaml(path)
    if not isinstance(document.data, dict):
        raise SpecError(f"{path}: the spec must be a mapping of fields, got {type(document.data).__name__}")
    try:
        return AssignmentSpec.model_validate(document.data), document
    except ValidationError as exc:
        raise SpecError(problems_message(path, model_problems(document, exc), "spec")) from None


def load_spec(path: Path) -> AssignmentSpec:
    return read_spec(path)[0]


def model_problems(document: YamlDocument, exc: ValidationError) -> list[str]:
    """One `FILE:LINE: FIELD: REASON` per error of a model validated from `document`."""
    # A value that matches no member of a union (a dimension: int or str) has one error per
    # member, at the same place: one problem, the reasons joined.
    reasons: dict[Loc, list[str]] = {}
    got: dict[Loc, str] = {}
    for err in exc.errors():
        loc = data_path(document.data, err["loc"])
        reasons.setdefault(loc, []).append(err["msg"])
        if "input" in err and not isinstance(err["input"], (dict, list)):
            got[loc] = f" (got {err['input']!r})"
    in_file_order = sorted(reasons, key=document.line)
    return [document.problem(loc, "; or ".join(reasons[loc]) + got.get(loc, "")) for loc in in_file_order]


def problems_message(path: Path, problems: list[str], what: str = "file") -> str:
    """A header naming the file and how many problems it has, then one problem per line."""
    return "\n".join([f"{path}: {len(problems)} problem(s) in the {what}", *(f"  {p}" for p in problems)])


def data_path(data: Any, loc: tuple) -> Loc:
    """A pydantic error location as a path into the data: the hops pydantic adds for union
    members (a comparator's 'allclose', a dimension's 'int' or 'str') are not in the YAML."""
    out: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out.append(part)
            node = node[part] if isinstance(node, list) and part < len(node) else None
            continue
        if isinstance(node, dict) and part in node:
            out.append(part)
            node = node[part]
        elif isinstance(node, dict) and i == len(loc) - 1:
            out.append(part)  # a required field that is missing: its mapping's line
            node = None
        # else: a union member's tag, not a field
    return tuple(out)


def field_name(data: Any, loc: Loc) -> str:
    """problems[0].cases[2].compare.rtol with names: problems[forward].cases[r_equals_n].compare.rtol."""
    out, node = "", data
    for part in loc:
        if isinstance(part, int):
            label: str | int = part
            if isinstance(node, list) and part < len(node):
                item = node[part]
                if isinstance(item, dict) and isinstance(item.get("name"), str):
                    label = item["name"]
                node = item
            else:
                node = None
            out += f"[{label}]"
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out or "(top level)"
