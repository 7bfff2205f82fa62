"""Notebooks written the way Jupyter and Colab save them, and the submission stage's reader run in
the test process (the grader runs it confined; its input here is ours)."""

from __future__ import annotations

import json
from pathlib import Path

from autograder.submission import inspection
from autograder.submission.notebook import FileFacts, NotebookMode


def notebook(*cells: str, markdown_first: bool = True) -> str:
    """A notebook with a markdown cell first (so code cell k is cell k + 1), sources as line lists."""
    body = [{"cell_type": "markdown", "metadata": {}, "source": ["# Homework\n"]}] if markdown_first else []
    body += [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
              "source": cell.splitlines(keepends=True)} for cell in cells]
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": body}, indent=1)


def read_here(root: Path, paths: list[str], mode: NotebookMode) -> dict[str, FileFacts]:
    """The staging Inspector, in this process."""
    answer = inspection.inspect([str(root / p) for p in paths], mode)
    return {p: FileFacts.model_validate(answer[str(root / p)]) for p in paths}
