"""The files `autograder new NAME` writes: a small working assignment (ReLU forward and backward)
with every piece a real one has, so that `autograder regress NAME` passes before anything is
changed, and each piece can then be replaced by the staff's own, one at a time.

Text students would see and only the staff can write is marked PLACEHOLDER; `autograder build`
refuses to ship while any is left (`delivery.build.gate`).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

PLACEHOLDER = "TODO:"
_TOKEN = "__NAME__"


class SkeletonError(Exception):
    """The skeleton cannot be written; the message says why."""


def write_skeleton(name: str, root: Path) -> list[Path]:
    """Writes the skeleton of assignment `name` under the course root; returns the files written."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise SkeletonError(f"{name!r}: an assignment name is lower case letters, digits and _, starting with a letter")
    if name in sys.stdlib_module_names or importlib.util.find_spec(name) is not None:
        raise SkeletonError(f"{name!r} is also the name of an importable module; the student's {name}.py would "
                            "shadow it (or it the student's): choose another name")
    files = {Path("assignments", name, rel): text for rel, text in _ASSIGNMENT_FILES.items()}
    files[Path("reference", name, f"{name}.py")] = _REFERENCE
    files[Path("student_template", name, f"{name}.py")] = _TEMPLATE
    for folder in (Path("assignments", name), Path("reference", name), Path("student_template", name)):
        if (root / folder).exists():
            raise SkeletonError(f"{root / folder} already exists; `new` writes only new assignments")
    written = []
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace(_TOKEN, name))
        written.append(path)
    return written


_SPEC = '''\
# Written by `autograder new`: a small working assignment (ReLU forward and backward) to replace
# with yours, piece by piece, as README.md beside this file says. Every field: `autograder schema`.
name: __NAME__
title: "TODO: the title students see above their results"
files: [__NAME__.py]
harness: harness.py
checks: checks.py
seed: 0
timeout_s: 5
compare: {kind: allclose, rtol: 1.0e-12, atol: 0.0}

problems:
  - name: forward
    title: "relu(x)"
    hint: "TODO: a hint shown after a failure, e.g. relu(x) is x where x > 0 and 0 elsewhere, with x's shape and dtype."
    cases:
      - name: random
        title: "relu on random matrices"
        call: forward
        inputs:
          x: {kind: normal, shape: [n, m]}
        sweep:
          - {n: 4, m: 5}
          - {n: 1, m: 7}
      - name: vector
        title: "relu on a vector"
        call: forward
        inputs:
          x: {kind: normal, shape: [9]}
      - name: float32
        title: "relu keeps float32"
        call: forward
        compare: {kind: allclose, rtol: 1.0e-6, dtype: same}
        inputs:
          x: {kind: normal, shape: [3, 4], dtype: float32}
      - name: more_sizes
        title: "relu on more sizes"
        visibility: after_due_date
        call: forward
        inputs:
          x: {kind: normal, shape: [n]}
        sweep:
          - {n: 100}
          - {n: 31}
      - name: keeps_input
        title: "relu leaves its input unchanged"
        call: input_unchanged
        compare: {kind: exact}
        hint: "relu must return a new array: x[x < 0] = 0 also changes the caller's x."
        inputs:
          x: {kind: normal, shape: [6]}

  - name: backward
    title: "relu_backward(dout, x)"
    hint: "The gradient passes dout through where x > 0 and is 0 elsewhere."
    cases:
      - name: random
        title: "relu_backward on random inputs"
        call: backward
        compare: {kind: check, function: masked_gradient}
        inputs:
          dout: {kind: normal, shape: [n]}
          x: {kind: normal, shape: [n]}
        sweep:
          - {n: 10}
          - {n: 3}
      - name: matrix
        title: "relu_backward on matrices"
        call: backward
        inputs:
          dout: {kind: normal, shape: [3, 4]}
          x: {kind: normal, shape: [3, 4]}
'''

_HARNESS = '''\
"""Calls into the student's __NAME__.py. Runs in the student process (and, for the expected
values, in the reference's), never in the grader.

Each function a case names in `call:` takes the case's inputs as keyword arguments and returns
plain data (numbers, strings, None, lists, tuples, dicts, numpy arrays, torch tensors). A None
from the student's code goes back as is, so that the grader says "not implemented".
"""

import numpy as np

import __NAME__


def forward(x):
    return __NAME__.relu(x)


def input_unchanged(x):
    """True if relu left its argument as it was; None while relu is not implemented."""
    before = x.copy()
    if __NAME__.relu(x) is None:
        return None
    return bool(np.array_equal(x, before))


def backward(dout, x):
    return __NAME__.relu_backward(dout, x)
'''

