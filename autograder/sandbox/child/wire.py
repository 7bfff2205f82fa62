"""Plain-data encoding for values crossing the student/grader process boundary.

This module runs on both sides and imports only the standard library and numpy. Values become
JSON with arrays as base64 bytes plus dtype and shape; nothing is ever pickled. The decoder is
strict: unknown markers, non-numeric dtypes, inconsistent sizes, deep nesting or oversized
messages raise `WireError`, so a hostile student process can send only data, never behaviour.
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import numpy as np

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
# Plain JSON values (not array bytes) per message: a list of a million empty lists is 3 MB of JSON
# but over 100 MB of Python objects; arrays travel as base64 strings and do not count.
MAX_VALUES = 1_000_000
MAX_DEPTH = 32
_NUMERIC_KINDS = "biufc"


class WireError(ValueError):
    pass


class Unsupported:
    """Stands for a returned object that is not plain data (e.g. a custom class)."""

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<{self.type_name} object>"


def encode(obj: Any, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise WireError(f"output nested more than {MAX_DEPTH} levels deep")
    t = type(obj)
    if obj is None or t is bool or t is int or t is str:
        return obj
    if t is float:
        return obj if math.isfinite(obj) else {"__float__": repr(obj)}
    if t is tuple:
        return {"__tuple__": [encode(x, depth + 1) for x in obj]}
    if t is list:
        return [encode(x, depth + 1) for x in obj]
    if t is dict:
        if not all(type(k) is str for k in obj):
            return {"__unsupported__": "dict with non-string keys"}
        return {"__dict__": {k: encode(v, depth + 1) for k, v in obj.items()}}
    if isinstance(obj, np.generic):
        return {"__scalar__": _encode_array(np.asarray(obj))}
    if isinstance(obj, np.ndarray):
        return _encode_array(obj)
    if _is_torch_tensor(obj):
        return {"__tensor__": _encode_array(obj.detach().cpu().numpy())}
    if t is Unsupported:  # decoded once already (a cached value): it keeps the type it stood for
        return {"__unsupported__": obj.type_name}
    return {"__unsupported__": f"{t.__module__}.{t.__qualname__}"}


def _is_torch_tensor(obj: Any) -> bool:
    # Checked by name so that encoding never imports torch.
    return any(c.__module__ == "torch" and c.__name__ == "Tensor" for c in type(obj).__mro__)


def _encode_array(a: np.ndarray) -> dict:
    # Copy out of any subclass or view: only the raw bytes, dtype and shape travel.
    a = np.array(a, copy=True, order="C").view(np.ndarray)
    if a.dtype.kind not in _NUMERIC_KINDS:
        return {"__unsupported__": f"numpy array of dtype {a.dtype}"}
    if a.dtype.byteorder == ">":
        a = a.astype(a.dtype.newbyteorder("<"))
    return {"__ndarray__": base64.b64encode(a.tobytes()).decode("ascii"), "dtype": a.dtype.str,
            "shape": list(a.shape)}


def dumps(message: dict) -> bytes:
    line = json.dumps(message, allow_nan=False, separators=(",", ":")).encode() + b"\n"
    _check_size(line)
    return line


def loads(line: bytes) -> dict:
    _check_size(line)
    try:
        message = json.loads(line)
    except (ValueError, RecursionError) as exc:
        raise WireError(f"not valid JSON: {str(exc)[:100]}") from None
    if not isinstance(message, dict):
        raise WireError("message is not a JSON object")
    return message


def _check_size(line: bytes) -> None:
    """Bounds what parsing may cost before any parsing happens."""
    if len(line) > MAX_MESSAGE_BYTES:
        raise WireError(f"message of {len(line)} bytes exceeds {MAX_MESSAGE_BYTES}")
    # A shorter line cannot hold more: each value takes a byte at least. Of a linearized_features
    # grading's 64 messages (2.8 MB) one is longer; scanning all of them cost 10 ms on each side.
    if len(line) > MAX_VALUES and line.count(b",") + line.count(b"[") + line.count(b"{") > MAX_VALUES:
        raise WireError(f"message holds more than {MAX_VALUES} values; return a numpy array instead")


def decode(data: Any, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise WireError("nesting too deep")
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(x, depth + 1) for x in data]
    if not isinstance(data, dict) or len(data) == 0:
        raise WireError("unexpected value in message")
    if "__ndarray__" in data:
        return _decode_array(data)
    if len(data) != 1:
        raise WireError("unknown object in message")
    (tag, payload), = data.items()
    if tag == "__float__" and payload in ("nan", "inf", "-inf"):
        return float(payload)
    if tag == "__tuple__" and isinstance(payload, list):
        return tuple(decode(x, depth + 1) for x in payload)
    if tag == "__dict__" and isinstance(payload, dict):
        return {str(k): decode(v, depth + 1) for k, v in payload.items()}
    if tag == "__scalar__" and isinstance(payload, dict):
        arr = _decode_array(payload)
        if arr.shape != ():
            raise WireError("scalar with a shape")
        return arr[()]
    if tag == "__tensor__" and isinstance(payload, dict):
        return _decode_array(payload)
    if tag == "__unsupported__" and isinstance(payload, str):
        return Unsupported(payload[:200])
    raise WireError(f"unknown tag {tag[:40]!r}")


def _decode_array(data: dict) -> np.ndarray:
    if set(data) != {"__ndarray__", "dtype", "shape"} or not all(
            isinstance(data[k], str) for k in ("__ndarray__", "dtype")):
        raise WireError("malformed array")
    try:
        dtype = np.dtype(data["dtype"])
    except Exception:  # numpy's dtype parser raises several types on hostile strings
        raise WireError("unknown dtype") from None
    shape = data["shape"]
    if dtype.kind not in _NUMERIC_KINDS or dtype.hasobject or dtype.fields is not None:
        raise WireError(f"dtype {dtype} is not numeric")
    if not isinstance(shape, list) or len(shape) > 32 or not all(type(d) is int and d >= 0 for d in shape):
        raise WireError("malformed shape")
    raw = base64.b64decode(data["__ndarray__"], validate=True)
    if len(raw) != math.prod(shape) * dtype.itemsize:
        raise WireError("array bytes do not match its shape and dtype")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
