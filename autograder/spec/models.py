"""The assignment spec: what course staff write in assignment.yaml, as frozen pydantic models.

Every option is defined once, here, with its description (`autograder schema` prints them).
`loader.py` reads a file into these models and explains what does not validate.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Visibility = Literal["visible", "hidden", "after_due_date", "after_published"]
DType = Literal["float16", "float32", "float64", "int32", "int64", "bool", "complex64", "complex128"]
ParamValue = Union[bool, int, float, str]
Dim = Union[int, str]  # an int, or an arithmetic expression over the case's params: "n - r + 1"

_IDENT = r"^[A-Za-z_][A-Za-z0-9_]*$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- inputs ---------------------------------------------------------------------------------

_SHAPE = ("Dimensions, [] for a scalar array: integers, or expressions over the case's params with + - * // "
          "(\"n - r + 1\"); every name must be a param of the case in every sweep entry.")
_KIND = "Which kind of {}; selects the other fields."


class _ArrayInput(_Model):
    shape: list[Dim] = Field(default_factory=list, description=_SHAPE)
    dtype: DType = Field("float64", description="The array's numpy dtype.")


class NormalInput(_ArrayInput):
    """Gaussian entries, loc + scale * N(0, 1)."""
    kind: Literal["normal"] = Field(description=_KIND.format("input"))
    loc: float = Field(0.0, description="Mean of the entries.")
    scale: float = Field(1.0, description="Standard deviation of the entries.")


class UniformInput(_ArrayInput):
    """Entries drawn uniformly from [low, high)."""
    kind: Literal["uniform"] = Field(description=_KIND.format("input"))
    low: float = Field(0.0, description="Lower bound, included.")
    high: float = Field(1.0, description="Upper bound, excluded.")


class IntegersInput(_ArrayInput):
    """Integer entries drawn uniformly from low, ..., high - 1."""
    kind: Literal["integers"] = Field(description=_KIND.format("input"))
    low: int = Field(0, description="Smallest value, included.")
    high: int = Field(10, description="Bound, excluded.")
    dtype: DType = Field("int64", description="The array's numpy dtype.")


class ValueInput(_Model):
    """A literal: a scalar, a nested list (made an array when `dtype` is set), or a string."""
    kind: Literal["value"] = Field(description=_KIND.format("input"))
    value: Any = Field(description="The literal passed to the harness as is (JSON-like data).")
    dtype: DType | None = Field(None, description="If set, the value becomes a numpy array of this dtype.")


class ParamInput(_Model):
    """The value of one of the case's params, e.g. a size or a hyper-parameter."""
    kind: Literal["param"] = Field(description=_KIND.format("input"))
    name: str = Field(description="The param whose value is passed; it must be a param of the case.")


class SeedInput(_Model):
    """A fresh integer seed drawn from the case's generator, for code that seeds its own randomness."""
    kind: Literal["seed"] = Field(description=_KIND.format("input"))


InputSpec = Annotated[
    Union[NormalInput, UniformInput, IntegersInput, ValueInput, ParamInput, SeedInput],
    Field(discriminator="kind"),
]


# --- comparators ----------------------------------------------------------------------------

class AllClose(_Model):
    """Element-wise |actual - expected| <= atol + rtol * |expected|, on every array of the output."""
    kind: Literal["allclose"] = Field(description=_KIND.format("comparator"))
    rtol: float = Field(1e-7, ge=0, description="Relative tolerance, times |expected|.")
    atol: float = Field(0.0, ge=0, description="Absolute tolerance.")
    equal_nan: bool = Field(False, description="NaN where the reference has NaN counts as equal.")
    dtype: Literal["any", "same"] = Field("any", description="'same': the output's dtype must match the reference's.")


class RelError(_Model):
    """The course's rel_error: max |x - y| / max(1e-8, |x| + |y|) must stay below `max`."""
    kind: Literal["rel_error"] = Field(description=_KIND.format("comparator"))
    max: float = Field(1e-7, gt=0, description="The largest relative error accepted.")
    dtype: Literal["any", "same"] = Field("any", description="'same': the output's dtype must match the reference's.")


class Exact(_Model):
    """Equality of every leaf: same shape, same dtype kind, identical values."""
    kind: Literal["exact"] = Field(description=_KIND.format("comparator"))


class Check(_Model):
    """A property check written by staff in the assignment's checks module; runs in the grader."""
    kind: Literal["check"] = Field(description=_KIND.format("comparator"))
    function: str = Field(pattern=_IDENT, description="A function of the checks module marked @property_check "
                                                      "(docs/authoring.md: the check contract).")
    options: dict[str, Any] = Field(default_factory=dict, description="Keyword arguments for the check, after "
                                                                      "`actual, expected, inputs, params`.")


