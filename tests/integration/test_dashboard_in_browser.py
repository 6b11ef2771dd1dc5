"""`momentum dashboard` in headless Chromium: every page loads, draws its charts, shows no error and makes no
request that leaves the machine; a screenshot of each page is saved under the test's output folder.

The browser is Debian's chromium and chromium-driver, which `make browser` installs (and `make test` runs it
first). Without them the test fails, naming the fix; MOMENTUM_SKIP_BROWSER_TESTS=1 skips it instead.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.dashboard.browser import PAGES, chromium, missing_browser, requests_leaving_the_machine, visit
from tests.integration import dashboard_fixtures


@pytest.fixture(scope="module")
def dashboard_warehouse(tiny_demo, tmp_path_factory):
    yield from dashboard_fixtures.read_only_copy(tiny_demo, tmp_path_factory)


START_SECONDS = 180  # importing the CLI and starting Streamlit on a loaded 2-core machine


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_healthy(base_url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, f"momentum dashboard exited with {process.returncode}"
        try:
            with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"the dashboard did not answer at {base_url} within {START_SECONDS} s")


@pytest.fixture
def browser_or_reason():
    missing = missing_browser()
    if missing and os.environ.get("MOMENTUM_SKIP_BROWSER_TESTS") == "1":
        pytest.skip(f"MOMENTUM_SKIP_BROWSER_TESTS=1 and {missing}")
    assert missing is None, missing


def test_every_page_loads_in_chromium_without_error_or_outside_request(
    browser_or_reason, dashboard_warehouse, tmp_path
):
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = (tmp_path / "dashboard.log").open("w")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "momentum"), "dashboard", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_until_healthy(base_url, process)
        with chromium(tmp_path / "chromium-profile") as driver:
            visits = [
                visit(driver, base_url, name, title, tmp_path / "screenshots")
                for name, title in PAGES.items()
            ]
            leaving = requests_leaving_the_machine(driver)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()
    for page in visits:
        assert page.errors == [], (page.name, page.errors)
        assert page.charts > 0, f"{page.name} drew no chart"
        assert Path(page.screenshot).stat().st_size > 10_000
    assert leaving == []
    print("page load seconds:", {page.name: round(page.seconds, 2) for page in visits})
