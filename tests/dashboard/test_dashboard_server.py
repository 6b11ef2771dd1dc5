"""The bench's and the browser test's dashboard starter hands over the URL only once the CLI has announced its
address (after its warm-up), never as soon as the server answers; a start that fails says why."""

from __future__ import annotations

import sys
import time

import pytest

from bench.dashboard_server import ANNOUNCEMENT, DashboardDidNotStart, free_port, started_dashboard


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_the_url_is_handed_over_only_after_the_announcement(tmp_path):
    warmed = tmp_path / "warmed"
    # A server that prints its start at once, then "warms" for a second before announcing its address.
    command = _python(
        "import pathlib, time\n"
        "print('Starting ...', flush=True)\n"
        "time.sleep(1)\n"
        f"pathlib.Path({str(warmed)!r}).write_text('yes')\n"
        f"print({ANNOUNCEMENT!r} + ' http://127.0.0.1', flush=True)\n"
        "time.sleep(60)\n"
    )
    port = free_port()
    started = time.monotonic()
    with started_dashboard(command, port=port, timeout=30) as url:
        assert warmed.exists(), "handed over before the warm-up ended"
        assert url == f"http://127.0.0.1:{port}"
    assert time.monotonic() - started < 30, "the server was not stopped after use"


def test_a_dashboard_that_exits_before_announcing_says_so_with_its_output():
    command = _python(
        "print('refusing to serve the dashboard on 0.0.0.0 without a password'); raise SystemExit(2)"
    )
    with (
        pytest.raises(DashboardDidNotStart, match="exited with 2") as error,
        started_dashboard(command, timeout=30),
    ):
        pass
    assert "without a password" in str(error.value)


def test_a_dashboard_that_never_announces_times_out():
    with (
        pytest.raises(DashboardDidNotStart, match="within 1 s"),
        started_dashboard(_python("import time; print('Starting', flush=True); time.sleep(60)"), timeout=1),
    ):
        pass
