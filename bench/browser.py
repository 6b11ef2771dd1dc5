"""Headless Debian Chromium driven by selenium: the dashboard's end-to-end test and its page-timing bench
(bench/dashboard_pages.py) open pages, wait for their charts and take screenshots with it. Selenium is a dev
dependency, so this lives with the benchmarks, not in the shipped app.

Only the system's browser (`make browser` installs Debian's chromium and chromium-driver): nothing is downloaded.
The browser's performance log records every request it sends, so a test can prove none left the machine.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", "--window-size=1600,1200",
)  # fmt: skip
PAGES = {
    "this_quarter": "This quarter",
    "forecast_accuracy": "Forecast accuracy",
    "pipeline_health": "Pipeline health and review",
    "win_loss": "Win-loss",
    "execution": "Execution",
    "models": "Models",
}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
LOCAL_SCHEMES = {"data", "blob", "about", "chrome", "chrome-extension", "devtools"}


def missing_browser() -> str | None:
    """What is missing to run the browser test, or None."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    return f"{' and '.join(missing)} missing: run `make browser`" if missing else None


@dataclass
class PageVisit:
    name: str
    seconds: float
    charts: int
    errors: list[str]
    screenshot: Path


@contextmanager
def chromium(profile_dir: Path) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile_dir}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    # Selenium Manager would look for a driver online: the system's driver is named explicitly.
    os.environ.setdefault("SE_OFFLINE", "true")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def visit(
    driver: webdriver.Chrome, base_url: str, name: str, title: str, screenshots: Path, timeout: float = 60
) -> PageVisit:
    """Open one page, wait until Streamlit has finished running it and its charts are drawn, screenshot it."""
    started = time.monotonic()
    driver.get(f"{base_url}/{'' if name == 'this_quarter' else name}")
    wait = WebDriverWait(driver, timeout, poll_frequency=0.05)
    wait.until(lambda d: any(h.text == title for h in d.find_elements(By.CSS_SELECTOR, "h1")))
    charts, drawn_at = wait_until_drawn(driver, timeout)
    seconds = drawn_at - started
    errors = [e.text for e in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stException"]')]
    errors += [e.text for e in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stAlertContentError"]')]
    body = driver.find_element(By.TAG_NAME, "body").text
    errors += [line for line in body.splitlines() if "Error" in line or "Traceback" in line]
    screenshots.mkdir(parents=True, exist_ok=True)
    screenshot = screenshots / f"{name}.png"
    _full_page_screenshot(driver, screenshot)
    return PageVisit(name, seconds, charts, errors, screenshot)


# Charts on the page, and those drawn: a plotly chart once its SVG is there, an image once it has loaded.
DRAWN_CHARTS = """
const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"], [data-testid="stImage"]')];
const drawn = charts.filter(c => c.querySelector('.js-plotly-plot .main-svg')
    || [...c.querySelectorAll('img')].some(i => i.complete && i.naturalWidth > 0));
const emptyStates = document.querySelectorAll('[data-testid="stAlert"]').length;
return [charts.length, drawn.length, emptyStates];
"""


def wait_until_drawn(
    driver: webdriver.Chrome, timeout: float, settle_seconds: float = 0.5
) -> tuple[int, float]:
    """Wait until Streamlit is idle, at least one chart (or empty state) is on the page, every chart is drawn, and
    that has held for `settle_seconds` (Streamlit adds elements as the script runs); return the chart count and
    when they were all drawn (the settling wait is not the page's load time)."""
    deadline, settled_since, last = time.monotonic() + timeout, None, None
    while time.monotonic() < deadline:
        running = driver.find_elements(
            By.CSS_SELECTOR, '[data-testid="stStatusWidget"], [data-testid="stSkeleton"]'
        )
        containers, drawn, empty_states = driver.execute_script(DRAWN_CHARTS)
        state = (containers, drawn, empty_states)
        if not running and (containers or empty_states) and drawn == containers:
            if state != last or settled_since is None:
                settled_since = time.monotonic()
            elif time.monotonic() - settled_since >= settle_seconds:
                return containers, settled_since
        else:
            settled_since = None
        last = state
        time.sleep(0.05)
    raise AssertionError(f"the page's charts were not drawn within {timeout} s")


def _full_page_screenshot(driver: webdriver.Chrome, path: Path) -> None:
    height = driver.execute_script(
        "const m = document.querySelector('section.main, [data-testid=\"stMain\"]');"
        "return Math.max(document.body.scrollHeight, m ? m.scrollHeight : 0);"
    )
    driver.set_window_size(1600, min(max(int(height) + 100, 1200), 6000))
    time.sleep(0.3)  # the charts resize to the new window
    driver.save_screenshot(str(path))
    driver.set_window_size(1600, 1200)


def requests_leaving_the_machine(driver: webdriver.Chrome) -> list[str]:
    """URLs of every request the browser sent (performance log) to anything but this machine."""
    leaving = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") not in ("Network.requestWillBeSent", "Network.webSocketCreated"):
            continue
        url = message["params"].get("request", {}).get("url") or message["params"].get("url", "")
        parts = urlsplit(url)
        if parts.scheme in LOCAL_SCHEMES or (parts.hostname or "") in LOCAL_HOSTS:
            continue
        leaving.append(url)
    return leaving
