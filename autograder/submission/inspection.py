"""What a submission's .py files and notebooks define, read inside the sandbox.

Parsing untrusted input is itself untrusted work: a 6 MB notebook holding a three-million-entry
literal takes gigabytes to parse. So the grader never parses student files; it runs this module
as the harness of a confined worker (`inspect`, one call) and gets back plain data: the names
each file defines and, for notebooks, each code cell with IPython lines blanked out and the
plan of which top-level statements grading runs. Composing the module from that plan happens
in the grader (`notebook.py`), which never needs the syntax tree.

Standard library only, and self-contained: it runs as a harness, where nothing of the grader
can be imported. Notes are data (`_note`), never text for the student: the grader words them.
"""

import ast
import builtins
import json
import posixpath
import re
import shlex

DEFINITIONS_MODE = "definitions"
PLAIN, GUARDED, LIMITED = "plain", "guarded", "limited"  # how a kept statement runs (notebook.StatementRun)
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_PARSE_FAILURES = (SyntaxError, ValueError, RecursionError, MemoryError)  # ValueError: null bytes
_MAX_DEPTH = 100  # deeper trees could overflow the recursion of compile and of our own walks
_TITLE = re.compile(r"^#\s*@title\s+([^{]*)|^#\s*([\w./-]+\.py)\s*$")
_EXCERPT = 80
# Cell magics whose cell IPython runs as Python, in the notebook's namespace: what the cell
# defines exists afterwards (their own line is skipped like any IPython line). %%timeit is not
# one: it runs the cell in a namespace of its own, many times.
_PYTHON_CELL_MAGICS = frozenset({"%%time", "%%capture", "%%prun", "%%debug"})
# Cell magics that write the rest of the cell to a file (Colab students edit a homework's modules
# so): what the file holds once the notebook ran, in order, is read as that file's text.
_WRITEFILE_MAGICS = frozenset({"%%writefile", "%%file"})


def inspect(files, mode=DEFINITIONS_MODE):
    """{path: facts} for each relative path in `files` (.py or .ipynb)."""
    out = {}
    for path in files:
        try:
            out[path] = _facts(path, mode)
        except (MemoryError, RecursionError):  # one huge file must not cost the others
            out[path] = _unreadable("it is too large or too deeply nested to read within the grader's limits")
    return out


def _facts(path, mode):
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8-sig")  # a byte-order mark (Windows editors) is no part of it
    except (OSError, UnicodeDecodeError) as exc:
        return _unreadable(f"it cannot be read as UTF-8 text ({type(exc).__name__})")
    if path.endswith(".ipynb"):
        try:
            cells = _code_cells(text)
        except ValueError as exc:
            return _unreadable(str(exc))
    else:
        cells = [(1, text)]
    notes, planned = [], []
    for number, source in cells:
        cell = _plan_cell(number, source, notes)
        if cell is not None:
            planned.append(cell)
    written = _written_files(cells) if path.endswith(".ipynb") else []
    _choose_statements(planned, mode, notes)
    names = sorted({name for cell in planned for name in cell.pop("defined")})
    for cell in planned:
        del cell["tree"]
    return {"kind": "ipynb" if path.endswith(".ipynb") else "py", "error": None, "names": names,
            "cells": planned, "notes": notes, "written": written}


def _unreadable(reason):
    return {"kind": "unreadable", "error": reason, "names": [], "cells": [], "notes": [], "written": []}


def _written_files(cells):
    """[{path, cells, text}]: what the notebook's %%writefile cells leave in each file, run in order
    (`-a` appends, as IPython does). A path IPython would expand (`$dir`, `{name}`) is unknowable."""
    files = {}
    for number, source in cells:
        if not source.lstrip().startswith(("%%writefile", "%%file")):
            continue
        lines = source.splitlines(keepends=True)
        while lines and not lines[0].strip():  # IPython drops leading blank lines before a cell magic
            lines.pop(0)
        first, body = (lines[0], "".join(lines[1:])) if lines else ("", "")
        try:  # as IPython splits it: quotes kept, backslashes too (a Windows path)
            splitter = shlex.shlex(first.strip(), posix=False)
            splitter.whitespace_split = True
            words = list(splitter)
        except ValueError:
            continue
        if not words or words[0] not in _WRITEFILE_MAGICS:
            continue
        append = any(w in ("-a", "--append") for w in words[1:])
        paths = [w[1:-1] if len(w) > 1 and w[0] == w[-1] and w[0] in "'\"" else w
                 for w in words[1:] if not w.startswith("-")]
        if len(paths) != 1 or not paths[0] or any(c in paths[0] for c in "${}"):
            continue
        key = posixpath.normpath(paths[0].replace("\\", "/"))
        if append and key in files:
            files[key]["cells"].append(number)
            files[key]["text"] += body
        else:
            files[key] = {"path": paths[0], "cells": [number], "text": body}
    return list(files.values())


