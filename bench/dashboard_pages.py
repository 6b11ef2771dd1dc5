"""How long each dashboard page takes in a real browser: a user's first visit, and a second one.

    .venv/bin/python -m bench.dashboard_pages                  # starts `momentum dashboard` on MOMENTUM_HOME
    .venv/bin/python -m bench.dashboard_pages --url http://127.0.0.1:8501   # a dashboard already running

A page's time runs from the browser asking for its address until Streamlit is idle and every chart is drawn
(bench/browser.py, the end-to-end test's own wait). "first" opens the page in a new headless
Chromium with an empty profile, as someone following a link does: nothing cached in the browser, a new
Streamlit session; "warm" opens it again in that browser; "sidebar" is a user's first visit of each page
after opening the dashboard once: a click on its link in the sidebar (no reload: Streamlit and plotly.js are
already loaded, the session is open). A started dashboard is measured only after it has
announced its address (after its warm-up), as a user would find it. `--rounds` repeats everything; the
printed figure is the median. Writes nothing but the screenshots (--screenshots) and the browser's profile.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from bench.browser import PAGES, chromium, missing_browser, visit, wait_until_drawn
from bench.dashboard_server import DashboardDidNotStart, started_dashboard

# What the browser downloaded before the page could draw, from its Resource Timing entries.
DOWNLOADS = """
const entries = performance.getEntriesByType('resource');
const scripts = entries.filter(e => e.initiatorType === 'script' || e.name.endsWith('.js'));
return [entries.length, scripts.reduce((s, e) => s + (e.transferSize || 0), 0),
        scripts.reduce((s, e) => s + (e.decodedBodySize || 0), 0),
        Math.max(0, ...scripts.map(e => e.responseEnd))];
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running dashboard (default: start `momentum dashboard` here)")
    parser.add_argument("--rounds", type=int, default=1, help="measure every page this many times")
    parser.add_argument("--screenshots", type=Path, help="save each page's screenshot in this folder")
    parser.add_argument("--pages", nargs="*", choices=list(PAGES), default=list(PAGES))
    args = parser.parse_args()
    missing = missing_browser()
    if missing:
        raise SystemExit(missing)
    with _dashboard(args.url) as base_url, tempfile.TemporaryDirectory(prefix="bench-chromium-") as scratch:
        shots = args.screenshots or Path(scratch) / "screenshots"
        first: dict[str, list[float]] = {name: [] for name in args.pages}
        warm: dict[str, list[float]] = {name: [] for name in args.pages}
        sidebar: dict[str, list[float]] = {name: [] for name in args.pages}
        for round_number in range(args.rounds):
            # A user opens the dashboard once, then visits each page from the sidebar (no page reload).
            with chromium(Path(scratch) / f"profile-{round_number}-sidebar") as driver:
                opened = visit(driver, base_url, "this_quarter", PAGES["this_quarter"], shots / "sidebar")
                for name in args.pages:
                    sidebar[name].append(
                        opened.seconds if name == "this_quarter" else _visit_from_sidebar(driver, PAGES[name])
                    )
                print(
                    f"  round {round_number + 1} opened the dashboard in {opened.seconds:.2f} s, then from the"
                    f" sidebar: {', '.join(f'{n} {sidebar[n][-1]:.2f} s' for n in args.pages)}",
                    flush=True,
                )
            for name in args.pages:
                profile = Path(scratch) / f"profile-{round_number}-{name}"
                with chromium(profile) as driver:
                    page = visit(driver, base_url, name, PAGES[name], shots)
                    downloads = driver.execute_script(DOWNLOADS)
                    again = visit(driver, base_url, name, PAGES[name], shots / "warm")
                for problem in page.errors + again.errors:
                    print(f"  {name}: the page shows an error: {problem}", file=sys.stderr)
                first[name].append(page.seconds)
                warm[name].append(again.seconds)
                print(
                    f"  round {round_number + 1} {name}: first {page.seconds:.2f} s, warm {again.seconds:.2f} s"
                    f" ({page.charts} charts; first visit fetched {downloads[0]} files,"
                    f" scripts {downloads[1] / 1e6:.1f} MB on the wire / {downloads[2] / 1e6:.1f} MB,"
                    f" the last by {downloads[3] / 1000:.2f} s)",
                    flush=True,
                )
    columns = {"first (s)": first, "warm (s)": warm, "sidebar (s)": sidebar}
    print(f"\n{'page':<20}" + "".join(f"{label:>12}" for label in columns))
    for name in [*args.pages, "slowest"]:
        medians = [
            max(map(statistics.median, times.values()))
            if name == "slowest"
            else statistics.median(times[name])
            for times in columns.values()
        ]
        print(f"{name:<20}" + "".join(f"{value:>12.2f}" for value in medians))


def _visit_from_sidebar(driver, title: str, timeout: float = 60) -> float:
    """Click the page's link in the sidebar; the seconds until its title is up and its charts are drawn."""
    (link,) = [
        a for a in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebarNav"] a') if a.text == title
    ]
    started = time.monotonic()
    link.click()
    WebDriverWait(driver, timeout, poll_frequency=0.05).until(
        # Read in the page: Streamlit replaces the headings as the page runs (no stale element to ask).
        lambda d: (
            title in d.execute_script("return [...document.querySelectorAll('h1')].map(h => h.innerText)")
        )
    )
    return wait_until_drawn(driver, timeout)[1] - started


@contextlib.contextmanager
def _dashboard(url: str | None) -> Iterator[str]:
    """The URL of the dashboard to measure: the given one, or `momentum dashboard` started on a free port, measured
    once it has announced its address (after its warm-up) and stopped afterwards."""
    if url:
        yield url.rstrip("/")
        return
    try:
        with started_dashboard() as started:
            yield started
    except DashboardDidNotStart as error:
        raise SystemExit(str(error)) from None


if __name__ == "__main__":
    main()
