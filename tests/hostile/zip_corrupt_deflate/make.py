"""A zip whose conv1D.py entry has a corrupted deflate stream (its headers and CRC intact): reading
it raises zlib.error, which once crashed the grader."""

from pathlib import Path

from support.archives import zip_with_corrupted_entry


def build(dest: Path, reference: str) -> Path:
    return zip_with_corrupted_entry(dest / "zip_corrupt_deflate.zip", [("conv1D.py", reference.encode() * 3)],
                                    "conv1D.py")