def _code_cells(text):
    try:
        notebook = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"it is not valid JSON ({str(exc)[:100]})") from None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        raise ValueError("it holds no list of cells (only nbformat 4 notebooks are read; save it again in Jupyter)")
    out = []
    for number, cell in enumerate(cells, start=1):  # numbered as the notebook shows them, markdown included
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            source = "".join(source)
        if isinstance(source, str):
            out.append((number, source))
    return out


def _note(what, cell, line=None, text="", names=()):
    return {"what": what, "cell": cell, "line": line, "text": text[:_EXCERPT], "names": sorted(names)}


def _first_line(source):
    return next((line.strip() for line in source.splitlines() if line.strip()), "")


def _plan_cell(number, source, notes):
    """The cell with IPython-only lines blanked (`pass`, so line numbers stay) and its tree;
    None, with a note, when it is not Python."""
    first = _first_line(source)
    title = _title(first)
    if first.startswith("%%") and first.split()[0] not in _PYTHON_CELL_MAGICS:
        notes.append(_note("cell_magic", number, text=first.split()[0]))
        return None
    lines = source.splitlines()
    try:
        tree = ast.parse(source)
    except MemoryError:  # a huge literal: parsing it again without IPython lines would not help
        notes.append(_note("too_large", number, text=f"{len(source) // 1000} kB"))
        return None
    except _PARSE_FAILURES:
        for i, line in enumerate(lines):
            if line.lstrip().startswith(("!", "%")):
                notes.append(_note("ipython_line", number, i + 1, line.strip()))
                lines[i] = line[:len(line) - len(line.lstrip())] + "pass"
        source = "\n".join(lines) + "\n"
        try:
            tree = ast.parse(source)
        except SyntaxError as exc:
            notes.append(_note("syntax_error", number, exc.lineno, exc.msg or ""))
            return None
        except _PARSE_FAILURES as exc:
            notes.append(_note("not_python", number, text=type(exc).__name__))
            return None
    if _depth(tree) > _MAX_DEPTH:
        notes.append(_note("too_deep", number))
        return None
    return {"number": number, "title": title, "source": source, "tree": tree, "statements": [],
            "defined": {s.name for s in tree.body if isinstance(s, _DEFS)}}


def _title(first):
    """`#@title Optim.py` (Colab's form field) or a bare `# optim.py`: the file a pasted cell stands for."""
    match = _TITLE.match(first)
    if not match:
        return None
    return (match.group(1) or match.group(2) or "").strip() or None


def _depth(tree):
    deepest, stack = 0, [(tree, 1)]
    while stack and deepest <= _MAX_DEPTH:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


# --- which statements run -----------------------------------------------------------------

def _choose_statements(cells, mode, notes):
    """Fills each cell's `statements`: [index in the cell's body, how it runs: PLAIN, GUARDED
    (skipped if it raises) or LIMITED (guarded, and stopped after a few seconds)]. In
    definitions mode: imports (guarded: a notebook-only import such as google.colab must not
    stop the rest), function and class definitions, and assignments of constant expressions
    (guarded: a name they read may be set only by code that does not run); then, limited, the
    other code that sets a global a kept definition uses (`device = 'cuda' if ... else 'cpu'`),
    and what that code needs in turn. Everything else is left out, and the notes say what a kept
    definition needs, and which definitions run code while being defined (decorators, default
    values, class bodies)."""
    if mode != DEFINITIONS_MODE:
        for cell in cells:
            cell["statements"] = [[i, PLAIN] for i in range(len(cell["tree"].body))]
        return
    available = set(dir(builtins)) | {"__name__", "__file__"}
    unrun = {}  # global name -> [(cell, index, statement)] of code left out that would set it
    kept, wanted = [], []  # wanted: the globals kept definitions need from that code
    star_import = False  # `from m import *` binds names nobody can list without running it
    for cell in cells:
        for index, stmt in enumerate(cell["tree"].body):
            if isinstance(stmt, (ast.Import, ast.ImportFrom)) or _is_constant_assignment(stmt):
                star_import |= isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names)
                cell["statements"].append([index, GUARDED])
            elif isinstance(stmt, _DEFS):
                missing = _read_at_definition(stmt) - available
                settable = missing & set(unrun)
                if missing - settable and not star_import:
                    notes.append(_note("needs_unrun_name", cell["number"], _line(stmt), _excerpt(stmt),
                                       missing - settable))
                    continue
                # guarded: the code that sets them, or the star import, may not provide them
                cell["statements"].append([index, GUARDED if missing else PLAIN])
                kept.append((cell, stmt))
                wanted += _needs_global(cell, stmt, settable, unrun, notes)
                if _runs_code_when_defined(stmt):
                    notes.append(_note("runs_when_defined", cell["number"], _line(stmt), _excerpt(stmt)))
            else:
                for name in _stored(stmt) - available:
                    unrun.setdefault(name, []).append((cell, index, stmt))
                continue
            available |= _stored(stmt)
    for cell, stmt in kept:
        used = (_free_names(stmt) & set(unrun)) - available - _read_at_definition(stmt)  # those are noted
        wanted += _needs_global(cell, stmt, used, unrun, notes)
    _run_setters(wanted, unrun, available)
    for cell in cells:
        cell["statements"].sort()


