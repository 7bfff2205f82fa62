"""What a file's name says it is, once what a browser did to it is undone."""

from __future__ import annotations

import re

CODE_SUFFIXES = (".py", ".ipynb")
# What a browser appends to a code file it does not know: Safari's `conv1D.py.txt`,
# `q_linearized_features.ipynb.json`. The code file's own name is before it.
_ADDED_EXTENSION = re.compile(r"^(?P<name>.+\.(?:py|ipynb))\.(?:txt|json)$", re.IGNORECASE)


def own_name(name: str) -> str:
    """`name` without an extension a browser added to a code file's (`conv1D.py.txt` -> `conv1D.py`)."""
    match = _ADDED_EXTENSION.match(name)
    return name if match is None else match["name"]


def is_code(name: str) -> bool:
    """Whether the file is a .py or a notebook, by its own name."""
    return own_name(name).lower().endswith(CODE_SUFFIXES)
