"""`momentum`: the command line for the demo, the morning job, retraining and the UI."""

from __future__ import annotations

import contextlib
import getpass
import os
import signal
import subprocess
import sys
import time
import warnings
from datetime import date

import click
import psycopg

from orchestration.crm_cli import crm
from orchestration.dashboard_cli import dashboard_command
from orchestration.evaluate_cli import evaluate, model
from orchestration.failures import ExplainedGroup
from orchestration.forecast_cli import forecast
from orchestration.runner import JobReport, run_job
from orchestration.sim_cli import sim
from orchestration.summary import print_run_summary
from simulator.salesforce_api.momentum_settings import DEMO_CRM_KINDS, SERVED_AS, demo_crm_served
from warehouse.server import (
    mlflow_database_url,
    pipeline_warehouse_url,
    redact,
    refresh_pipeline_grants,
    warehouse_url,
)
from warehouse.settings import load_settings


@click.group(cls=ExplainedGroup)
@click.option("--debug", is_flag=True, help="Show the full traceback of a failure instead of one line.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Momentum: scores every open deal, picks each rep's most valuable actions, writes them into the CRM."""
    ctx.obj = {"debug": debug}
    # pgserver asks platformdirs for a runtime dir it never uses; the warning only confuses users.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    # MLflow's per-file download bars and INFO lines would bury the one-line-per-step progress.
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "ERROR")


@main.group()
def warehouse() -> None:
    """The PostgreSQL warehouse (embedded unless MOMENTUM_WAREHOUSE_URL is set)."""


@warehouse.command("url")
@click.option("--show-password", is_flag=True, help="Print the password instead of ***.")
def warehouse_url_command(show_password: bool) -> None:
    """Print the warehouse URL (psql and SQLAlchemy accept it), starting the embedded server if needed."""
    url = warehouse_url(load_settings())
    click.echo(url if show_password else redact(url))


@main.command()
@click.option("--preset", default="demo", show_default=True, help="Size of the demo CRM to create.")
@click.option("--seed", default=7, show_default=True, type=int, help="Seed of the demo CRM.")
@click.option("--rebuild", is_flag=True, help="Recreate the demo CRM even if it exists.")
@click.option(
    "--crm",
    "crm_kind",
    type=click.Choice(DEMO_CRM_KINDS),
    default="demo",
    show_default=True,
    help="Read the demo CRM directly, or through a local Salesforce- or HubSpot-compatible API with the real client.",
)
def demo(preset: str, seed: int, rebuild: bool, crm_kind: str) -> None:
    """Create the demo CRM if absent, then run the morning job on the demo CRM's own today."""
    from crm.connectors import crm_layout
    from extract.source_switch import built_for
    from ml.data.targets import WIN
    from ml.registry.client import CHAMPION, alias_version, mlflow_client
    from reverse_etl.sync_state import reset_sync_state
    from simulator.build import build_demo_crm, demo_crm_exists, demo_today

    started = time.monotonic()
    settings = load_settings()
    url = warehouse_url(settings)
    created = rebuild or not demo_crm_exists(url)
    if created:
        click.echo(f"Creating the demo CRM (preset {preset}, seed {seed}) in schema crm ...")
        summary = build_demo_crm(url, preset=preset, seed=seed)
        reset_sync_state(url)
        refresh_pipeline_grants(settings)
        counts = summary.row_counts
        click.echo(
            f"  {counts['user']} users, {counts['account']} accounts, {counts['opportunity']} opportunities, "
            f"{counts['task'] + counts['event']} activities from {summary.history_start} to {summary.today} "
            f"({summary.build_seconds:.1f}s)"
        )
    from crm.demo.momentum_fields import ensure_momentum_fields

    with psycopg.connect(url, autocommit=True) as conn:
        ensure_momentum_fields(conn)  # a demo CRM built by an earlier release gets the newer ai_ fields
    as_of = demo_today(url)
    with demo_crm_served(crm_kind, url) as api_url:
        settings = load_settings()
        if api_url:
            click.echo(f"Serving the demo CRM {SERVED_AS[crm_kind]} at {api_url} ...")
        reports: list[JobReport] = []
        # A new CRM may hold records older than the extract's watermark, and a warehouse built from the other
        # way of reading the demo CRM must be rebuilt from this one: start the warehouse over in both cases.
        previous = built_for(pipeline_warehouse_url(settings))
        full_refresh = created or (previous is not None and previous != crm_layout(settings).dbt_staging)
        if alias_version(mlflow_client(mlflow_database_url(settings)), WIN.model_name, CHAMPION) is None:
            click.echo(f"No champion model yet: running the retrain job first (as of {as_of}) ...")
            reports.append(_run_or_exit(settings, "retrain", as_of, full_refresh=full_refresh))
            full_refresh = False  # the retrain job just reloaded the warehouse
        click.echo(f"Running the morning job as of {as_of} (the demo CRM's today) ...")
        reports.append(_run_or_exit(settings, "morning", as_of, full_refresh=full_refresh))
        print_run_summary(settings, reports, total_seconds=time.monotonic() - started)