class _SvdValueTolerances(_Model):
    rtol: float = Field(1e-6, ge=0, description="Singular values: |error| <= rtol·s + zero_rtol·s_max.")
    zero_rtol: float = Field(
        1e-6, ge=0, description="Singular values below zero_rtol·s_max are numerically zero; their vectors are "
                                "arbitrary and not compared.")


class _SvdVectorTolerances(_SvdValueTolerances):
    cluster_rtol: float = Field(
        1e-6, ge=0, description="Neighbouring singular values closer than cluster_rtol·s_max form a cluster; its "
                                "vectors are compared as a subspace (any rotation inside it is accepted).")
    atol: float = Field(
        1e-6, ge=0, description="Largest entry error of the vectors after the best sign flip / rotation: of unit "
                                "singular vectors as is, of principal features (and U·diag(s)·Vh) relative to s_max.")


class SingularValues(_SvdValueTolerances):
    """Singular values: non-negative, in descending order, each within tolerance."""
    kind: Literal["singular_values"] = Field(description=_KIND.format("comparator"))


class PrincipalFeatures(_SvdVectorTolerances):
    """The pair (s, P) with P = F V = U·diag(s): s as `singular_values`, P's columns equal up to sign, as a
    subspace inside clusters, ignored where s is zero; P may have min(n, d) to d columns."""
    kind: Literal["principal_features"] = Field(description=_KIND.format("comparator"))


class SvdFactors(_SvdVectorTolerances):
    """(U, s, Vh) as np.linalg.svd returns them, full or reduced: s as `singular_values`, U's columns and Vh's
    rows as for `principal_features` (unscaled), and U·diag(s)·Vh must reproduce the matrix."""
    kind: Literal["svd_factors"] = Field(description=_KIND.format("comparator"))


ComparatorSpec = Annotated[Union[AllClose, RelError, Exact, Check, SingularValues, PrincipalFeatures, SvdFactors],
                           Field(discriminator="kind")]


# --- cases, problems, assignment ------------------------------------------------------------

class CaseSpec(_Model):
    """One case: a call of a harness function on generated inputs, judged by a comparator."""
    name: str = Field(pattern=_IDENT, description="Unique within its problem; with the problem's name and the "
                                                  "sweep entry, it makes the case id (forward/random[n=20,r=3]).")
    title: str | None = Field(None, description="What the case checks, shown to students (default: the name).")
    points: float = Field(1.0, ge=0, description="Points for passing; each sweep entry is a case worth this much.")
    visibility: Visibility | None = Field(None, description="When students see the case on Gradescope "
                                                            "(default: the problem's, then the spec's).")
    call: str = Field(pattern=_IDENT, description="Function defined at the top level of harness.py that calls the "
                                                  "student's code; it receives the inputs as keyword arguments.")
    inputs: dict[str, InputSpec] = Field(default_factory=dict, description="The harness function's arguments, by "
                                                                           "name, each generated from the case's seed.")
    params: dict[str, ParamValue] = Field(default_factory=dict, description="Named values for shape expressions "
                                                                            "and `param` inputs.")
    sweep: list[dict[str, ParamValue]] | None = Field(
        None, description="One case per entry, each entry's params overriding `params`.")
    compare: ComparatorSpec | None = Field(None, description="How the output is judged (default: the problem's, "
                                                             "then the spec's).")
    timeout_s: float | None = Field(None, gt=0, description="Wall-time limit of the call in seconds (default: the "
                                                            "problem's, then the spec's).")
    max_extra_memory_mb: float | None = Field(
        None, gt=0, description="Peak memory the call may add, measured from outside the student process.")
    cost: float = Field(1.0, gt=0, description=(
        "How long the call takes relative to the other cases' (default 1), for sharing the cases between lanes: "
        "the costliest first, each to the lane with the least cost so far."))
    hint: str | None = Field(None, description="Shown to students after a failure (default: the problem's).")
    seed: int | None = Field(None, description="Seed of the case's inputs (default: derived from the spec's seed "
                                               "and the case id).")

    @field_validator("sweep")
    @classmethod
    def _sweep_not_empty(cls, v: list | None) -> list | None:
        if v is not None and not v:
            raise ValueError("sweep must list at least one set of params (or be left out)")
        return v

    def expanded(self) -> list[tuple[dict[str, ParamValue], str]]:
        """The params and case-id suffix of each case this entry stands for: itself, or one per
        sweep entry (`random[n=20,r=3]`)."""
        if self.sweep is None:
            return [(dict(self.params), "")]
        return [({**self.params, **entry}, "[" + ",".join(f"{k}={v}" for k, v in entry.items()) + "]")
                for entry in self.sweep]


