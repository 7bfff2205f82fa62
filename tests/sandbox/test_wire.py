"""The process boundary carries plain data only, and the grader's decoder trusts nothing."""

import base64
import math

import numpy as np
import pytest

from autograder.sandbox.child import wire


@pytest.mark.parametrize("value", [
    None, True, 3, -2.5, "text", [1, 2.0], (1, (2, 3)), {"a": 1, "b": [None]},
    np.arange(6, dtype=np.int32).reshape(2, 3), np.float32(1.5), np.array(2.0),
    np.array([1 + 2j]), np.zeros((0, 3)),
])
def test_round_trip(value):
    back = wire.decode(wire.loads(wire.dumps({"v": wire.encode(value)}))["v"])
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and back.shape == value.shape
        np.testing.assert_array_equal(back, value)
    elif isinstance(value, np.generic):
        assert back == value and back.dtype == value.dtype
    else:
        assert back == value and type(back) is type(value)


def test_non_finite_floats_survive():
    back = wire.decode(wire.encode([float("nan"), float("inf"), -float("inf")]))
    assert math.isnan(back[0]) and back[1] == math.inf and back[2] == -math.inf


def test_objects_are_never_sent_as_behaviour():
    class Liar:
        def __eq__(self, other):
            return True

        def __array__(self, *a, **k):
            return np.zeros(3)

    decoded = wire.decode(wire.encode(Liar()))
    assert isinstance(decoded, wire.Unsupported)
    assert not isinstance(decoded, np.ndarray)  # a marker, never the student's object or its __array__
    assert "Liar" in decoded.type_name
    assert isinstance(wire.decode(wire.encode(np.array([object()]))), wire.Unsupported)


def test_ndarray_subclass_arrives_as_plain_ndarray():
    class Sneaky(np.ndarray):
        def __eq__(self, other):
            return np.ones(self.shape, bool)

    value = np.arange(3.0).view(Sneaky)
    back = wire.decode(wire.encode(value))
    assert type(back) is np.ndarray


def array_message(data: bytes, dtype: str, shape: list) -> dict:
    return {"__ndarray__": base64.b64encode(data).decode(), "dtype": dtype, "shape": shape}


@pytest.mark.parametrize("bad", [
    array_message(b"\0" * 8, "O", [1]),                   # object dtype would mean pickles
    array_message(b"\0" * 7, "<f8", [1]),                 # bytes do not match shape
    array_message(b"\0" * 8, "<f8", [-1]),
    array_message(b"\0" * 8, "[('a','<f8')]", [1]),
    {"__ndarray__": 5, "dtype": "<f8", "shape": [1]},     # payload of the wrong type
    {"__ndarray__": "AAAAAAAAAAA=", "dtype": ["<f8"], "shape": [1]},
    array_message(b"\0" * 8, "(1000000000000,)f8", [1]),  # numpy's dtype parser on hostile text
    {"__pickle__": "gASV"},
    {"__tuple__": [1], "extra": 2},
    {},
])
def test_decoder_rejects_anything_but_plain_numeric_data(bad):
    with pytest.raises(wire.WireError):
        wire.decode(bad)


def test_decoder_rejects_deep_nesting_and_huge_messages():
    deep = 1
    for _ in range(wire.MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(wire.WireError):
        wire.decode(deep)
    with pytest.raises(wire.WireError):
        wire.loads(b"[" * (wire.MAX_MESSAGE_BYTES + 1))


def test_plain_values_are_counted_before_parsing():
    # 3 MB of JSON, several hundred MB of Python objects once parsed: refused unparsed, at once.
    line = b'{"value":[' + b"[]," * wire.MAX_VALUES + b"[]]}\n"
    with pytest.raises(wire.WireError, match="values"):
        wire.loads(line)
    with pytest.raises(wire.WireError, match="values"):
        wire.dumps({"value": [[]] * (wire.MAX_VALUES + 1)})
    assert wire.decode(wire.loads(wire.dumps({"v": wire.encode(np.zeros(wire.MAX_VALUES * 2))}))["v"]).size == \
        wire.MAX_VALUES * 2  # arrays travel as bytes and do not count


def test_big_endian_arrays_keep_their_values():
    value = np.arange(4, dtype=">f8")
    back = wire.decode(wire.loads(wire.dumps({"v": wire.encode(value)}))["v"])
    np.testing.assert_array_equal(back, value)


def test_an_unsupported_value_keeps_the_type_it_stood_for_when_encoded_again():
    once = wire.decode(wire.encode({1, 2}))
    assert isinstance(once, wire.Unsupported) and once.type_name == "builtins.set"
    assert wire.decode(wire.encode(once)).type_name == "builtins.set"  # a cached value, read and written back
