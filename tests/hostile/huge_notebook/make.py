"""A 6 MB notebook: the classes (correct), then a cell holding a three-million-element list
literal, then a cell with a syntax error. Parsing the literal takes more than a gigabyte: it
once took the grader itself to 2.3 GB (Gradescope's box has 768 MB)."""

import json
from pathlib import Path


def build(dest: Path, reference: str) -> Path:
    upload = dest / "huge_notebook"
    upload.mkdir()
    classes = reference.split('if __name__ == "__main__":')[0]
    cells = [classes, "DATA = [" + "1," * 3_000_000 + "]\n", "def broken(:\n    pass\n"]
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                "cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": c}
                          for c in cells]}
    (upload / "conv1D.ipynb").write_text(json.dumps(notebook))
    return upload
