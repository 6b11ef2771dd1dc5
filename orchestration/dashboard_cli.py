"""`momentum dashboard`: start leadership's dashboard (dashboard/app.py) as the read-only role.

Loopback (127.0.0.1) by default. Any other address exposes the forecast to the network, so it needs
MOMENTUM_DASHBOARD_PASSWORD (the app's password gate, dashboard/gate.py); without one the command refuses in
one line before it starts anything. Usage statistics are off by flag and by environment.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import signal
import sys
import time
from pathlib import Path

import click
import psycopg

import dashboard
from warehouse.reader import READER_ROLE, ensure_reader_role, grant_mlflow_reads, reader_password
from warehouse.roles import pipeline_url
from warehouse.server import mlflow_database_url, warehouse_url
from warehouse.settings import Settings, load_settings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8501
APP_SCRIPT = Path(dashboard.__file__).parent / "app.py"
EXIT_REFUSED = 2
WARM_UP_SECONDS = 180  # a start on a busy 2-core machine; past it the pages warm on first visit instead


class DashboardRefused(click.ClickException):
    exit_code = EXIT_REFUSED


@click.command()
@click.option(
    "--host", default=DEFAULT_HOST, show_default=True, help="Address to bind; not loopback needs a password."
)
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int)
def dashboard_command(host: str, port: int) -> None:
    """Serve leadership's dashboard: forecast, accuracy, pipeline health, win-loss, execution, models."""
    import subprocess

    from orchestration.cli import _run_until_stopped  # imported late: cli.py registers this command

    settings = load_settings()
    refuse_unguarded_address(host, settings)
    reader, mlflow_reader = prepare_read_only_access(settings)
    environment = {
        **os.environ,
        "MOMENTUM_DASHBOARD_READER_URL": reader,
        "MOMENTUM_DASHBOARD_MLFLOW_URL": mlflow_reader,
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    process = subprocess.Popen(streamlit_command(host, port), env=environment, start_new_session=True)
    try:
        warm_up(host, port, process)
    except BaseException:  # Ctrl-C while warming: stop the server too, not only this command
        os.killpg(process.pid, signal.SIGTERM)
        raise
    click.echo(f"Leadership's dashboard at http://{_url_host(host)}:{port} (Ctrl-C stops it)")
    raise SystemExit(_run_until_stopped(process))


def warm_up(host: str, port: int, process, timeout: float = WARM_UP_SECONDS) -> None:
    """Wait for the server, then run every page once (orchestration/dashboard_warmup.py) so the user's first
    visit is as fast as the next ones. Only an optimisation: if it fails, the pages warm on first visit."""
    import urllib.request

    from orchestration.dashboard_warmup import warm_host, warm_pages

    click.echo("Starting leadership's dashboard (warming its pages) ...")
    deadline = time.monotonic() + timeout
    health = f"http://{warm_host(host)}:{port}/_stcore/health"
    while process.poll() is None and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(health, timeout=2) as response:
                if response.read() == b"ok":
                    break
        except OSError:
            time.sleep(0.3)
    else:
        return  # exited (its own message says why) or slow: nothing to warm
    with contextlib.suppress(Exception):
        warm_pages(host, port, timeout=max(deadline - time.monotonic(), 1))


def streamlit_command(host: str, port: int) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(APP_SCRIPT),
        "--server.address", host, "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--global.developmentMode", "false",
        "--server.fileWatcherType", "none", "--client.toolbarMode", "minimal",
        "--server.showEmailPrompt", "false",
    ]  # fmt: skip


def refuse_unguarded_address(host: str, settings: Settings) -> None:
    if not is_loopback(host) and not settings.dashboard_password:
        raise DashboardRefused(
            f"refusing to serve the dashboard on {host} without a password: set MOMENTUM_DASHBOARD_PASSWORD, "
            f"or leave --host at {DEFAULT_HOST}"
        )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any interface


def prepare_read_only_access(settings: Settings) -> tuple[str, str]:
    """Make (or refresh) the read-only role on the warehouse and MLflow's database; return its two URLs."""
    admin = warehouse_url(settings)
    # The embedded server is reached through its own unix socket, which it trusts; an external one needs a password.
    password = (
        reader_password(settings.home, settings.dashboard_db_password) if settings.warehouse_url else None
    )
    try:
        reader = ensure_reader_role(admin, password)
        mlflow_admin = mlflow_database_url(settings)
        grant_mlflow_reads(mlflow_admin)
    except psycopg.errors.InsufficientPrivilege as error:
        raise DashboardRefused(
            f"the user of MOMENTUM_WAREHOUSE_URL may not create the dashboard's read-only role {READER_ROLE}"
            f" ({str(error).strip().splitlines()[0]}): grant it CREATEROLE, or run `momentum dashboard` once as an"
            " admin"
        ) from None
    return reader, pipeline_url(mlflow_admin, READER_ROLE, password)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
