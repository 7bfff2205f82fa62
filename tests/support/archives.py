"""Zip archives no ordinary tool makes: what a damaged or hostile upload looks like."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

_UTF8_FLAG = 0x800
_LOCAL, _CENTRAL = b"PK\x03\x04", b"PK\x01\x02"


def zip_with_raw_name(path: Path, entries: list[tuple[str, bytes]], raw_name: bytes, data: bytes = b"x") -> Path:
    """`entries`, plus one whose name is the bytes `raw_name` flagged as UTF-8 (bit 11), valid or not."""
    placeholder = "N" * len(raw_name)
    with zipfile.ZipFile(path, "w") as zf:
        for name, content in entries:
            zf.writestr(name, content)
        zf.writestr(placeholder, data)
    blob = bytearray(path.read_bytes())
    for signature, flags_at, name_at in ((_LOCAL, 6, 30), (_CENTRAL, 8, 46)):
        start = 0
        while (at := blob.find(signature, start)) >= 0:
            start = at + 4
            if blob[at + name_at:at + name_at + len(raw_name)] != placeholder.encode():
                continue
            flags, = struct.unpack_from("<H", blob, at + flags_at)
            struct.pack_into("<H", blob, at + flags_at, flags | _UTF8_FLAG)
            blob[at + name_at:at + name_at + len(raw_name)] = raw_name
    path.write_bytes(bytes(blob))
    return path


def zip_with_corrupted_entry(path: Path, entries: list[tuple[str, bytes]], corrupted: str) -> Path:
    """`entries` deflated, the stream of `corrupted` made unreadable (an invalid block type), its CRC
    and sizes left as they were: the damage shows only when the entry is read."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, content in entries:
            zf.writestr(name, content)
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(corrupted)
    blob = bytearray(path.read_bytes())
    name_len, extra_len = struct.unpack_from("<HH", blob, info.header_offset + 26)
    blob[info.header_offset + 30 + name_len + extra_len] = 0xFF  # BTYPE 11: reserved, never valid
    path.write_bytes(bytes(blob))
    return path
