"""Workers forked from a fork server (`spawn.ForkServer`, what grading slots use) are workers like
any other: the runner's tests of hangs, crashes, escapes, memory-checked calls and forged replies
pass again here with every worker forked, and a forked worker's process looks from the inside
as a freshly started one does, but for its own randomness."""

import functools
import json
import os

import pytest
import test_runner as plain  # the runner's own tests, run again below with every worker forked

from autograder.sandbox import spawn

FACTS = '''import json, os, resource, sys

import numpy as np


def facts():
    status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
    limits = {name: resource.getrlimit(getattr(resource, name))
              for name in ("RLIMIT_CPU", "RLIMIT_DATA", "RLIMIT_FSIZE", "RLIMIT_NOFILE", "RLIMIT_NPROC", "RLIMIT_CORE")}
    base = os.path.dirname(os.getcwd())  # each run's own folder
    return json.dumps({
        "ids": [len({*os.getresuid(), *os.getresgid()}), os.getuid() == 0, os.getgroups()],  # one uid, its own
        "own_session": os.getsid(0) == os.getpid() == os.getpgid(0),
        "grader_is_parent": os.getppid(),
        "confined": [status["Seccomp"].strip(), status["NoNewPrivs"].strip()],
        "threads": len(os.listdir("/proc/self/task")),
        "limits": limits, "cwd": os.getcwd().replace(base, "BASE"), "umask": os.umask(0o077),
        "environment": {k: v.replace(base, "BASE") for k, v in os.environ.items()},
        "fds": sorted(int(fd) for fd in os.listdir("/proc/self/fd")),
        "numpy_errors": np.geterr(),
    })


def draws():
    import random
    return [float(np.random.random()), random.random()]
'''


@pytest.fixture
def forking():
    with spawn.serving_forks(("numpy",)) as server:
        yield server
    assert server.proc.returncode is not None  # the server ends with the block


def test_a_forked_worker_is_set_up_as_a_fresh_one(tmp_path):
    with spawn.serving_forks(("numpy",)):
        [forked] = plain.run(tmp_path, FACTS, [("facts", {}, 10)])
    [fresh] = plain.run(tmp_path, FACTS, [("facts", {}, 10)])
    forked, fresh = json.loads(forked.value), json.loads(fresh.value)
    assert forked["grader_is_parent"] == fresh["grader_is_parent"] == os.getpid()
    assert forked["ids"] == [1, False, []] or os.getuid() != 0  # as root: the sandbox uid and no group
    assert forked == fresh


def test_forked_workers_draw_their_own_random_numbers(tmp_path, forking):
    first, second = (plain.run(tmp_path, FACTS, [("draws", {}, 10)])[0].value for _ in range(2))
    assert first[0] != second[0] and first[1] != second[1]


_AGAIN = ["test_timeout_kills_and_later_calls_run_in_a_fresh_worker", "test_detached_grandchildren_are_killed",
          "test_exit_and_signals_fail_only_their_call", "test_memory_limit_turns_into_memory_error",
          "test_a_memory_checked_call_runs_alone_under_its_allowance", "test_forged_replies_are_rejected",
          "test_student_code_runs_as_the_sandbox_uid", "test_student_code_is_off_the_network_and_cannot_signal_the_grader",
          "test_a_process_chain_that_forks_away_from_every_kill_dies", "test_children_that_died_on_their_own_are_reaped",
          "test_a_started_worker_serves_the_run_it_is_given"]


@pytest.fixture
def every_worker_forked():
    with spawn.serving_forks(()):
        yield


def _forked(test):
    @functools.wraps(test)  # the same arguments and parametrization; marks of its own
    def again(**kwargs):
        return test(**kwargs)
    return pytest.mark.usefixtures("every_worker_forked")(again)


for _name in _AGAIN:
    globals()[_name + "_forked"] = _forked(getattr(plain, _name))


GARBAGE = '''import gc
import weakref


class Node:
    pass


def collects_its_own_cycles():
    a, b = Node(), Node()
    a.other, b.other = b, a
    alive = weakref.ref(a)
    del a, b
    gc.collect()
    return alive() is None
'''


