"""What runs inside Gradescope's image: the `setup.sh` and `run_autograder` templates that
`autograder build` fills in, and `run`, the grading entry point `run_autograder` calls."""
