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

# The report's browser tests (tests/tools/test_report_page.py) open the page in Debian's Chromium,
# driven through its chromedriver. Installed when missing and this machine can (root, apt-get);
# elsewhere those tests skip and say why. A failed install does not stop the rest of the set-up:
# grading needs no browser, and the browser tests then fail, naming what is missing.
browser_packages=()
command -v chromium >/dev/null 2>&1 || browser_packages+=(chromium)
command -v chromedriver >/dev/null 2>&1 || browser_packages+=(chromium-driver)
if [ ${#browser_packages[@]} -gt 0 ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup.sh: installing ${browser_packages[*]} (Debian packages) for the report's browser tests"
    export DEBIAN_FRONTEND=noninteractive
    log=$(mktemp)
    # The package lists may be empty on a fresh machine; another apt run may hold the lock for a while.
    if ! { apt-get -qq -o DPkg::Lock::Timeout=300 update &&
           apt-get -qq -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${browser_packages[@]}"
         } >"$log" 2>&1; then
        tail -n 5 "$log" >&2
        echo "setup.sh: could not install ${browser_packages[*]}; the report's browser tests will fail" >&2
    fi
    rm -f "$log"
fi