@main.command()
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="The day to run for (YYYY-MM-DD); default the CRM's today (an export's own date).",
)
@click.option(
    "--full-refresh",
    is_flag=True,
    help="Reload every CRM object from scratch and rebuild the dbt models (after a purge, or a re-import).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Run the morning up to the CRM syncs and print what each would change; write nothing to the CRM.",
)
@click.option(
    "--force-sync",
    "force_syncs",
    multiple=True,
    metavar="SYNC",
    help="Release the change-share guard of this CRM sync for this run (repeatable); needs --reason.",
)
@click.option(
    "--reason",
    "reasons",
    multiple=True,
    help="Why the guard is released (logged in reverse_etl.sync_log): once for all, or once per --force-sync.",
)
def run(
    as_of: str | None,
    full_refresh: bool,
    dry_run: bool,
    force_syncs: tuple[str, ...],
    reasons: tuple[str, ...],
) -> None:
    """Run the morning job: extract, dbt, checks, scores, TMVAs, CRM sync."""
    op_config = _sync_options(dry_run, force_syncs, reasons)
    settings = load_settings()
    day = _parse_day(as_of) if as_of else _crm_today(settings)
    started = time.monotonic()
    report = _run_or_exit(settings, "morning", day, full_refresh=full_refresh, op_config=op_config)
    print_run_summary(settings, [report], total_seconds=time.monotonic() - started)


@main.command()
@click.option(
    "--as-of", "as_of", default=None, help="Train on snapshots before this day; default the CRM's today."
)
@click.option(
    "--full-refresh",
    is_flag=True,
    help="Reload every CRM object from scratch and rebuild the dbt models (after a purge, or a re-import).",
)
def retrain(as_of: str | None, full_refresh: bool) -> None:
    """Retrain the win and slip models now; each becomes champion only if it is not worse than its current
    one."""
    settings = load_settings()
    started = time.monotonic()
    day = _parse_day(as_of) if as_of else _crm_today(settings)
    report = _run_or_exit(settings, "retrain", day, full_refresh=full_refresh)
    print_run_summary(settings, [report], total_seconds=time.monotonic() - started)


@main.command()
@click.option("--port", default=3000, show_default=True, type=int)
def ui(port: int) -> None:
    """Open the Dagster UI on the Momentum definitions (asset graph, checks, runs, schedules)."""
    settings = load_settings()
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    config = settings.dagster_home / "dagster.yaml"
    if not config.exists():
        # As run_job writes it: the UI may be the first command run, and there is no internet for telemetry.
        config.write_text("telemetry:\n  enabled: false\n")
    # The code server Dagster starts must find this environment's executables (dbt) without activation.
    path = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
    env = {**os.environ, "DAGSTER_HOME": str(settings.dagster_home), "PATH": path}
    from orchestration.dbt_project.manifest import prepare_manifest

    prepare_manifest()
    command = [sys.executable, "-m", "dagster", "dev", "-m", "orchestration.definitions", "-p", str(port)]
    # In a session of its own, dagster dev, its webserver, daemon and code server form one process group
    # that is stopped as a whole; a signal to this process alone left them running.
    process = subprocess.Popen(command, env=env, start_new_session=True)
    raise SystemExit(_run_until_stopped(process))


main.add_command(evaluate)
main.add_command(model)
main.add_command(sim)
main.add_command(crm)
main.add_command(dashboard_command, name="dashboard")
main.add_command(forecast)


UI_STOP_SECONDS = 10