def _needs_global(cell, stmt, names, unrun, notes):
    """Notes, for each of `names` the definition `stmt` needs, the code that sets it; returns them."""
    for name in sorted(names):
        setter_cell, _, setter = unrun[name][0]
        notes.append(_note("needs_unrun_global", cell["number"], _line(stmt), _excerpt(stmt), names=[name]))
        notes[-1]["setter"] = {"cell": setter_cell["number"], "text": _excerpt(setter)}
    return sorted(names)


def _run_setters(wanted, unrun, available):
    """Marks LIMITED every left-out statement that sets a `wanted` global, and, in turn, those
    that set what these read."""
    seen, chosen = set(wanted), set()
    while wanted:
        for cell, index, stmt in unrun[wanted.pop()]:
            if (cell["number"], index) in chosen:
                continue
            chosen.add((cell["number"], index))
            cell["statements"].append([index, LIMITED])
            for name in sorted((_free_names(stmt) & set(unrun)) - available - seen):
                seen.add(name)
                wanted.append(name)


def _line(stmt):
    """Where a statement starts as the student sees it: at its first decorator."""
    return min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])


def _excerpt(stmt):
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return f"def {stmt.name}"
    if isinstance(stmt, ast.ClassDef):
        return f"class {stmt.name}"
    return ast.unparse(stmt).splitlines()[0][:_EXCERPT]


def _is_constant_assignment(stmt):
    if isinstance(stmt, ast.Assign):
        return all(_is_name_target(t) for t in stmt.targets) and _is_constant(stmt.value)
    if isinstance(stmt, ast.AnnAssign):
        return isinstance(stmt.target, ast.Name) and stmt.value is not None and _is_constant(stmt.value)
    return False


def _is_name_target(node):
    if isinstance(node, (ast.Tuple, ast.List)):
        return all(_is_name_target(e) for e in node.elts)
    return isinstance(node, ast.Name)


def _is_constant(node):
    """Literals and arithmetic on them, names, attributes (torch.float64), lambdas: nothing that calls."""
    if node is None or isinstance(node, (ast.Constant, ast.Name, ast.Lambda)):
        return True
    if isinstance(node, ast.Attribute):
        return _is_constant(node.value)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_is_constant(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(_is_constant(k) and _is_constant(v) for k, v in zip(node.keys, node.values))
    if isinstance(node, ast.UnaryOp):
        return _is_constant(node.operand)
    if isinstance(node, ast.BinOp):
        return _is_constant(node.left) and _is_constant(node.right)
    return False


def _runs_code_when_defined(stmt):
    """Whether defining `stmt` calls anything: a decorator (`@name` is a call too), a default
    value, an annotation, a class body, a class keyword (metaclass=...)."""
    if getattr(stmt, "decorator_list", None) or getattr(stmt, "keywords", None):
        return True
    return any(isinstance(node, ast.Call) for node in _walk_outside_scopes(stmt))


def _stored(stmt):
    """Global names a top-level statement binds."""
    if isinstance(stmt, _DEFS):
        return {stmt.name}
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in stmt.names if a.name != "*"}
    return {n.id for n in _walk_outside_scopes(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _read_at_definition(stmt):
    """Names a definition reads when it runs (decorators and defaults, not a def's body; a class's
    body, less what the body itself binds)."""
    loads = {n.id for n in _walk_outside_scopes(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    if isinstance(stmt, ast.ClassDef):
        loads -= {name for child in stmt.body for name in _stored(child)}
    return loads


def _walk_outside_scopes(node):
    """ast.walk, minus the bodies of functions and lambdas (they run later, when called)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        args = node.args
        parts = [*getattr(node, "decorator_list", []), *args.defaults, *[d for d in args.kw_defaults if d],
                 *[a.annotation for a in (*args.posonlyargs, *args.args, *args.kwonlyargs) if a.annotation],
                 *([node.returns] if getattr(node, "returns", None) else [])]
        for part in parts:
            yield from _walk_outside_scopes(part)
        return
    yield node
    for child in ast.iter_child_nodes(node):
        yield from _walk_outside_scopes(child)


def _free_names(stmt):
    """Names a definition reads that nothing inside it binds: the globals it depends on."""
    loads, stores = set(), set()
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name):
            (loads if isinstance(node.ctx, ast.Load) else stores).add(node.id)
        elif isinstance(node, ast.arg):
            stores.add(node.arg)
    return loads - stores
