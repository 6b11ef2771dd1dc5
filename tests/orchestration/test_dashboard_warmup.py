"""The warm-up `momentum dashboard` runs before it announces the address: a headless session that asks a real
Streamlit server for every page, as a browser would, so the pages' imports and caches are ready."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request

from orchestration.dashboard_cli import streamlit_command
from orchestration.dashboard_warmup import PAGE_PATHS, warm_host, warm_pages

# An app with the dashboard's page URLs, each page noting that it ran.
APP = """
from pathlib import Path
import streamlit as st

RUNS = Path(__file__).with_name("runs.log")

def page(name):
    def run():
        with RUNS.open("a") as runs:
            runs.write(name + "\\n")
    run.__name__ = name
    return run

paths = {paths!r}
pages = [st.Page(page("default"), title="Default", url_path="default", default=True)]
pages += [st.Page(page(path), title=path, url_path=path) for path in paths[1:]]
st.navigation(pages).run()
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_every_page_runs_once_in_the_headless_session(tmp_path):
    script = tmp_path / "app.py"
    script.write_text(APP.format(paths=PAGE_PATHS))
    port = _free_port()
    command = streamlit_command("127.0.0.1", port)
    command[command.index("run") + 1] = str(script)
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        seconds = warm_pages("127.0.0.1", port, timeout=60)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert (tmp_path / "runs.log").read_text().split() == ["default", *PAGE_PATHS[1:]]
    assert list(seconds) == ["this_quarter", *PAGE_PATHS[1:]]


def test_a_wildcard_bind_is_warmed_over_loopback():
    assert warm_host("0.0.0.0") == "127.0.0.1"
    assert warm_host("::") == "127.0.0.1"
    assert warm_host("::1") == "[::1]"
    assert warm_host("192.0.2.7") == "192.0.2.7"
