#!/usr/bin/env bash
# Creates .venv with the project and its pinned dependencies. Idempotent: re-running only
# installs what is missing or out of date.
set -euo pipefail
cd "$(dirname "$0")"

pick_python() {
    # System interpreters first: when grading as root, student code runs as an unprivileged
    # uid that must be able to execute the interpreter (a pyenv under /root is not reachable).
    # torch's CPU wheel on this machine's disk is built for CPython 3.11, so 3.11 comes first.
    for candidate in /usr/bin/python3.11 /usr/bin/python3 python3.11 python3.12 python3.10 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
           "$candidate" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
            echo "$candidate"; return 0
        fi
    done
    echo "setup.sh: need Python >= 3.10 on PATH" >&2
    return 1
}

if [ ! -x .venv/bin/python ]; then
    "$(pick_python)" -m venv .venv
fi
stamp=.venv/.installed-$(cat requirements.lock pyproject.toml | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
    rm -f .venv/.installed-*
    touch "$stamp"
fi
