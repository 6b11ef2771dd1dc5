"""Start `momentum dashboard` on a free loopback port and hand over its URL once it announces its address.

The CLI announces its address only after its warm-up has run every page once (orchestration/dashboard_warmup.py);
`/_stcore/health` answers long before, while the warm-up still holds the server's CPU. Waiting for the
announcement is what a user does, and what keeps a browser measurement or test from racing the warm-up.
Shared by the page-timing bench (bench/dashboard_pages.py) and the browser test.
"""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

ANNOUNCEMENT = "Leadership's dashboard at"  # orchestration/dashboard_cli.py prints it after the warm-up
START_SECONDS = (
    300  # starting and warming on a loaded 2-core machine (the CLI's warm-up gives up after 180 s)
)


class DashboardDidNotStart(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def momentum_dashboard(port: int) -> list[str]:
    return [str(Path(sys.executable).parent / "momentum"), "dashboard", "--port", str(port)]


def _default_termination() -> None:
    """In the child, before exec: an ignored or blocked SIGTERM is inherited through fork and exec (a pytest worker
    can have it ignored), and the SIGTERM that stops the dashboard would do nothing until the SIGKILL 30 s later."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})


@contextlib.contextmanager
def started_dashboard(
    command: Sequence[str] | None = None, port: int | None = None, timeout: float = START_SECONDS
) -> Iterator[str]:
    """`momentum dashboard` (or `command`, which serves on `port`) started in its own process group; yields
    http://127.0.0.1:<port> once the announcement is printed, and stops the group afterwards. The output's
    last lines are kept for the error when it exits or stays silent instead."""
    port = port or free_port()
    started = time.monotonic()
    process = subprocess.Popen(
        list(command or momentum_dashboard(port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=_default_termination,
    )
    tail: collections.deque[str] = collections.deque(maxlen=20)
    announced = threading.Event()

    def read_output() -> None:
        # Read to the end on a thread: a deadline holds even when the process prints nothing, and a full
        # pipe never stalls the server being measured.
        for line in process.stdout:
            tail.append(line.rstrip())
            if ANNOUNCEMENT in line:
                announced.set()

    reader = threading.Thread(target=read_output, daemon=True)
    reader.start()
    try:
        while not announced.wait(0.2):
            if process.poll() is not None:
                reader.join(timeout=5)
                if announced.is_set():
                    break
                raise DashboardDidNotStart(
                    f"momentum dashboard exited with {process.returncode} before announcing its address:\n"
                    + "\n".join(tail)
                )
            if time.monotonic() - started > timeout:
                raise DashboardDidNotStart(
                    f"momentum dashboard did not announce its address within {timeout:.0f} s:\n"
                    + "\n".join(tail)
                )
        print(
            f"momentum dashboard announced its address after {time.monotonic() - started:.1f} s", flush=True
        )
        yield f"http://127.0.0.1:{port}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
