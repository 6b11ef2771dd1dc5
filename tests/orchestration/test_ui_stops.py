"""`momentum ui` stops dagster dev and everything it started (webserver, daemon, code server) on SIGTERM or
SIGINT, instead of leaving them running; and kills what ignores the signal after a bounded wait."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

REPO = Path(__file__).parents[2]
MOMENTUM = Path(sys.executable).parent / "momentum"
# dagster dev parses the dbt project and starts three Python processes: slow on a busy 2-core machine.
STARTUP_SECONDS = 240
STOP_SECONDS = 20


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers_http(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer means the webserver is up
    except OSError:
        return False


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _group_members(group: int) -> list[psutil.Process]:
    members = []
    for process in psutil.process_iter():
        with contextlib.suppress(ProcessLookupError, psutil.Error):
            if os.getpgid(process.pid) == group and _alive(process):
                members.append(process)
    return members


def _kill_all(processes: list[psutil.Process], groups: set[int]) -> None:
    """The test's own safety net: nothing it started may outlive it, whatever the code under test does."""
    for group in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)
    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.kill()


def _left_after(deadline: float, processes: list[psutil.Process], groups: set[int]) -> list[psutil.Process]:
    while True:
        left = [p for p in processes if _alive(p)] + [p for g in groups for p in _group_members(g)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.25)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_momentum_ui_leaves_no_process_behind(tmp_path, signum):
    assert MOMENTUM.exists(), f"{MOMENTUM} missing: run `make install`"
    port = _free_port()
    env = {**os.environ, "MOMENTUM_HOME": str(tmp_path / "home")}
    env.pop("MOMENTUM_WAREHOUSE_URL", None)
    log = tmp_path / "ui.log"
    tree: list[psutil.Process] = []
    groups: set[int] = set()
    with log.open("w") as out:
        # A session of its own, so the safety net can kill it as a group without touching pytest.
        momentum = subprocess.Popen(
            [str(MOMENTUM), "ui", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    root = psutil.Process(momentum.pid)
    tree.append(root)
    groups.add(momentum.pid)
    try:
        # GIVEN the UI answering HTTP
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _answers_http(port):
            assert momentum.poll() is None, f"momentum ui exited early:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, (
                f"UI not up in {STARTUP_SECONDS} s:\n{log.read_text()[-3000:]}"
            )
            time.sleep(1)
        tree.extend(root.children(recursive=True))
        groups.update(os.getpgid(p.pid) for p in tree[1:] if _alive(p))
        names = " ".join(" ".join(p.cmdline()) for p in tree[1:] if _alive(p))
        assert "dagster_webserver" in names and "dagster._daemon" in names, names

        # WHEN the momentum process alone gets the signal
        momentum.send_signal(signum)

        # THEN it exits cleanly and nothing of its tree (or of dagster's process group) is left
        left = _left_after(time.monotonic() + STOP_SECONDS, tree, groups)
        assert not left, [" ".join(p.cmdline())[:120] for p in left]
        assert momentum.wait(timeout=5) == 0, log.read_text()[-3000:]
    finally:
        _kill_all(tree, groups)
        with contextlib.suppress(subprocess.TimeoutExpired):
            momentum.wait(timeout=5)


STUBBORN = textwrap.dedent(
    """
    import signal, subprocess, sys
    from orchestration.cli import _run_until_stopped

    # A leader whose child ignores SIGTERM and SIGINT, as dagster's processes did for 25 s; the child says
    # "ready" (through the leader's stdout) once it ignores them.
    child = (
        "import signal, time; [signal.signal(s, signal.SIG_IGN) for s in (signal.SIGTERM, signal.SIGINT)];"
        " print('ready', flush=True); time.sleep(600)"
    )
    leader = subprocess.Popen(
        [sys.executable, "-c", f"import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', {child!r}]); time.sleep(600)"],
        start_new_session=True, stdout=subprocess.PIPE, text=True,
    )
    leader.stdout.readline()

    # The test signals as soon as it reads the pid, so say it only once _run_until_stopped handles SIGINT:
    # before that, Python's default handler would end this process with KeyboardInterrupt.
    install = signal.signal
    def install_then_announce(signum, handler):
        previous = install(signum, handler)
        if signum == signal.SIGINT and handler is not signal.default_int_handler:
            print(leader.pid, flush=True)
        return previous
    signal.signal = install_then_announce
    sys.exit(_run_until_stopped(leader, grace_seconds=2))
    """
)


def test_what_ignores_the_signal_is_killed_after_the_grace_period():
    wrapper = subprocess.Popen(
        [sys.executable, "-c", STUBBORN],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    group = None
    try:
        group = int(wrapper.stdout.readline())
        tree = [psutil.Process(wrapper.pid), *psutil.Process(wrapper.pid).children(recursive=True)]
        assert len(tree) == 3
        started = time.monotonic()

        wrapper.send_signal(signal.SIGINT)

        assert wrapper.wait(timeout=STOP_SECONDS) == 0
        assert not _left_after(time.monotonic() + 5, tree, {group})
        assert time.monotonic() - started < 10
    finally:
        _kill_all([], {wrapper.pid} | ({group} if group else set()))
