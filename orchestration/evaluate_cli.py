"""`momentum evaluate` and `momentum model ...`: measure the champions, train one by hand, roll one back.

Registered on the main group in orchestration/cli.py:
    main.add_command(evaluate); main.add_command(model)
"""

from __future__ import annotations

import json
import logging

import click

from warehouse.server import mlflow_database_url, warehouse_url
from warehouse.settings import load_settings

KINDS = click.Choice(["win", "slip"])
SCORERS = ("model", "stage_baseline", "crm_probability_baseline", "forecast_category_baseline", "oracle")


@click.command()
@click.option("--as-of", "as_of", default=None, help="Holdout of snapshots before this day (YYYY-MM-DD); "
              "default: the newest snapshot date (the retrain's).")  # fmt: skip
@click.option(
    "--json", "as_json", is_flag=True, help="Print the documented JSON contract (ml/evaluation/report.py)."
)
def evaluate(as_of: str | None, as_json: bool) -> None:
    """Champion models vs the stage, CRM-probability and forecast-category baselines (and the truth, on
    demo data)."""
    from ml.data.dataset import latest_snapshot_date
    from ml.evaluation.report import evaluate as evaluate_models
    from ml.evaluation.truth import truth_readable

    logging.getLogger("mlflow").setLevel(logging.ERROR)
    settings = load_settings()
    url = warehouse_url(settings)
    day = _day(as_of) if as_of else latest_snapshot_date(url)
    if day is None:
        raise click.ClickException("marts.fct_deal_snapshots is empty: run `momentum run` (or `demo`) first")
    report = evaluate_models(url, mlflow_database_url(settings), day, truth_readable(url))
    click.echo(json.dumps(report, indent=2) if as_json else render_table(report))


def render_table(report: dict) -> str:
    """The report as one small table per target, for people."""
    lines = [f"Holdout of labelled snapshots before {report['window']['as_of_date']}"]
    for kind in ("win", "slip"):
        lines.append("")
        result, window = report[kind], report["window"].get(kind)
        if "note" in result:
            lines.append(f"{kind}: {result['note']}")
            continue
        lines.append(
            f"{kind}: {window['n']} snapshots of {window['holdout_deals']} deals last seen"
            f" {window['holdout_from']} .. {window['holdout_to']}"
        )
        lines.append(f"  {'scorer':<28} {'auc':>6} {'logloss':>8} {'brier':>7} {'ece':>6} {'n':>7}")
        for scorer in SCORERS:
            if scorer not in result:
                continue
            values = result[scorer]
            name = f"{scorer} v{values['version']}" if scorer == "model" else scorer
            cells = " ".join(_cell(values.get(key), width) for key, width in (("auc", 6), ("log_loss", 8),
                             ("brier", 7), ("ece", 6)))  # fmt: skip
            lines.append(f"  {name:<28} {cells} {values.get('n', 0):>7}")
        segments = ", ".join(
            f"{segment} {values['model']['auc']:.3f}"
            for segment, values in result.get("by_segment", {}).items()
            if "model" in values and values["model"]["auc"] is not None
        )
        if segments:
            lines.append(f"  model AUC by segment: {segments}")
        if "model" not in result:
            lines.append(f"  (no {kind} champion yet: `momentum retrain` trains one)")
    return "\n".join(lines)


@click.group()
def model() -> None:
    """The registered models (momentum_win, momentum_slip) in MLflow."""


@model.command()
@click.argument("kind", type=KINDS)
def rollback(kind: str) -> None:
    """Move `champion` of the win or slip model back to the version that held it before."""
    from ml.data.targets import TARGETS
    from ml.registry.champion import rollback as rollback_champion

    name = TARGETS[kind].model_name
    try:
        restored = rollback_champion(mlflow_database_url(load_settings()), name)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{name}: champion is now v{restored}; the next scoring run uses it")


@model.command()
@click.argument("kind", type=KINDS)
@click.option("--as-of", "as_of", default=None, help="Train on snapshots before this day; default: newest.")
def train(kind: str, as_of: str | None) -> None:
    """Train one model now from the current marts (no extract or dbt run; `momentum retrain` does both)."""
    from ml.data.dataset import latest_snapshot_date
    from ml.training.train import train_slip_model, train_win_model

    logging.getLogger("mlflow").setLevel(logging.ERROR)
    settings = load_settings()
    url = warehouse_url(settings)
    day = _day(as_of) if as_of else latest_snapshot_date(url)
    if day is None:
        raise click.ClickException("marts.fct_deal_snapshots is empty: run `momentum run` (or `demo`) first")
    trainer = train_win_model if kind == "win" else train_slip_model
    result = trainer(
        url,
        mlflow_database_url(settings),
        str(settings.mlflow_artifacts_dir),
        as_of_date=day,
        min_closed_per_class=settings.min_closed_deals_per_class,
        tags={"trigger": "momentum model train", "as_of_date": day.isoformat()},
    )
    click.echo(result.message)


def _cell(value: float | None, width: int) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width}.3f}"


def _day(value: str):
    from datetime import date

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD", param_hint="--as-of") from None
