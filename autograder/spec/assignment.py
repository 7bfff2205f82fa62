"""Where assignments live: `assignments/NAME/assignment.yaml` (spec, harness, checks, mutants),
`reference/NAME/` (the trusted solution) and `student_template/NAME/` (the handout), all under
one course root: this repository, or an unpacked autograder zip.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from .. import settings
from .loader import SpecError, problems_message, read_spec
from .models import AssignmentSpec
from .validation import validate

SPEC_FILE = "assignment.yaml"
# The reference's outputs, written beside the spec by `autograder build` (expected.py): a course
# that has them is a built one (Gradescope's image, a handout), which carries no reference.
SHIPPED_FILE = "expected_values.json"


class Assignment(BaseModel):
    model_config = ConfigDict(frozen=True)

    spec: AssignmentSpec
    spec_path: Path
    dir: Path
    reference_dir: Path
    template_dir: Path

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def harness_path(self) -> Path:
        return self.dir / self.spec.harness

    @property
    def checks_path(self) -> Path | None:
        return None if self.spec.checks is None else self.dir / self.spec.checks


def list_assignments(root: Path | None = None) -> list[str]:
    base = (root or settings.course_root()) / "assignments"
    return sorted(p.parent.name for p in base.glob(f"*/{SPEC_FILE}"))


def load_assignment(name: str, root: Path | None = None) -> Assignment:
    """The assignment, checked against its files (`validation.py`): a SpecError lists every
    problem found, each with the file and line, the field and why."""
    root = root or settings.course_root()
    spec_path = root / "assignments" / name / SPEC_FILE
    if not spec_path.is_file():
        known = ", ".join(list_assignments(root)) or "none"
        raise SpecError(f"no assignment {name!r} (no {spec_path}); available: {known}")
    spec, document = read_spec(spec_path)
    if spec.name != name:
        raise SpecError(document.problem(("name",), f"the spec says {spec.name!r} but lives in folder {name!r}"))
    assignment = Assignment(spec=spec, spec_path=spec_path, dir=spec_path.parent,
                            reference_dir=root / "reference" / name, template_dir=root / "student_template" / name)
    built = (assignment.dir / SHIPPED_FILE).is_file()
    problems = validate(spec, document, spec_dir=assignment.dir, course_root=root,
                        course_dirs=None if built else (assignment.reference_dir, assignment.template_dir))
    if problems:
        raise SpecError(problems_message(spec_path, problems, "assignment"))
    return assignment
