"""The spec stage: what course staff declare (models), read from assignment.yaml (loader), where
an assignment's files live (assignment), and the concrete cases with their seeded inputs (cases)."""
