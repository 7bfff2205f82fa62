"""The judging stage: turning what the student's code returned, raised or did into a case result.
`verdict` (the result of a comparison), `comparators` and `svd` (the spec's comparators),
`checks` (staff property checks), `judge` (a call's outcome to a `CaseResult` with its message)."""