def test_a_forked_worker_collects_its_own_garbage(tmp_path, forking):
    """The server freezes what it loaded out of its workers' collections (gc.freeze); what a
    worker creates is collected as in any process."""
    [outcome] = plain.run(tmp_path, GARBAGE, [("collects_its_own_cycles", {}, 10)])
    assert outcome.status == "returned" and outcome.value is True


def test_workers_preload_what_the_harness_and_the_handout_import(tmp_path, monkeypatch):
    """Before the spec is read: the harness's top-level imports, then those of the handout's files,
    notebooks' code cells included (their magics skipped), each name once."""
    from autograder import settings

    (tmp_path / "assignments/demo").mkdir(parents=True)
    (tmp_path / "assignments/demo/harness.py").write_text("import numpy as np\nimport demo_module\n\n"
                                                          "def f():\n    import json\n")
    handout = tmp_path / "student_template/demo"
    (handout / "pkg").mkdir(parents=True)
    (handout / "pkg/helpers.py").write_text("from collections import OrderedDict\nimport numpy\n")
    (handout / "demo.ipynb").write_text(json.dumps({"cells": [
        {"cell_type": "code", "source": ["%pip install ipywidgets\n", "from ipywidgets import fixed\n"]},
        {"cell_type": "markdown", "source": "import markdown_is_no_code"},
        {"cell_type": "code", "source": "import heapq, html\nif True:\n    import not_top_level\n"},
        {"cell_type": "code", "source": "def broken(:\n"}]}))
    (handout / "broken.ipynb").write_text("{not json")
    monkeypatch.setenv(settings.COURSE_ROOT, str(tmp_path))
    assert spawn.assignment_imports("demo") == ("numpy", "demo_module", "collections", "ipywidgets", "heapq", "html")
    assert spawn.assignment_imports("missing") == ()


def test_a_reader_is_not_kept_waiting_for_a_server_still_loading_its_imports(tmp_path):
    """`grade` starts a fork server first thing for an assignment of several lanes; the reader of
    the student's files needs none of its imports and starts at once, while the lanes' workers
    wait for the server and are forked from it."""
    with spawn.serving_forks(("numpy", "torch", "matplotlib.pyplot")) as server:
        reader = spawn.start((), wait_for_server=False)
        assert not server.ready()  # torch takes a second or more to load
        assert not isinstance(reader.proc, spawn.ForkedProcess)
        reader.discard()
        worker = spawn.start(())
        assert server.ready() and isinstance(worker.proc, spawn.ForkedProcess)
        worker.discard()
        reader = spawn.start((), wait_for_server=False)
        assert isinstance(reader.proc, spawn.ForkedProcess)
        reader.discard()


def test_the_head_start_reads_each_assignments_lanes_as_its_spec_does():
    from autograder.spec.assignment import list_assignments, load_assignment
    lanes = {name: spawn.assignment_lanes(name) for name in list_assignments()}
    assert lanes == {name: load_assignment(name).spec.lanes for name in list_assignments()}
    assert lanes["linearized_features"] > 1  # so that a single grade's head start is a fork server


def test_where_no_fork_server_can_serve_the_lanes_start_as_interpreters(monkeypatch, tmp_path):
    """A fork server needs its workers reparented to this process (a subreaper); without that,
    the head start is a worker as for one lane, and a run of two lanes starts both as
    interpreters of their own, with the same outcomes."""
    from autograder.sandbox import cleanup
    monkeypatch.setattr(cleanup, "become_subreaper", lambda: False)
    head = spawn.HeadStart("linearized_features")
    try:
        assert head.worker is not None and not spawn.forking()
    finally:
        head.discard()
    from test_lanes import _run
    outcomes = _run([("timed", {"pause": 0.0}, 1, 0), ("timed", {"pause": 0.0}, 1, 1)], lanes_at_once=True)
    assert [o.status for o in outcomes] == ["returned", "returned"]
    assert not any(o.value["forked"] for o in outcomes)
