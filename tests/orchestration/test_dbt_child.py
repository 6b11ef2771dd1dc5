"""dbt dies with the run that started it: a killed run leaves no orphaned `dbt build` behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orchestration.resources import dbt_tied_to_this_process

# A stand-in for a killed `momentum run`: it starts a long child through the wrapper, prints its pid, waits.
PARENT = """
import signal, subprocess, sys, time
{signals}
child = subprocess.Popen([sys.executable, "-c",
    "from orchestration.dbt_project.dbt_child import exec_tied_to_parent;"
    " exec_tied_to_parent('/bin/sleep', ['sleep', '120'])"])
print(child.pid, flush=True)
time.sleep(120)
"""


def _gone(pid: int) -> bool:
    """Exited, or a zombie nobody reaped (a container's PID 1 may not reap): either way it runs no more."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


def _command(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except FileNotFoundError:
        return None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
@pytest.mark.parametrize(
    "signals",
    [
        "",
        # An ignored or blocked SIGTERM is inherited through fork and exec: dbt must die all the same.
        "signal.signal(signal.SIGTERM, signal.SIG_IGN); signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})",
    ],
    ids=["plain", "sigterm_ignored_and_blocked_by_the_run"],
)
def test_the_dbt_child_ends_when_the_run_that_started_it_is_killed(signals):
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT.format(signals=signals)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    child = int(parent.stdout.readline())
    # Kill the parent only once the child has become `sleep` (its death request is set by then): on a loaded
    # machine the child's Python start can take longer than any fixed pause.
    deadline = time.monotonic() + 60
    while _command(child) != "sleep" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _command(child) == "sleep" and not _gone(child)

    parent.send_signal(signal.SIGKILL)
    parent.wait()

    deadline = time.monotonic() + 10
    while not _gone(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    if not _gone(child):
        os.kill(child, signal.SIGKILL)
        pytest.fail("the child outlived the process that started it")


def test_dagster_starts_dbt_through_the_wrapper_when_it_is_installed():
    executable = dbt_tied_to_this_process()
    assert Path(executable).name in ("momentum-dbt", "dbt")
    assert os.access(executable, os.X_OK)
