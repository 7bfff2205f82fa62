"""A real headless browser for tests that open our pages: Debian's Chromium, driven through its
own chromedriver by selenium (no browser or driver is ever downloaded). `setup.sh` installs
both where it can (root, apt-get); only elsewhere do these tests skip."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# What this machine needs: no sandbox as root, no GPU, a small /dev/shm, and no network (the
# background services' failing connections would otherwise be logged).
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")


def require_browser() -> None:
    """Skips where setup.sh cannot install the browser; fails where it could have."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip(f"{', '.join(missing)} missing, and setup.sh installs Debian's chromium and chromium-driver only "
                    "as root with apt-get")
    pytest.fail(f"{', '.join(missing)} missing: run ./setup.sh, which installs Debian's chromium and chromium-driver")


@contextmanager
def chromium() -> Iterator:
    """A selenium WebDriver on a fresh, empty profile, keeping every console message."""
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="autograder-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in (*FLAGS, f"--user-data-dir={profile}"):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
        try:
            yield driver
        finally:
            driver.quit()


def console_errors(driver) -> list[str]:
    """The console's errors since the last call (page script errors, failed loads, policy
    violations, console.error)."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
