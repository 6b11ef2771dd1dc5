"""Warm the dashboard before `momentum dashboard` announces its address, so the user's first visit is fast.

Streamlit runs the app's script only when a browser session asks for a page, so the first visit after a start
paid for every import (pandas, Plotly, Dagster for the Models page) and every empty query cache: 12-23 s measured
on the tiny demo, against 1.4-3 s once warm. Here one headless session opens Streamlit's own websocket over
loopback and asks for each page in turn, exactly as the browser would; the imports then stay in the server's
process and the query results in its st.cache_data, which all sessions share.

Behind the password gate (a non-loopback --host) the pages stop at the gate, so only the imports are warmed.
"""

from __future__ import annotations

import time

# The pages' URL paths (dashboard/app.py: the default page is served at "/").
PAGE_PATHS = ("", "forecast_accuracy", "pipeline_health", "win_loss", "execution", "models")
WILDCARD_HOSTS = {"0.0.0.0", "::", ""}


def warm_host(host: str) -> str:
    """Where to reach a server bound to `host` from this machine."""
    if host in WILDCARD_HOSTS:
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def warm_pages(host: str, port: int, timeout: float = 120) -> dict[str, float]:
    """Run every page once in a headless session; return the seconds each took (the server's cold start)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from websockets.sync.client import connect

    seconds = {}
    url = f"ws://{warm_host(host)}:{port}/_stcore/stream"
    # The first subprotocol is the one the server selects: Streamlit's browser client sends "streamlit" too.
    with connect(url, subprotocols=["streamlit"], open_timeout=timeout, max_size=None) as socket:
        for path in PAGE_PATHS:
            started = time.monotonic()
            request = BackMsg()
            request.rerun_script.page_name = path
            request.rerun_script.query_string = ""
            socket.send(request.SerializeToString())
            _wait_until_finished(socket, started + timeout)
            seconds[path or "this_quarter"] = time.monotonic() - started
    return seconds


def _wait_until_finished(socket, deadline: float) -> None:
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    early = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN
    while True:
        message = ForwardMsg()
        message.ParseFromString(socket.recv(timeout=max(deadline - time.monotonic(), 0.1)))
        if message.WhichOneof("type") == "script_finished" and message.script_finished != early:
            return
