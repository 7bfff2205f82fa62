"""The delivery stage (staff side, never shipped itself): the Gradescope zip and the student
handout (`build`, with `requirements`), the Otter-Grader export (`otter_export`, which ships
`otter_runtime`), and the Gradescope scripts they fill in (`gradescope/`)."""
