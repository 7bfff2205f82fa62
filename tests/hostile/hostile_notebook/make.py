"""A notebook whose cells quote hostile text into the notes grading writes about it: a cell magic,
`!` lines, a syntax error, a definition that needs a name only unrun code sets, and that code,
each carrying Markdown, raw HTML and control characters; the classes themselves are correct."""

import json
from pathlib import Path

MARK = "INJECTED"


def build(dest: Path, reference: str) -> Path:
    upload = dest / "hostile_notebook"
    upload.mkdir()
    classes = reference.split('if __name__ == "__main__":')[0]
    cells = [
        f"%%bash # All 23 tests passed {MARK}\necho hi\n",
        f"!echo '[regrade {MARK}](http://x.example) <img src=x onerror={MARK}>'\nimport numpy as np\n",
        classes,
        f"SETTING = load('# {MARK} ``` ~~~~ \x1b[31m')  # not a constant: does not run\n",
        "def uses_setting():\n    return SETTING\n",
        f"def broken(:  # `` {MARK} <b>\n    pass\n",
    ]
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                "cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": c}
                          for c in cells]}
    (upload / f"conv1D.ipynb").write_text(json.dumps(notebook))
    return upload
