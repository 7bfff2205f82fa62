"""Array dimensions written as arithmetic over a case's params (`n - r + 1`): parsed and
evaluated as data, never as code. Used to generate inputs (`cases.py`) and to check, at load,
that every symbol is a param of its case (`validation.py`)."""

from __future__ import annotations

import ast
import operator
from typing import Any

from .models import Dim, ParamValue

_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.FloorDiv: operator.floordiv}


class ShapeError(ValueError):
    """A dimension that is not a size: bad syntax, an unknown symbol, a negative or non-integer value."""


def symbols(dim: Dim) -> list[str]:
    """The param names a dimension uses, in order of appearance."""
    if isinstance(dim, int):
        return []
    return [node.id for node in ast.walk(_parse(dim)) if isinstance(node, ast.Name)]


def evaluate(dim: Dim, params: dict[str, ParamValue]) -> int:
    if isinstance(dim, int):
        value: Any = dim
    else:
        try:
            value = _eval(_parse(dim), params)
        except KeyError as exc:
            raise ShapeError(f"{dim!r} uses {exc.args[0]!r}, which is not a param of the case") from None
        except TypeError as exc:
            raise ShapeError(f"cannot evaluate {dim!r} ({exc})") from None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ShapeError(f"{dim!r} gives {value!r}, not a size")
    return value


def _parse(dim: str) -> ast.expr:
    try:
        tree = ast.parse(dim, mode="eval").body
    except SyntaxError:
        raise ShapeError(f"{dim!r} is not an arithmetic expression") from None
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Constant, ast.Name, ast.BinOp, ast.Load, *_OPS)):
            raise ShapeError(f"{dim!r}: only integers, param names and + - * // are allowed")
        if isinstance(node, ast.Constant) and (not isinstance(node.value, int) or isinstance(node.value, bool)):
            raise ShapeError(f"{dim!r}: only integers, param names and + - * // are allowed")
    return tree


def _eval(node: ast.AST, params: dict[str, ParamValue]) -> Any:
    # Only + - * // over ints and param names: shapes are data, never code.
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.Name):
        return params[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_eval(node.left, params), _eval(node.right, params))
    raise TypeError(f"unsupported expression {ast.dump(node)}")