class ProblemSpec(_Model):
    """A group of cases, one row of grades.csv; its settings are the defaults of its cases."""
    name: str = Field(pattern=_IDENT, description="Unique within the spec; the first part of its cases' ids.")
    title: str | None = Field(None, description="Shown to students (default: the name).")
    visibility: Visibility | None = Field(None, description="Default visibility of its cases.")
    compare: ComparatorSpec | None = Field(None, description="Default comparator of its cases.")
    timeout_s: float | None = Field(None, gt=0, description="Default wall-time limit of its cases' calls, in seconds.")
    hint: str | None = Field(None, description="Default hint of its cases, shown after a failure.")
    cases: list[CaseSpec] = Field(min_length=1, description="The problem's cases, in the order students see them.")

    @model_validator(mode="after")
    def _unique_case_names(self) -> "ProblemSpec":
        _require_unique([c.name for c in self.cases], "case name")
        return self


class NotebookOptions(_Model):
    mode: Literal["definitions", "full"] = Field(
        "definitions",
        description="'definitions' keeps imports, defs, classes and constant assignments; 'full' runs every cell.")


class AssignmentSpec(_Model):
    """assignment.yaml: the files students edit, and the problems and cases that grade them."""
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="The assignment's folder name under assignments/.")
    title: str = Field(description="Shown to students above their results.")
    files: list[str] = Field(min_length=1, description=(
        "Paths of the files students edit, relative to the handout root: .py modules or .ipynb notebooks (a "
        "notebook is imported as the module of its stem, definitions only unless `notebook.mode` says full)."))
    harness: str = Field("harness.py", description="Module of harness functions, beside the spec.")
    checks: str | None = Field(None, description="Module of staff checks for `kind: check`, beside the spec.")
    seed: int = Field(0, description="Base of every case's derived seed; changing it changes every input.")
    visibility: Visibility = Field("visible", description="Default visibility of every case.")
    compare: ComparatorSpec = Field(default_factory=lambda: AllClose(kind="allclose"),
                                    description="Default comparator of every case.")
    timeout_s: float = Field(10.0, gt=0, description="Default wall-time limit of a call, in seconds.")
    startup_timeout_s: float = Field(60.0, gt=0, description="Time to start Python and import the submission.")
    memory_limit_mb: int = Field(1024, ge=64, description="Data-segment limit of the student process.")
    grading_timeout_s: float = Field(480.0, gt=0, description=(
        "Wall-clock budget for grading one submission, start to finish. When it runs out, the call running is "
        "stopped, every case not yet run fails with a message saying so, and results.json is written. The default "
        "leaves two minutes under Gradescope's default limit of 10 minutes (past which the student gets no "
        "results at all); keep it below the Gradescope assignment's own limit."))
    max_worker_restarts: int = Field(10, ge=0, description=(
        "How many times the student's process may die (crash, time out, break the protocol) and be started "
        "again, in each lane; past that, the lane's cases not yet run fail with a message saying so."))
    lanes: int = Field(1, ge=1, le=4, description=(
        "How many workers share a submission's cases, each a process of its own that serves its share in order "
        "(visible cases first; no lane starts a hidden case before every visible one has ended). `autograder "
        "grade` and `check` run them at once on a machine with two cores; a batch runs them one after another. "
        "Verdicts are the same either way. More than 1 pays off when the cases take seconds: each lane costs a "
        "worker's start. Write it as a top-level `lanes: N` line: the workers start before the spec is loaded."))
    notebook: NotebookOptions = Field(default_factory=NotebookOptions,
                                      description="How a notebook that stands in for a graded file is used.")
    problems: list[ProblemSpec] = Field(min_length=1, description="The problems, in the order students see them.")

    @field_validator("files")
    @classmethod
    def _relative_paths(cls, v: list[str]) -> list[str]:
        for f in v:
            p = Path(f)
            if p.is_absolute() or ".." in p.parts or p.suffix not in (".py", ".ipynb"):
                raise ValueError(f"{f!r} must be a relative path to a .py file or a notebook inside the handout")
        # Files are found by name in submissions, and each is imported as the module of its stem.
        _require_unique([Path(f).stem for f in v], "file name (without its extension)")
        return v

    @model_validator(mode="after")
    def _unique_problem_names(self) -> "AssignmentSpec":
        _require_unique([p.name for p in self.problems], "problem name")
        return self


def _require_unique(names: list[str], what: str) -> None:
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise ValueError(f"duplicate {what} {n!r}")
        seen.add(n)


def spec_json_schema() -> dict:
    return AssignmentSpec.model_json_schema()