def _run_until_stopped(process: subprocess.Popen, grace_seconds: float = UI_STOP_SECONDS) -> int:
    """Wait for `process` (leader of its own process group). On SIGTERM, SIGINT or SIGHUP, pass the signal
    to the whole group (SIGHUP as SIGTERM), give it `grace_seconds` to exit, then SIGKILL what is left; a
    second signal kills at once. Returns the exit code for the CLI: 0 when stopped by a signal."""
    group = process.pid
    received: list[int] = []

    def forward(signum: int, frame) -> None:
        if received:
            _signal_group(group, signal.SIGKILL)
        else:
            _signal_group(group, signal.SIGINT if signum == signal.SIGINT else signal.SIGTERM)
        received.append(signum)

    handled = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    previous = {signum: signal.signal(signum, forward) for signum in handled}
    try:
        # Polled, not process.wait(): a blocking wait is resumed after the handler, and would never time out.
        while process.poll() is None and not received:
            time.sleep(0.2)
        if not received:  # dagster dev ended on its own: stop what it may have left in its group
            _signal_group(group, signal.SIGTERM)
        deadline = time.monotonic() + grace_seconds
        while _group_alive(group, process) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _group_alive(group, process):
            click.echo(f"Dagster did not stop within {grace_seconds:.0f} s; killing it.", err=True)
            _signal_group(group, signal.SIGKILL)
        returncode = process.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0 if received else returncode


def _signal_group(group: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group is gone already
        os.killpg(group, signum)


def _group_alive(group: int, leader: subprocess.Popen) -> bool:
    leader.poll()  # reaps the leader once it exits, so a zombie of ours does not count as alive
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def _sync_options(dry_run: bool, force_syncs: tuple[str, ...], reasons: tuple[str, ...]) -> dict:
    """The CRM syncs' run config (orchestration/reverse_etl/run_config.py), or a one-line error."""
    from orchestration.reverse_etl.run_config import UnknownSync, sync_run_config

    if force_syncs and not reasons:
        raise click.ClickException('--force-sync needs --reason "why the guard is released" (it is logged)')
    if reasons and not force_syncs:
        raise click.ClickException("--reason goes with --force-sync SYNC")
    if len(reasons) not in (1, len(force_syncs)):
        raise click.ClickException("give --reason once for every --force-sync, or once per --force-sync")
    if any(not reason.strip() for reason in reasons):
        raise click.ClickException("--reason is empty: say why the guard is released (it is logged)")
    forced = dict(zip(force_syncs, reasons * len(force_syncs) if len(reasons) == 1 else reasons, strict=True))
    try:
        return sync_run_config(dry_run=dry_run, forced=forced, by=_os_user())
    except UnknownSync as exc:
        raise click.ClickException(str(exc)) from None


def _run_or_exit(
    settings, job_name: str, as_of: date, *, full_refresh: bool = False, op_config: dict | None = None
) -> JobReport:
    # Reach the warehouse before Dagster starts: an unreachable one then ends in one line naming the setting
    # (orchestration/failures.py) instead of a failed run and every step it skipped.
    with psycopg.connect(warehouse_url(settings), connect_timeout=10):
        pass
    if job_name == "morning":
        _refuse_what_the_morning_cannot_do(settings, as_of, full_refresh=full_refresh)
    log_path = settings.home / "logs" / f"{job_name}-{as_of.isoformat()}.log"
    report = run_job(
        settings, job_name, as_of, log_path=log_path, full_refresh=full_refresh, op_config=op_config
    )
    if not report.success:
        print_run_summary(settings, [report], total_seconds=None)
        raise SystemExit(1)
    return report


def _refuse_what_the_morning_cannot_do(settings, as_of: date, *, full_refresh: bool) -> None:
    """Before Dagster starts, so each ends in one line naming what to fix (orchestration/failures.py): a
    playbook that does not load, an as-of date the live CRM has lived past (extract/as_of.py), and a switch to
    another CRM without a full refresh (extract/source_switch.py)."""
    from actions.playbook import load_playbook
    from crm.connectors import crm_layout, crm_source
    from extract.as_of import check_as_of_servable
    from extract.source_switch import check_source_switch

    load_playbook()
    with crm_source(settings, warehouse_url(settings)) as source:
        check_as_of_servable(source, as_of)
    check_source_switch(
        pipeline_warehouse_url(settings), crm_layout(settings), full_refresh=full_refresh, record=False
    )


def _crm_today(settings) -> date:
    """The CRM's own today: a live CRM's server date, the demo CRM's clock, the day after an export's latest change. A run
    on the wall clock's date would age every deal of an export taken days ago."""
    from crm.connectors import crm_source

    with crm_source(settings, warehouse_url(settings)) as source:
        return source.today()


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD", param_hint="--as-of") from None


def _os_user() -> str | None:
    """Who released a guard, for the sync log: the OS login, when the system knows one."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container user without a passwd entry or LOGNAME
        return None
