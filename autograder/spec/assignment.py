"""Where assignments live: `assignments/NAME/assignment.yaml` (spec, harness, checks, mutants),
`reference/NAME/` (the trusted solution) and `student_template/NAME/` (the handout), all under
one course root: this repository, or an unpacked autograder zip.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from .. import settings
from .loader import SpecError, load_spec
from .models import AssignmentSpec

SPEC_FILE = "assignment.yaml"


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
    root = root or settings.course_root()
    spec_path = root / "assignments" / name / SPEC_FILE
    if not spec_path.is_file():
        known = ", ".join(list_assignments(root)) or "none"
        raise SpecError(f"no assignment {name!r} (no {spec_path}); available: {known}")
    spec = load_spec(spec_path)
    if spec.name != name:
        raise SpecError(f"{spec_path}: name: the spec says {spec.name!r} but lives in folder {name!r}")
    assignment = Assignment(spec=spec, spec_path=spec_path, dir=spec_path.parent,
                            reference_dir=root / "reference" / name, template_dir=root / "student_template" / name)
    for field, path in (("harness", assignment.harness_path),
                        ("checks", assignment.dir / spec.checks if spec.checks else None)):
        if path is not None and not path.is_file():
            raise SpecError(f"{spec_path}: {field}: file {path.name} not found beside the spec")
    return assignment
