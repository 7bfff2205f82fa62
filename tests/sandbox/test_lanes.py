"""A submission's calls shared by lanes (`run_calls`, `CallRequest.lane` and `.phase`): the lanes'
workers run at once, but no call of a phase starts before every call of the phase before has
ended, so a hidden case's inputs cannot reach a visible case's output; a lane's worker dying
costs the other lane nothing; and the outcomes are the same whether the lanes run at once or one
after another."""

import contextlib
import os
import time

import pytest
from test_runner import outside_tmp_path

from autograder.sandbox import spawn
from autograder.sandbox.plan import Limits
from autograder.sandbox.runner import CallRequest, prepare_workspace, run_calls
from autograder.sandbox.uids import grading_uid

HARNESS = """
import os, time

CALLS = []  # this worker's calls so far: a lane's worker serves its lane's calls in order

def timed(pause):
    start = time.monotonic()
    time.sleep(pause)
    CALLS.append("timed")
    return {"pid": os.getpid(), "start": start, "end": time.monotonic(), "before": len(CALLS) - 1,
            "forked": b"--fork-server" in open("/proc/self/cmdline", "rb").read()}

def keep(secret):
    with open(os.path.join(os.environ["HOME"], "kept.txt"), "a") as f:
        f.write(secret + "\\n")
    CALLS.append("keep")
    return len(CALLS)

def show(pause):
    time.sleep(pause)
    path = os.path.join(os.environ["HOME"], "kept.txt")
    print("KEPT:", open(path).read() if os.path.exists(path) else "")
    CALLS.append("show")
    return len(CALLS)

def crash():
    os._exit(3)
"""


def _run(calls, lanes_at_once, laptop=False):
    """calls: (name, args, phase, lane) in run order."""
    with outside_tmp_path() as base, (contextlib.nullcontext() if laptop else grading_uid()) as uid:
        (base / "work").mkdir()
        (base / "harness.py").write_text(HARNESS)
        if uid is not None:
            os.chown(base / "work", uid, uid)
        ws = prepare_workspace(base, base / "work", base / "harness.py", uid)
        requests = [CallRequest(id=f"c{i}", call=name, args=args, timeout_s=20, phase=phase, lane=lane)
                    for i, (name, args, phase, lane) in enumerate(calls)]
        return run_calls(ws, requests, limits=Limits(cpu_seconds=60, memory_mb=512), startup_timeout_s=30, uid=uid,
                         lanes_at_once=lanes_at_once)


@pytest.mark.parametrize("laptop", [False, True], ids=["sandbox_uid", "laptop"])
def test_lanes_run_at_once_but_no_call_starts_before_the_phase_before_has_ended(laptop):
    outcomes = _run([("timed", {"pause": 0.6}, 1, 0), ("timed", {"pause": 0.1}, 1, 1),
                     ("timed", {"pause": 0.0}, 2, 0), ("timed", {"pause": 0.0}, 2, 1)], lanes_at_once=True,
                    laptop=laptop)
    assert [o.status for o in outcomes] == ["returned"] * 4, outcomes
    first, second, *later = [o.value for o in outcomes]
    assert second["start"] < first["end"], "the lanes ran one after another"
    assert first["pid"] != second["pid"]
    assert min(v["start"] for v in later) >= max(first["end"], second["end"])
    # Each lane's worker carries over to its calls of the next phase.
    assert [v["pid"] for v in later] == [first["pid"], second["pid"]]
    assert [v["before"] for v in later] == [1, 1]
    # With no fork server serving, the run started one of its own, which loaded the imports once for both.
    assert first["forked"] and second["forked"] and not spawn.forking()


def test_a_hidden_call_in_one_lane_cannot_reach_a_visible_call_of_the_other():
    """The second lane's visible call is quick, its hidden call keeps its input in HOME (which
    the lanes share); the first lane's visible call waits, then prints what HOME holds."""
    outcomes = _run([("show", {"pause": 1.0}, 1, 0), ("show", {"pause": 0.0}, 1, 1),
                     ("keep", {"secret": "HIDDEN-INPUT-7"}, 2, 1), ("show", {"pause": 0.0}, 3, 0)], lanes_at_once=True)
    assert [o.status for o in outcomes] == ["returned"] * 4, outcomes
    assert "HIDDEN-INPUT-7" not in outcomes[0].output + outcomes[1].output
    # The barrier, not a failure to keep it, is what stopped it: the first lane reads it a phase later.
    assert "HIDDEN-INPUT-7" in outcomes[3].output


def test_a_lane_whose_worker_dies_costs_the_other_lane_nothing():
    """As root both lanes' workers run as the same sandbox uid, and ending a dead worker kills
    every process of that uid but the other lanes' workers and what they started."""
    outcomes = _run([("timed", {"pause": 1.5}, 1, 0), ("crash", {}, 1, 1), ("timed", {"pause": 0.0}, 1, 1)],
                    lanes_at_once=True)
    assert [o.status for o in outcomes] == ["returned", "crashed", "returned"], outcomes
    assert outcomes[0].value["pid"] != outcomes[2].value["pid"]


def test_outcomes_are_the_same_whether_the_lanes_run_at_once_or_in_turn():
    calls = [("timed", {"pause": 0.0}, 1, 0), ("crash", {}, 1, 1), ("timed", {"pause": 0.0}, 1, 1),
             ("timed", {"pause": 0.0}, 1, 0), ("keep", {"secret": "s"}, 2, 0), ("timed", {"pause": 0.0}, 2, 1),
             ("show", {"pause": 0.0}, 2, 1)]

    def verdicts(outcomes):
        return [(o.id, o.status, o.error and o.error.type,
                 o.value["before"] if isinstance(o.value, dict) else o.value) for o in outcomes]

    at_once, in_turn = _run(calls, lanes_at_once=True), _run(calls, lanes_at_once=False)
    assert verdicts(at_once) == verdicts(in_turn)
    assert [s for _, s, _, _ in verdicts(in_turn)] == ["returned", "crashed"] + ["returned"] * 5


def test_requests_may_not_go_back_to_an_earlier_phase():
    with pytest.raises(ValueError, match="goes back to phase 1"):
        _run([("timed", {"pause": 0.0}, 2, 0), ("timed", {"pause": 0.0}, 1, 0)], lanes_at_once=False)
