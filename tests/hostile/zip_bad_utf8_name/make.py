"""A zip whose entry is flagged as having a UTF-8 name (bit 11) that is not UTF-8: Python's
zipfile raises UnicodeDecodeError while merely opening it, which once crashed the grader."""

from pathlib import Path

from support.archives import zip_with_raw_name


def build(dest: Path, reference: str) -> Path:
    return zip_with_raw_name(dest / "zip_bad_utf8_name.zip", [("conv1D.py", reference.encode())], b"r\xe9sum\xe9.txt")
