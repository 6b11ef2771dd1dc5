"""`momentum forecast backtest [--json] [--rerun]`: the forecasts' errors over every complete quarter.

Registered on the main group in orchestration/cli.py: main.add_command(forecast)
"""

from __future__ import annotations

import json
import time

import click

from warehouse.server import pipeline_warehouse_url, warehouse_url
from warehouse.settings import load_settings

FORECAST_LABELS = {
    "ai": "AI",
    "commit": "commit",
    "bias_corrected_commit": "bias-corr.",
    "stage_weighted": "stage-wtd",
    "oracle": "oracle",
}


@click.group()
def forecast() -> None:
    """The forecast: how it did on every past quarter."""


@forecast.command("backtest")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the JSON documented in README, 'Forecast backtest'."
)
@click.option("--rerun", is_flag=True, help="Rerun the walk-forward backtest and the forecast marts first.")
def backtest(as_json: bool, rerun: bool) -> None:
    """Error by week of quarter (mean abs % error per company, team, rep) of the AI forecast, the reps'
    commit, the bias-corrected commit, the stage-weighted pipeline and, on the demo CRM, the oracle; and how
    often the actual fell inside the AI's P10-P90."""
    from ml.backtest.report import (
        add_rep_derived_forecasts,
        backtest_report,
        read_forecast_rows,
        read_forecast_today,
    )
    from ml.evaluation.truth import truth_readable

    settings = load_settings()
    url = pipeline_warehouse_url(settings)
    if rerun:
        _rerun(settings)
    rows = read_forecast_rows(url)
    if rows.empty:
        raise click.ClickException(
            "marts.fct_forecast_snapshots has no complete quarter yet: run `momentum demo` (or `retrain` then `run`)"
        )
    oracle = None
    admin_url = warehouse_url(settings)
    if truth_readable(admin_url):  # the demo CRM: evaluation may read the simulator's truth
        from simulator.oracle_by_rep import oracle_open_and_new_by_rep

        dates = rows[["as_of_date", "fiscal_quarter_end_date"]].drop_duplicates()
        oracle = oracle_open_and_new_by_rep(admin_url, list(dates.itertuples(index=False, name=None)))
    report = backtest_report(add_rep_derived_forecasts(rows, oracle), read_forecast_today(url))
    click.echo(json.dumps(report, indent=2) if as_json else render(report))


def _rerun(settings) -> None:
    from orchestration.cli import _crm_today, _run_or_exit

    _require_morning_scores(settings)
    started = time.monotonic()
    day = _crm_today(settings)
    # On stderr, so `--rerun --json` prints nothing but the JSON on stdout.
    click.echo(f"Rerunning the forecast backtest as of {day} ...", err=True)
    _run_or_exit(settings, "forecast_backtest", day)
    click.echo(f"  done in {time.monotonic() - started:.0f}s", err=True)


def _require_morning_scores(settings) -> None:
    """The forecast models read the morning's scores beside the backtest's (today's row is the morning's), and
    dbt cannot build them before the morning has created its scores' view: say so in one line instead of
    dbt's compilation error."""
    import psycopg

    with psycopg.connect(pipeline_warehouse_url(settings)) as conn:
        (view,) = conn.execute("select to_regclass('staging.stg_ml__deal_scores')").fetchone()
    if view is None:
        raise click.ClickException(
            "the forecast is built on the morning's scores and no morning has run on this warehouse yet: "
            "run `momentum run` once, then `momentum forecast backtest --rerun`"
        )


def render(report: dict) -> str:
    """Per level, mean abs % error by week of quarter, and the P10-P90 coverage."""
    names = report["forecasts"]
    lines = [
        f"Forecast backtest: quarters {', '.join(report['quarters'])} (complete on {report['as_of_date']})"
    ]
    for level, result in report["levels"].items():
        lines += ["", f"{level}: mean absolute % error by week of quarter"]
        lines.append(
            f"  {'week':>4} {'rows':>5} " + " ".join(f"{FORECAST_LABELS[n]:>10}" for n in names) + "  P10-P90"
        )
        for entry in [*result["by_week"], {"week_of_quarter": "all"} | result["all_weeks"]]:
            cells = " ".join(_pct(entry["mape"].get(n)) for n in names)
            lines.append(
                f"  {entry['week_of_quarter']:>4} {entry['rows']:>5} {cells}  {_pct(entry['p10_p90_coverage'], 7)}"
            )
    target = report["target"]
    lines += _render_components(report["levels"][target["level"]].get("ai_components"), target["level"])
    lines += [
        "",
        f"Target ({target['level']} level, week {target['from_week']} on, mean absolute error): AI / commit "
        f"{target['ai_to_commit']} (<= 0.5), AI / oracle {target['ai_to_oracle']} (<= 1.25), "
        f"P10-P90 coverage {_pct(target['p10_p90_coverage'], 0).strip()} (70-90%)",
        "AI forecast rows by source: "
        + ", ".join(f"{k} {v}" for k, v in report["ai_forecast_source"].items()),
    ]
    return "\n".join(lines)


def _render_components(components: dict | None, level: str) -> list[str]:
    """The AI forecast's error split into its parts (ml/backtest/components.py), as shares of the actual."""
    if not components:
        return []
    parts = ("pipeline", "pull_ins", "not_yet_created")
    lines = [
        "",
        f"{level}: the AI's error by part, as a share of the actual (mean absolute error / mean bias;"
        " bias > 0: over-forecast)",
        f"  {'week':>4} {'rows':>5} " + " ".join(f"{part.replace('_', ' '):>23}" for part in parts),
    ]
    for entry in [*components["by_week"], {"week_of_quarter": "all"} | components["all_weeks"]]:
        cells = " ".join(
            f"{_pct(entry[part]['mape'], 11)} /{_pct(entry[part]['bias'], 9)}  " for part in parts
        )
        lines.append(f"  {entry['week_of_quarter']:>4} {entry['rows']:>5} {cells}")
    return lines


def _pct(value: float | None, width: int = 10) -> str:
    return f"{'-' if value is None else f'{100 * value:.1f}%':>{width}}"
