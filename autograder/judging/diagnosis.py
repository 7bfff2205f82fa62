"""Naming the likely mistake: a failed case whose output matches, within the case's own tolerance,
what one of the library's known mistakes returns on that case (`expected.known_mistakes`).

The comparison is the case's own: its comparator, or its staff check called with the mistake's
output in place of the reference's (a check that judges by a property alone, ignoring the
reference's output, then finds nothing to match). Only a mistake the reference's output does not
already satisfy counts. When two mistakes match, the message says both rather than guess;
`Diagnosis.name` is then None.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from ..expected import KnownMistake
from ..spec.models import AllClose, ComparatorSpec
from .checks import CheckFunction
from .compare import compare


class Diagnosis(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str | None  # the mutant, when exactly one matches
    matches: list[str]  # every mutant that matches
    words: str  # Markdown for the student


def diagnose(comparator: ComparatorSpec, expected: Any, actual: Any, mistakes: list[KnownMistake], *,
             inputs: dict[str, Any], params: dict[str, Any], checks: dict[str, CheckFunction]) -> Diagnosis | None:
    if not mistakes:
        return None
    # A mistake's output may hold NaN where the reference's never does (an entry left unfilled).
    matching = comparator.model_copy(update={"equal_nan": True}) if isinstance(comparator, AllClose) else comparator

    def same(wanted: Any, got: Any) -> bool:
        try:
            return compare(matching, wanted, got, inputs=inputs, params=params, checks=checks).passed
        except Exception:  # a mutant's odd output is no diagnosis, never a failure of the grading
            return False

    found = [m for m in mistakes if same(m.value, actual) and not same(expected, m.value)]  # the rarer first
    if not found:
        return None
    if len(found) == 1:
        return Diagnosis(name=found[0].name, matches=[found[0].name], words=f"*Likely mistake:* {found[0].diagnosis}")
    words = " Or: ".join(m.diagnosis for m in found)  # each word for word, as a student may search it
    return Diagnosis(name=None, matches=[m.name for m in found],
                     words=f"*Your output matches more than one common mistake:* {words}")