_CHECKS = '''\
"""Property checks for __NAME__. They run in the grader on the student's decoded output.

The contract (docs/authoring.md): a check is marked @property_check and called as
`check(actual, expected=..., inputs=..., params=..., **options)`; it returns None when the
output is right, a message for the student when it is wrong, or a Verdict
(`not_implemented(...)`). It must judge any output without raising: a check that raises makes
the case a grader error, which scores full points.
"""

import numpy as np

from autograder import describe, not_implemented, property_check


@property_check
def masked_gradient(actual, *, expected, inputs, params):
    """dout where x > 0 and 0 elsewhere, judged from the inputs rather than by equality with the reference."""
    if actual is None:
        return not_implemented("relu_backward returned None: not implemented yet.")
    dout, x = inputs["dout"], inputs["x"]
    if not isinstance(actual, np.ndarray) or actual.dtype.kind not in "biuf":
        return f"expected an array of real numbers, got {describe(actual)}."
    if actual.shape != x.shape:
        return f"the gradient has shape {actual.shape}; it must have the shape of x, {x.shape}."
    through = x > 0
    wrong = int(np.sum(~np.isclose(actual[through], dout[through], rtol=1e-12, atol=0.0)))
    if wrong:
        return f"where x > 0 the gradient must equal dout; it does not in {wrong} of {int(through.sum())} such entries."
    if stray := int(np.count_nonzero(actual[~through])):
        return f"where x <= 0 the gradient must be 0; it is not in {stray} of {int((~through).sum())} such entries."
    return None
'''

_REFERENCE = '''\
"""The reference solution of __NAME__: graded like a submission, it must get full marks."""

import numpy as np


def relu(x):
    """max(x, 0) entry by entry, as a new array with the shape and dtype of x."""
    return np.maximum(x, 0)


def relu_backward(dout, x):
    """The gradient of relu at x applied to the upstream gradient dout."""
    return np.where(x > 0, dout, 0.0)
'''

_TEMPLATE = '''\
"""__NAME__: implement relu and relu_backward."""

import numpy as np


def relu(x):
    """Return max(x, 0) entry by entry, as a new array with the shape and dtype of x."""
    return None  # IMPLEMENT THIS


def relu_backward(dout, x):
    """Return the gradient of relu at x times dout: dout where x > 0, 0 elsewhere."""
    return None  # IMPLEMENT THIS
'''


def _mutant(name: str, description: str, must_fail: list[str], old: str, new: str, outcomes: str = "") -> str:
    def block(text: str) -> str:
        return "".join(f"        {line}\n" for line in text.splitlines())
    return (f"- name: {name}\n  description: {description}\n  must_fail: [{', '.join(repr(p) for p in must_fail)}]\n"
            + (f"  outcomes: [{outcomes}]\n" if outcomes else "")
            + f"  edits:\n    - file: __NAME__.py\n      old: |2\n{block(old)}      new: |2\n{block(new)}\n")


_RELU = "    return np.maximum(x, 0)"
_GRAD = "    return np.where(x > 0, dout, 0.0)"
_VALUES = ["forward/random*", "forward/vector", "forward/float32", "forward/more_sizes*"]

