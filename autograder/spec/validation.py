"""What a spec must agree with beyond its own schema, checked at load against the files it names,
so that a staff mistake fails there, with the file and line, the field and why, instead of
reaching students as their failure:

- every `call` is a function defined at the top level of harness.py, and takes the case's inputs
  as keyword arguments;
- every `kind: check` names a function of checks.py marked `@property_check`, which takes the check
  arguments (`actual`, `expected`, `inputs`, `params`) and the spec's `options`;
- every shape symbol and `param` input is a param of its case, in every sweep entry, and every
  shape evaluates to a size; a `value` input with a dtype is an array of it;
- no two cases share an id once sweeps are expanded;
- every graded file exists in reference/NAME/ and in student_template/NAME/ (in a course
  repository: a built one, with the expected values shipped, carries no reference).

Staff code is parsed with `ast`, never imported: the harness runs only in the student's process,
and checks.py only when grading needs it. `load_assignment` calls `validate`.
"""

from __future__ import annotations

import ast
import difflib
from pathlib import Path

import numpy as np

from . import shapes
from .loader import Loc, YamlDocument
from .models import AssignmentSpec, CaseSpec, Check, ComparatorSpec, ParamInput, ValueInput

CHECK_ARGUMENTS = ("expected", "inputs", "params")  # keywords every check is called with, after `actual`
_CHECK_MODULES = ("autograder", "autograder.judging.checks")  # where the @property_check decorator is imported from


def validate(spec: AssignmentSpec, document: YamlDocument, *, spec_dir: Path, course_root: Path,
             course_dirs: tuple[Path, Path] | None) -> list[str]:
    """Every problem found, each `FILE:LINE: FIELD: REASON`; empty when the spec is sound.
    `course_dirs`: the reference and template folders that must hold the graded files."""
    problems: list[str] = []
    harness = _parse_module(spec_dir / spec.harness, ("harness",), document, problems)
    checks = None if spec.checks is None else _parse_module(spec_dir / spec.checks, ("checks",), document, problems)
    if course_dirs is not None:
        problems += _files(spec, document, *course_dirs, course_root)
    problems += _comparators(spec, document, checks)
    ids: dict[str, Loc] = {}
    for p, problem in enumerate(spec.problems):
        for c, case in enumerate(problem.cases):
            loc = ("problems", p, "cases", c)
            if harness is not None:
                problems += _call(case, loc, document, harness)
            problems += _inputs(case, loc, document)
            for k, (_, suffix) in enumerate(case.expanded()):
                case_id = f"{problem.name}/{case.name}{suffix}"
                at = loc + (("sweep", k) if case.sweep is not None else ())
                if case_id in ids:
                    problems.append(document.problem(at, f"case id {case_id!r} again (first on line "
                                                         f"{document.line(ids[case_id])}): sweep entries and case "
                                                         "names must make distinct ids"))
                ids.setdefault(case_id, at)
    # In file order; each problem starts with "FILE:LINE:" (YamlDocument.problem).
    return sorted(problems, key=lambda p: int(p[len(str(document.path)) + 1:].split(":", 1)[0]))


# --- staff modules --------------------------------------------------------------------------

