"""`momentum sim`: build, advance, profile and score the demo CRM simulator.

Registered in orchestration/cli.py with `main.add_command(sim)`.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import click

from reverse_etl.sync_state import reset_sync_state
from warehouse.server import refresh_pipeline_grants, warehouse_url
from warehouse.settings import load_settings


@click.group()
def sim() -> None:
    """The demo CRM simulator: a simulated sales org in schema crm, its hidden truth in sim_truth."""


@sim.command()
@click.option("--preset", default="demo", show_default=True, help="tiny | demo | large | xl")
@click.option("--seed", default=7, show_default=True, type=int)
@click.option(
    "--config", "config_file", type=click.Path(exists=True, dir_okay=False), help="YAML over the preset."
)
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="The CRM's today (default: today, UTC).")
def init(preset: str, seed: int, config_file: str | None, today: dt.datetime | None) -> None:
    """Drop and rebuild the demo CRM up to its today (schemas crm and sim_truth)."""
    from simulator.build import PRESETS, build_demo_crm
    from simulator.config_file import load_config_file, preset_named_in

    if config_file:
        preset = preset_named_in(config_file) or preset
    if preset not in PRESETS:
        raise click.BadParameter(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    config = load_config_file(config_file, PRESETS[preset]) if config_file else PRESETS[preset]
    day = today.date() if today else dt.datetime.now(dt.UTC).date()
    settings = load_settings()
    url = warehouse_url(settings)
    summary = build_demo_crm(url, config, seed=seed, today=day)
    # The CRM was recreated: what Momentum last wrote is gone, and so are the pipeline role's grants.
    reset_sync_state(url)
    refresh_pipeline_grants(settings)
    counts = ", ".join(f"{table} {n:,}" for table, n in summary.row_counts.items())
    click.echo(
        f"Demo CRM {summary.preset} (seed {seed}) as of {summary.today}, built in {summary.build_seconds} s"
    )
    click.echo(f"  history from {summary.history_start}: {counts}")


@sim.command()
@click.option("--days", required=True, type=click.IntRange(min=0), help="Calendar days to simulate.")
def advance(days: int) -> None:
    """Move the demo CRM forward: deals progress and close, new deals, activities, Monday forecasts."""
    from simulator.advance import advance_demo_crm

    s = advance_demo_crm(warehouse_url(load_settings()), days)
    click.echo(
        f"{s.from_date} -> {s.to_date}: {s.business_days} business days, {s.deals_created} deals created, "
        f"{s.deals_won} won, {s.deals_lost} lost, {s.momentum_tasks_completed} Momentum tasks completed, "
        f"{s.open_deals} open deals ({s.seconds} s)"
    )


@sim.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def profile(as_json: bool) -> None:
    """Win rate and median cycle by segment, share of won deals pushed, forecast bias by rep."""
    from simulator.sim_profile import sim_profile

    p = sim_profile(warehouse_url(load_settings()))
    if as_json:
        click.echo(json.dumps(p, indent=2))
        return
    click.echo(f"Demo CRM as of {p['today']}: {p['opportunities']:,} opportunities")
    click.echo("segment  win rate  median won cycle (days)  median closed cycle (days)")
    for segment, rate in sorted(p["win_rate_by_segment"].items()):
        won = p["median_won_cycle_days"].get(segment)
        closed = p["median_closed_cycle_days"].get(segment)
        click.echo(f"{segment:<8} {rate:>8.1%}  {won if won is not None else '-':>23}  {closed:>26}")
    pushed = p["won_pushed_at_least_once_share"]
    click.echo(f"won deals pushed at least once: {'-' if pushed is None else f'{pushed:.1%}'}")
    click.echo("forecast bias by rep (mean commit call / closed won - 1, completed quarters):")
    for rep in p["forecast_bias_by_rep"]:
        bias = "-" if rep["bias"] is None else f"{rep['bias']:+.1%}"
        click.echo(f"  {rep['name']:<24} {rep['hidden_style']:<11} {rep['quarters']} quarters  {bias}")


@sim.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--window-start", type=click.DateTime(["%Y-%m-%d"]), help="First as-of date (default: 52 weeks ago)."
)
@click.option(
    "--window-end", type=click.DateTime(["%Y-%m-%d"]), help="As-of dates before this (default: 26 weeks ago)."
)
def oracle(as_json: bool, window_start: dt.datetime | None, window_end: dt.datetime | None) -> None:
    """The best possible scores: the true P(win) scored against outcomes, for a window of as-of dates."""
    from simulator.oracle import oracle_report

    started = time.perf_counter()
    report = oracle_report(
        warehouse_url(load_settings()),
        window_start.date() if window_start else None,
        window_end.date() if window_end else None,
    )
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    w, win = report["window"], report["win"]
    click.echo(
        f"window {w['start']} .. {w['end_exclusive']}: {w['snapshots']} snapshots, {w['known_share']} known"
    )
    click.echo(
        f"win oracle: AUC {win['auc']}, log loss {win['log_loss']}, Brier {win['brier']}, n {win['n']}"
    )
    click.echo(f"({time.perf_counter() - started:.1f} s)")


@sim.command("export-salesforce")
@click.argument("folder", type=click.Path(file_okay=False, writable=True))
@click.option(
    "--placeholder-history/--no-placeholder-history",
    default=True,
    show_default=True,
    help="Give each deal's first OpportunityHistory row a 2013 close date, as Salesforce's export does.",
)
def export_salesforce(folder: str, placeholder_history: bool) -> None:
    """Write the demo CRM as a Salesforce data export (one CSV per object), for MOMENTUM_CRM=files."""
    from simulator.salesforce_export import write_salesforce_export

    written = write_salesforce_export(
        warehouse_url(load_settings()), Path(folder), placeholder_history=placeholder_history
    )
    click.echo(f"Salesforce data export of the demo CRM in {folder}:")
    for name, rows in written.items():
        click.echo(f"  {name:<28} {rows:>9,} rows")
    click.echo(f"Read it with MOMENTUM_CRM=files MOMENTUM_CRM_PATH={folder} momentum run")


@sim.command("export-hubspot")
@click.argument("folder", type=click.Path(file_okay=False, writable=True))
@click.option(
    "--date-entered/--no-date-entered",
    default=True,
    show_default=True,
    help='Include the deals\' "Date entered <stage> (<pipeline>)" columns, the only stage history an export has.',
)
def export_hubspot(folder: str, date_entered: bool) -> None:
    """Write the demo CRM as HubSpot's deals, companies and contacts exports, for MOMENTUM_CRM=files."""
    from simulator.hubspot_export import write_hubspot_export

    written = write_hubspot_export(warehouse_url(load_settings()), Path(folder), date_entered=date_entered)
    click.echo(f"HubSpot exports of the demo CRM in {folder}:")
    for name, rows in written.items():
        click.echo(f"  {name:<40} {rows:>9,} rows")
    click.echo(f"Read them with MOMENTUM_CRM=files MOMENTUM_CRM_PATH={folder} momentum run")