_MUTANTS = '''\
# Plausible wrong solutions of __NAME__, each an edit of reference/__NAME__/__NAME__.py (old text
# occurring exactly once, new text) with the cases it must fail; it must pass every other case.
# `autograder regress` demands at least 10; `autograder regress --show NAME` prints one as a diff.
mutants:

''' + "".join([
    _mutant("identity", "Returns x unchanged.", _VALUES, _RELU, "    return x"),
    _mutant("absolute_value", "np.abs(x) instead of max(x, 0).", _VALUES, _RELU, "    return np.abs(x)"),
    _mutant("leaky", "A leaky ReLU (0.01 x below zero).", _VALUES, _RELU, "    return np.where(x > 0, x, 0.01 * x)"),
    _mutant("float64_result", "Compares with a float64 array of zeros, so float32 inputs come back float64.",
            ["forward/float32"], _RELU, "    return np.maximum(x, np.zeros(x.shape))"),
    _mutant("flattens", "Returns the result flattened.", ["forward/random*", "forward/float32"], _RELU,
            "    return np.maximum(x, 0).reshape(-1)"),
    _mutant("in_place", "Clamps the caller's array in place and returns it.", ["forward/keeps_input"], _RELU,
            "    x[x < 0] = 0\n    return x"),
    _mutant("rejects_vectors", "Raises on 1-D input.", ["forward/vector", "forward/more_sizes*", "forward/keeps_input"],
            _RELU, '    if x.ndim == 1:\n        raise ValueError("relu expects a matrix")\n    return np.maximum(x, 0)',
            outcomes="error"),
    _mutant("gradient_is_dout", "Passes dout through everywhere.", ["backward/*"], _GRAD, "    return dout"),
    _mutant("inverted_mask", "Passes dout where x <= 0 instead of x > 0.", ["backward/*"], _GRAD,
            "    return np.where(x <= 0, dout, 0.0)"),
    _mutant("gradient_times_x", "Multiplies dout by x where x > 0.", ["backward/*"], _GRAD,
            "    return np.where(x > 0, dout * x, 0.0)"),
    _mutant("forgets_dout", "Returns the mask, not dout through it.", ["backward/*"], _GRAD,
            "    return (x > 0).astype(float)"),
])

_SOLUTIONS = '''\
# Correct solutions of __NAME__ written differently from the reference, each an edit of
# reference/__NAME__/__NAME__.py; each must get full marks.
solutions:

- name: multiply_by_mask
  description: x times the boolean mask, and dout times it.
  edits:
    - file: __NAME__.py
      old: |2
            return np.maximum(x, 0)
      new: |2
            return x * (x > 0)
    - file: __NAME__.py
      old: |2
            return np.where(x > 0, dout, 0.0)
      new: |2
            return dout * (x > 0)

- name: clip_and_copy
  description: np.clip, and a gradient filled in by indexing.
  edits:
    - file: __NAME__.py
      old: |2
            return np.maximum(x, 0)
      new: |2
            return np.clip(x, 0, None)
    - file: __NAME__.py
      old: |2
            return np.where(x > 0, dout, 0.0)
      new: |2
            grad = np.zeros_like(dout)
            grad[x > 0] = dout[x > 0]
            return grad
'''

_README = '''\
# __NAME__ (written by `autograder new`)

A small working assignment, ReLU forward and backward, with every piece a real one has, so that
`autograder regress __NAME__` passes before you change anything. Make it yours one piece at a
time, running `autograder validate __NAME__` (seconds: every call, check, shape symbol, graded
file and library entry, each problem named with its file and line) after each edit and
`autograder regress __NAME__` after each step. The contracts are in docs/authoring.md.

1. **Placeholders.** Every text in assignment.yaml that starts with `TODO:` is shown to students
   and only you can write it: replace each (the title, the forward problem's hint).
   `autograder build` refuses to ship while one is left.
2. **The student's file.** student_template/__NAME__/ is the handout students start from: every
   function they write returns None (or raises NotImplementedError) there, so the untouched
   template scores zero with every case "not implemented". reference/__NAME__/ is your
   solution, with the same files; it must get full marks. `files:` in the spec lists the files
   students edit and upload.
3. **The harness.** harness.py runs in the student's process: each function a case names in
   `call:` takes the case's `inputs` as keyword arguments, calls the student's code and returns
   plain data, passing the student's None back as is.
4. **The cases.** Each case names its call, its inputs (seeded generators; shapes may use the
   case's `params`, and `sweep` makes one case per entry), points, visibility and comparator.
   `autograder schema` describes every field.
5. **Checks.** checks.py holds the property checks (`compare: {kind: check, function: NAME}`),
   each marked `@property_check`, run in the grader; a check returns None, a message or a Verdict, and
   must never raise.
6. **The library.** mutants.yaml holds plausible wrong solutions, each an edit of the reference
   with the cases it must fail (and it must pass the rest); regress demands at least 10, so
   write yours before deleting these. solutions.yaml holds correct solutions written
   differently, which must get full marks. Whole files, where an edit cannot say it, go in
   mutants/NAME/ or solutions/NAME/ and the entry says `files: NAME`.
7. **Ship.** `autograder build __NAME__ --out dist/` regresses once more and writes the
   Gradescope zip and the student handout.
'''

_ASSIGNMENT_FILES = {"assignment.yaml": _SPEC, "harness.py": _HARNESS, "checks.py": _CHECKS,
                     "mutants.yaml": _MUTANTS, "solutions.yaml": _SOLUTIONS, "README.md": _README}
