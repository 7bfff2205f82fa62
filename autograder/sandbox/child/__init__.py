"""What runs in the student process: `worker.py` (the process itself), `confine.py` (applies the
plan) and `wire.py` (the value encoding, shared with the grader). Standard library and numpy only:
the worker imports these by path, never the rest of the grader."""