class _Module:
    """The top-level functions of a staff module, as parsed."""

    def __init__(self, path: Path, tree: ast.Module) -> None:
        self.path = path
        self.functions = {node.name: node for node in tree.body
                          if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
        names = _check_names(tree)
        self.checks = {name for name, node in self.functions.items() if _marked(node, names)}


def marked_checks(path: Path) -> set[str]:
    """The functions of a checks module marked @property_check, as parsed: the checks grading will load."""
    return _Module(path, ast.parse(path.read_bytes(), filename=str(path))).checks


def _parse_module(path: Path, loc: Loc, document: YamlDocument, problems: list[str]) -> _Module | None:
    if not path.is_file():
        problems.append(document.problem(loc, f"file {path.name} not found beside the spec"))
        return None
    try:
        return _Module(path, ast.parse(path.read_bytes(), filename=str(path)))
    except SyntaxError as exc:
        problems.append(document.problem(loc, f"{path.name} does not parse: {exc.msg} ({path.name}, line {exc.lineno})"))
        return None


def _check_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """The names the `property_check` decorator and the modules holding it are bound to in checks.py."""
    decorators, modules = {"property_check"}, set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module in _CHECK_MODULES:
            decorators |= {a.asname or a.name for a in node.names if a.name == "property_check"}
        elif isinstance(node, ast.Import):
            modules |= {a.asname or a.name for a in node.names if a.name in _CHECK_MODULES}
    return decorators, modules


def _marked(node: ast.FunctionDef | ast.AsyncFunctionDef, names: tuple[set[str], set[str]]) -> bool:
    decorators, modules = names
    for d in node.decorator_list:
        if isinstance(d, ast.Name) and d.id in decorators:
            return True
        if isinstance(d, ast.Attribute) and d.attr == "property_check" and ast.unparse(d.value) in modules:
            return True
    return False


def _did_you_mean(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _listing(names: list[str], what: str) -> str:
    shown = sorted(n for n in names if not n.startswith("_"))
    return f" (its {what}: {', '.join(shown[:12])}{', ...' if len(shown) > 12 else ''})" if shown else f" (it has no {what})"


class _Signature:
    def __init__(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        a = node.args
        positional = a.posonlyargs + a.args
        first_default = len(positional) - len(a.defaults)
        self.keywords = [x.arg for x in a.args + a.kwonlyargs]
        self.required = ([x.arg for i, x in enumerate(positional) if i >= len(a.posonlyargs) and i < first_default]
                         + [x.arg for x, d in zip(a.kwonlyargs, a.kw_defaults) if d is None])
        self.required_positional_only = [x.arg for i, x in enumerate(a.posonlyargs) if i < first_default]
        self.any_keyword = a.kwarg is not None
        self.first = positional[0].arg if positional else None
        self.line = node.lineno

    def takes(self, name: str) -> bool:
        return self.any_keyword or name in self.keywords


# --- calls and inputs -----------------------------------------------------------------------

def _call(case: CaseSpec, loc: Loc, document: YamlDocument, harness: _Module) -> list[str]:
    name = harness.path.name
    if case.call not in harness.functions:
        return [document.problem(loc + ("call",), f"no function {case.call!r} defined at the top level of {name}"
                                 f"{_did_you_mean(case.call, list(harness.functions))}"
                                 f"{_listing(list(harness.functions), 'functions')}")]
    sig = _Signature(harness.functions[case.call])
    where = f"{case.call}() ({name}, line {sig.line})"
    if sig.required_positional_only:
        return [document.problem(loc + ("call",), f"{where} takes positional-only parameters "
                                                  f"({', '.join(sig.required_positional_only)}); the harness is "
                                                  "called with the inputs as keyword arguments")]
    out = [document.problem(loc + ("inputs", arg), f"{where} has no parameter {arg!r}"
                                                   f"{_did_you_mean(arg, sig.keywords)}"
                                                   f" (its parameters: {', '.join(sig.keywords) or 'none'})")
           for arg in case.inputs if not sig.takes(arg)]
    if missing := [p for p in sig.required if p not in case.inputs]:
        out.append(document.problem(loc + ("inputs",), f"{where} needs {', '.join(map(repr, missing))}, which the "
                                                       "case's inputs do not give"))
    return out


def _inputs(case: CaseSpec, loc: Loc, document: YamlDocument) -> list[str]:
    expansions = case.expanded()
    out = []
    for name, spec in case.inputs.items():
        at = loc + ("inputs", name)
        if isinstance(spec, ValueInput):
            if spec.dtype is not None:
                try:
                    np.asarray(spec.value, dtype=spec.dtype)
                except (ValueError, TypeError, OverflowError) as exc:
                    out.append(document.problem(at + ("value",), f"not an array of {spec.dtype}: {exc}"))
            continue
        if isinstance(spec, ParamInput):
            lacking = [i for i, (params, _) in enumerate(expansions) if spec.name not in params]
            if lacking:
                out.append(document.problem(at + ("name",), f"{spec.name!r} is not a param of the case"
                                                            f"{_params_of(case, expansions, lacking, document, loc)}"))
            continue
        for d, dim in enumerate(getattr(spec, "shape", [])):
            try:
                shapes.symbols(dim)
            except shapes.ShapeError as exc:
                out.append(document.problem(at + ("shape", d), str(exc)))
                continue
            failures: dict[str, list[int]] = {}
            for i, (params, _) in enumerate(expansions):
                try:
                    shapes.evaluate(dim, params)
                except shapes.ShapeError as exc:
                    failures.setdefault(str(exc), []).append(i)
            for reason, lacking in failures.items():
                out.append(document.problem(at + ("shape", d),
                                            f"{reason}{_params_of(case, expansions, lacking, document, loc)}"))
    return out


def _params_of(case: CaseSpec, expansions: list, failing: list[int], document: YamlDocument, loc: Loc) -> str:
    """Which params the case has, and in which sweep entries the problem is (all, unless said)."""
    if case.sweep is None:
        return f" (its params: {', '.join(expansions[0][0]) or 'none'})"
    if len(failing) == len(expansions):
        return f" (its params: {', '.join(sorted({k for params, _ in expansions for k in params})) or 'none'})"
    entries = ", ".join(f"{expansions[i][1]} (line {document.line(loc + ('sweep', i))})" for i in failing)
    return f" in sweep {'entry' if len(failing) == 1 else 'entries'} {entries}"


# --- comparators ----------------------------------------------------------------------------

def _comparators(spec: AssignmentSpec, document: YamlDocument, checks: _Module | None) -> list[str]:
    declared: list[tuple[Loc, ComparatorSpec | None]] = [(("compare",), spec.compare)]
    for p, problem in enumerate(spec.problems):
        declared.append((("problems", p, "compare"), problem.compare))
        declared += [(("problems", p, "cases", c, "compare"), case.compare) for c, case in enumerate(problem.cases)]
    out: list[str] = []
    reported: set[str] = set()
    for loc, comparator in declared:
        if not isinstance(comparator, Check):
            continue
        if spec.checks is None:
            out.append(document.problem(loc + ("function",), "a check needs a checks module: set `checks: checks.py` "
                                                             "and define the check there, marked @property_check"))
            continue
        if checks is None:  # missing or unparsable: already reported
            continue
        out += _check(comparator, loc, document, checks, reported)
    return out


def _check(comparator: Check, loc: Loc, document: YamlDocument, checks: _Module, reported: set[str]) -> list[str]:
    name, file = comparator.function, checks.path.name
    if name not in checks.checks:
        if name in checks.functions:
            return [document.problem(loc + ("function",), f"{name}() ({file}, line {checks.functions[name].lineno}) "
                                                          "is not marked @property_check; only marked functions are checks "
                                                          "(`from autograder import property_check`)")]
        return [document.problem(loc + ("function",), f"no check {name!r} in {file}"
                                                      f"{_did_you_mean(name, sorted(checks.checks))}"
                                                      f"{_listing(sorted(checks.checks), 'checks')}")]
    sig = _Signature(checks.functions[name])
    where = f"check {name}() ({file}, line {sig.line})"
    out = []
    if name not in reported and (sig.first is None or not all(sig.takes(a) for a in CHECK_ARGUMENTS)):
        reported.add(name)
        out.append(document.problem(loc + ("function",), f"{where} must take the student's output first and the "
                                                         f"keywords {', '.join(CHECK_ARGUMENTS)}: "
                                                         f"`def {name}(actual, *, expected, inputs, params, ...)`"))
    options = [k for k in sig.keywords if k not in CHECK_ARGUMENTS and k != sig.first]
    for option in comparator.options:
        if option in CHECK_ARGUMENTS or option == sig.first or not sig.takes(option):
            out.append(document.problem(loc + ("options", option), f"{where} takes no option {option!r}"
                                                                   f"{_did_you_mean(option, options)}"
                                                                   f" (its options: {', '.join(options) or 'none'})"))
    if missing := [p for p in sig.required if p not in (*CHECK_ARGUMENTS, sig.first, *comparator.options)]:
        out.append(document.problem(loc + ("options",), f"{where} needs option(s) {', '.join(map(repr, missing))}"))
    return out


# --- graded files ---------------------------------------------------------------------------

def _files(spec: AssignmentSpec, document: YamlDocument, reference_dir: Path, template_dir: Path,
           course_root: Path) -> list[str]:
    out = []
    for what, folder in (("reference", reference_dir), ("template", template_dir)):
        shown = _shown(folder, course_root)
        if not folder.is_dir():
            out.append(document.problem(("files",), f"no {what} folder {shown}/: "
                                                    + ("the reference solution, graded to make the expected values"
                                                       if what == "reference" else "the handout students start from")))
            continue
        for i, file in enumerate(spec.files):
            if not (folder / file).is_file():
                out.append(document.problem(("files", i), f"{shown}/{file} does not exist: the {what} must hold "
                                                          "every graded file"))
    return out


def _shown(folder: Path, root: Path) -> str:
    try:
        return folder.relative_to(root).as_posix()
    except ValueError:
        return str(folder)
