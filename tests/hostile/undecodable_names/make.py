"""A correct conv1D.py in a folder whose name is not UTF-8 (Latin-1 bytes, as an old archiver or
a Windows share writes them). Such a name once crashed the grader as it wrote results.json."""

import os
from pathlib import Path


def build(dest: Path, reference: str) -> Path:
    upload = dest / "undecodable_names"
    folder = os.path.join(os.fsencode(upload), b"caf\xe9 r\xe9sum\xe9")
    os.makedirs(folder)
    with open(os.path.join(folder, b"conv1D.py"), "w") as f:
        f.write(reference)
    with open(os.path.join(os.fsencode(upload), b"notes \xff\xfe.txt"), "w") as f:
        f.write("not code\n")
    return upload
