"""Reading assignment.yaml: YAML to `AssignmentSpec`, with every problem explained by file,
field path (named by the problems' and cases' names) and reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .models import AssignmentSpec


class SpecError(Exception):
    """A spec file that cannot be used; the message names the file, the field and why."""


# libyaml's safe loader when PyYAML was built with it: a tenth of the time of the pure-Python one.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_spec(path: Path) -> AssignmentSpec:
    path = Path(path)
    try:
        data = yaml.load(path.read_text(), Loader=_SAFE_LOADER)  # noqa: S506 (a safe loader)
    except OSError as exc:
        raise SpecError(f"{path}: cannot read spec: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise SpecError(f"{path}: the spec must be a mapping of fields, got {type(data).__name__}")
    try:
        return AssignmentSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(_describe(path, data, exc)) from None


def _describe(path: Path, data: dict, exc: ValidationError) -> str:
    lines = [f"{path}: {exc.error_count()} problem(s) in the spec"]
    for err in exc.errors():
        loc = _readable_loc(data, err["loc"])
        got = f" (got {err['input']!r})" if "input" in err and not isinstance(err["input"], dict) else ""
        lines.append(f"  {loc}: {err['msg']}{got}")
    return "\n".join(lines)


def _readable_loc(data: Any, loc: tuple) -> str:
    """problems[0].cases[2].compare.rtol, with names: problems[forward].cases[r_equals_n]."""
    out, node = "", data
    for part in loc:
        if isinstance(part, int):
            label = part
            if isinstance(node, list) and part < len(node):
                item = node[part]
                if isinstance(item, dict) and isinstance(item.get("name"), str):
                    label = item["name"]
                node = item
            else:
                node = None
            out += f"[{label}]"
        else:
            # pydantic reports union members by their tag (e.g. 'allclose'); skip those hops.
            if isinstance(node, dict) and part not in node and node.get("kind") == part:
                continue
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out or "(top level)"
