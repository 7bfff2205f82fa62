"""A correct conv1D.py inside folders, and beside files, whose names are built to take over the
feedback that quotes them: headings, links, images, raw HTML, backtick runs, a line break, a
carriage return and a terminal escape (a file name may hold any byte but / and NUL)."""

from pathlib import Path

MARK = "INJECTED"


def build(dest: Path, reference: str) -> Path:
    upload = dest / "hostile_file_names"
    folder = upload / f"# All 23 tests passed {MARK}\n\n[regrade {MARK}](http:x.example)" / f"<img src=x onerror={MARK}>"
    folder.mkdir(parents=True)
    (folder / "conv1D (1).py").write_text(reference)  # found by name, renamed: the note quotes its path
    for name in (f"``` {MARK} ``.txt", f"\x1b[2J{MARK}\r.txt", f"![beacon {MARK}](http:x.example)", f"\u202e{MARK}.py"):
        (upload / name).write_text("not code\n")
    return upload
