#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the grading image (written by `autograder build`).
#
# It creates a virtualenv with the pinned packages of requirements.txt (CPU-only torch when the
# assignment uses torch), outside source/ so that the unprivileged uid running student code can
# execute it, then closes source/ (spec, expected values) to every other uid. Last, the image
# tests itself (`autograder selftest`): the untouched template is graded the way every
# submission will be, as the sandbox uid; if that fails, so does this script, with the reason in
# Gradescope's build log. The system python3 is never modified. Idempotent: a second run with the
# same requirements only re-applies modes and tests again.
#
# Environment (all optional):
#   AUTOGRADER_ROOT         where Gradescope's folders live (default /autograder)
#   AUTOGRADER_VENV         the virtualenv to create or reuse (default $AUTOGRADER_ROOT/venv)
#   AUTOGRADER_PYTHON       the interpreter to build it from (default python@PYTHON_VERSION@, the
#                           version the pins were made for; installed with apt-get when missing)
#   AUTOGRADER_TORCH_INDEX  extra package index holding torch's CPU wheels
#                           (default https://download.pytorch.org/whl/cpu; empty: none)
set -euo pipefail

ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
VENV="${AUTOGRADER_VENV:-$ROOT/venv}"
TORCH_INDEX="${AUTOGRADER_TORCH_INDEX-https://download.pytorch.org/whl/cpu}"
WANTED=@PYTHON_VERSION@

is_wanted_python() {
    "$1" -c "import sys, venv, ensurepip; sys.exit(f'{sys.version_info[0]}.{sys.version_info[1]}' != '$WANTED')" 2>/dev/null
}

find_python() {
    local candidate
    for candidate in ${AUTOGRADER_PYTHON:-} "/usr/bin/python$WANTED" "python$WANTED"; do
        if command -v "$candidate" >/dev/null 2>&1 && is_wanted_python "$candidate"; then
            command -v "$candidate"; return 0
        fi
    done
    return 1
}

if [ ! -x "$VENV/bin/python" ]; then
    if ! PYTHON="$(find_python)"; then
        if [ -n "${AUTOGRADER_PYTHON:-}" ] || [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
            echo "setup.sh: need Python $WANTED with venv (the version requirements.txt is pinned for)" >&2
            exit 1
        fi
        # Ubuntu 22.04's system python3 is 3.10; its python3.11 packages sit beside it, untouched.
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q
        apt-get install -y -q --no-install-recommends "python$WANTED" "python$WANTED-venv"
        PYTHON="$(find_python)"
    fi
    "$PYTHON" -m venv "$VENV"
fi

stamp="$VENV/.requirements-$(sha256sum < "$SOURCE/requirements.txt" | cut -c1-16)"
if [ ! -f "$stamp" ]; then
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir --only-binary=:all: \
        ${TORCH_INDEX:+--extra-index-url "$TORCH_INDEX"} -r "$SOURCE/requirements.txt"
    rm -f "$VENV"/.requirements-*
    touch "$stamp"
fi

# Student code runs as another uid: it may traverse ROOT and use the venv, nothing else here.
chmod -R a+rX "$VENV"
chmod 711 "$ROOT"
chmod 700 "$SOURCE"

# The way run_autograder grades, from source/ with the same environment, on the untouched template.
if ! (cd "$SOURCE" && PYTHONPATH="$SOURCE" AUTOGRADER_COURSE_ROOT="$SOURCE/course" AUTOGRADER_CACHE="$SOURCE/.cache" \
        TMPDIR="${TMPDIR:-/tmp}" "$VENV/bin/python" -m autograder selftest @ASSIGNMENT@); then
    echo "setup.sh: the grading image failed its self-test (above), so students' code would not be graded" \
         "as it must; fix the image and build it again" >&2
    exit 1
fi
