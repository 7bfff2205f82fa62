"""`autograder.check()` in a real Jupyter kernel (nbclient, ipykernel) started in an unzipped
handout: it grades the code the kernel ran (no save needed), in the order it ran, in the sandboxed
worker, with the CLI's messages, as root and as a user, and where the interpreter sits under a
folder other users cannot traverse (as on Colab, which runs as root)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import nbformat
import pytest
from support.cli import REPO, run_cli
from support.gradescope_box import clean_env, unzip, venv_slot

from autograder.sandbox.uids import sandbox_uid_slot

RUNNER = Path(__file__).parent / "support" / "run_notebook.py"
REFERENCE = (REPO / "reference/conv1d/conv1D.py").read_text().split('if __name__ == "__main__":')[0]
WRONG = REFERENCE.replace('np.correlate(np.asarray(vector), self.__filt, mode="valid")',
                          'np.convolve(np.asarray(vector), self.__filt, mode="valid")')
HANGS = REFERENCE.replace("    def __matmul__(self, vector):\n", "    def __matmul__(self, vector):\n"
                          "        while self.__r == 1:\n            pass\n", 1)
CHECK = ("import json\nresult = autograder.check({args})\n"
         "print(json.dumps({{'score': result.score, 'max': result.max_score, 'passed': result.passed,\n"
         "                  'cases': {{c.id: [c.outcome, c.message] for c in result.cases}}}}))\nresult")


@pytest.fixture(scope="module")
def handout(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    built = run_cli("build", "conv1d", "--out", str(out), timeout=900)
    assert built.returncode == 0, built.stderr
    folder = Path(tempfile.mkdtemp(prefix="autograder-notebook-handout-"))
    folder.chmod(0o755)
    unzip(out / "conv1d-student.zip", folder)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def kernel_python(handout) -> Path:
    """The handout's venv with a kernel in it, as its README says to make one."""
    requirements = (handout / "requirements.txt").read_text() + "ipykernel\n"
    with venv_slot("notebook", requirements) as venv:
        if not (venv / ".installed").exists():
            subprocess.run([os.path.realpath(REPO / ".venv/bin/python"), "-m", "venv", "--clear", str(venv)], check=True)
            (venv.parent / f"{venv.name}-requirements.txt").write_text(requirements)
            subprocess.run([str(venv / "bin/python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                            "-r", str(venv.parent / f"{venv.name}-requirements.txt"), "-c", str(REPO / "requirements.lock")],
                           check=True, env=clean_env())
            (venv / ".installed").touch()
    return venv / "bin/python"


def run(handout: Path, python: Path, *cells: str, order: list[int] | None = None, as_uid: int | None = None,
        env: dict | None = None) -> list[list[dict]]:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    path = handout / f"work-{os.getpid()}.ipynb"
    nbformat.write(notebook, path)
    command = [str(REPO / ".venv/bin/python"), str(RUNNER), str(path), str(python), str(handout)]
    if order is not None:
        command.append(",".join(map(str, order)))
    if as_uid is not None:
        command = ["setpriv", f"--reuid={as_uid}", f"--regid={as_uid}", "--clear-groups", *command]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=900, env={**clean_env(), **(env or {})})
    finally:
        path.unlink()
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def checked(outputs: list[list[dict]]) -> tuple[dict, str, str]:
    """The check cell's printed summary, its HTML view and its text view."""
    last = outputs[-1]
    printed = next(o["text"] for o in last if o.get("name") == "stdout")
    shown = next(o["data"] for o in last if o["output_type"] == "execute_result")
    return json.loads(printed), shown["text/html"], shown["text/plain"]


def test_a_correct_notebook_gets_full_marks_without_saving(handout, kernel_python):
    summary, page, text = checked(run(handout, kernel_python, "import numpy as np", REFERENCE, "import autograder",
                                      CHECK.format(args="'conv1d'")))
    assert summary["passed"] and summary["score"] == summary["max"] > 0
    assert set(o for o, _ in summary["cases"].values()) == {"passed"}
    assert "<table>" in page and page.count("<tr>") == len(summary["cases"]) + 1
    assert text.startswith("conv1d: ") and f"Score: {summary['score']:g} / {summary['max']:g}" in text
    assert (handout / "conv1D.py").read_text() == (handout / "student_template/conv1d/conv1D.py").read_text()


def test_a_wrong_notebook_shows_what_failed_with_the_clis_messages(handout, kernel_python, tmp_path):
    summary, page, _ = checked(run(handout, kernel_python, WRONG, "import autograder", CHECK.format(args="")))
    failed = {i: m for i, (o, m) in summary["cases"].items() if o != "passed"}
    assert failed and all(summary["cases"][i][0] == "failed" for i in failed)
    assert not summary["passed"] and 0 < summary["score"] < summary["max"]
    (tmp_path / "conv1D.py").write_text(WRONG)
    cli = subprocess.run([str(kernel_python), "-m", "autograder", "check", "conv1d", str(tmp_path), "--json"],
                         cwd=handout, capture_output=True, text=True, env=clean_env(), timeout=600)
    assert {c["id"]: c["message"] for c in json.loads(cli.stdout)["cases"] if c["outcome"] != "passed"} == failed
    assert "Wrong answer" in page and "<details open>" in page


def test_a_notebook_not_yet_implemented_is_told_so(handout, kernel_python):
    summary, _, _ = checked(run(handout, kernel_python, "import autograder", CHECK.format(args="'conv1d'")))
    assert summary["score"] == 0 and {o for o, _ in summary["cases"].values()} == {"not_implemented"}


def test_one_problem_and_a_hang_cost_only_their_case(handout, kernel_python):
    summary, _, _ = checked(run(handout, kernel_python, HANGS, "import autograder", CHECK.format(args="'conv1d', 'forward'")))
    assert {i.split("/")[0] for i in summary["cases"]} == {"forward"}
    assert {i: o for i, (o, _) in summary["cases"].items() if o != "passed"} == {"forward/random[n=8,r=1]": "timeout"}


def test_cells_count_in_the_order_the_kernel_ran_them(handout, kernel_python):
    cells = (REFERENCE, WRONG, "import autograder", CHECK.format(args="'conv1d'"))
    in_file_order, _, _ = checked(run(handout, kernel_python, *cells))
    wrong_then_right, _, _ = checked(run(handout, kernel_python, *cells, order=[1, 0, 2, 3]))
    assert not in_file_order["passed"] and wrong_then_right["passed"]


def test_it_works_as_a_user(handout, kernel_python, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("becoming another user needs root")
    with sandbox_uid_slot() as uid:
        home = Path(tempfile.mkdtemp(prefix="autograder-notebook-home-"))
        os.chown(home, uid, uid)
        try:
            summary, _, _ = checked(run(handout, kernel_python, REFERENCE, "import autograder",
                                        CHECK.format(args="'conv1d', 'transpose'"), as_uid=uid,
                                        env={"HOME": str(home), "JUPYTER_RUNTIME_DIR": str(home / "runtime")}))
        finally:
            shutil.rmtree(home, ignore_errors=True)
    assert summary["passed"] and {i.split("/")[0] for i in summary["cases"]} == {"transpose"}


def test_it_works_as_root_with_an_interpreter_others_cannot_reach(handout, kernel_python):
    """Colab's situation: root, no venv of the handout's, an interpreter under a closed folder.
    Simulated with an interpreter under a 0700 folder that sees the kernel's packages."""
    if os.geteuid() != 0:
        pytest.skip("the situation is root's")
    closed = Path(tempfile.mkdtemp(prefix="autograder-colab-"))  # mkdtemp makes it 0700
    try:
        subprocess.run([os.path.realpath(kernel_python), "-m", "venv", "--copies", "--without-pip", str(closed / "env")],
                       check=True)
        packages = subprocess.run([str(kernel_python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  capture_output=True, text=True, check=True).stdout.strip()
        mine = subprocess.run([str(closed / "env/bin/python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              capture_output=True, text=True, check=True).stdout.strip()
        Path(mine, "kernel_packages.pth").write_text(packages + "\n")
        summary, _, _ = checked(run(handout, closed / "env/bin/python", REFERENCE, "import autograder",
                                    CHECK.format(args="'conv1d', 'forward'")))
    finally:
        shutil.rmtree(closed, ignore_errors=True)
    assert summary["passed"]


def test_the_handout_readme_explains_the_notebook_check_colab_and_what_to_upload(handout):
    readme = (handout / "README.md").read_text()
    assert "autograder.check()" in readme and "## In your notebook" in readme
    assert "## What to upload to Gradescope" in readme and "Upload `conv1D.py`" in readme
    assert "%pip install -q -r requirements-notebook.txt" in readme and (handout / "requirements-notebook.txt").is_file()
