"""`momentum dashboard` in headless Chromium: every page loads, draws its charts, shows no error and makes no
request that leaves the machine; a screenshot of each page is saved under the test's output folder.

The browser is Debian's chromium and chromium-driver, which `make browser` installs (and `make test` runs it
first). Without them the test fails, naming the fix; MOMENTUM_SKIP_BROWSER_TESTS=1 skips it instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.browser import PAGES, chromium, missing_browser, requests_leaving_the_machine, visit
from bench.dashboard_server import started_dashboard
from tests.integration import dashboard_fixtures


@pytest.fixture(scope="module")
def dashboard_warehouse(tiny_demo, tmp_path_factory):
    yield from dashboard_fixtures.read_only_copy(tiny_demo, tmp_path_factory)


@pytest.fixture
def browser_or_reason():
    missing = missing_browser()
    if missing and os.environ.get("MOMENTUM_SKIP_BROWSER_TESTS") == "1":
        pytest.skip(f"MOMENTUM_SKIP_BROWSER_TESTS=1 and {missing}")
    assert missing is None, missing


def test_every_page_loads_in_chromium_without_error_or_outside_request(
    browser_or_reason, dashboard_warehouse, tmp_path
):
    # Opened once the CLI announces its address, after its warm-up: not as soon as /_stcore/health answers,
    # which would race the warm-up for the server's CPU (bench/dashboard_server.py).
    with started_dashboard() as base_url, chromium(tmp_path / "chromium-profile") as driver:
        visits = [
            visit(driver, base_url, name, title, tmp_path / "screenshots") for name, title in PAGES.items()
        ]
        leaving = requests_leaving_the_machine(driver)
    for page in visits:
        assert page.errors == [], (page.name, page.errors)
        assert page.charts > 0, f"{page.name} drew no chart"
        assert Path(page.screenshot).stat().st_size > 10_000
    assert leaving == []
    print("page load seconds:", {page.name: round(page.seconds, 2) for page in visits})
