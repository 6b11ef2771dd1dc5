"""The backtest report (`momentum forecast backtest [--json]`): how far each forecast was from what closed,
by level (company, team, rep) and week of quarter, over every complete quarter of the forecast marts.

Forecasts compared: `ai` (fct_forecast_snapshots' AI forecast, from the morning run's scores or the
backtest's), `commit` (the reps' calls), `bias_corrected_commit` (ml/backtest/rep_bias.py),
`stage_weighted` (closed won + the stage-weighted pipeline) and, given, `oracle` (demo CRM only: the
forecast of someone who knew every deal's true odds). Errors per (group, quarter, week):
abs pct error = |forecast - actual| / actual (rows with no actual are left out), abs error in money.
Coverage = share of rows whose actual lies within the AI forecast's P10-P90.

JSON shape (docs in README, "Forecast backtest"):
{"as_of_date", "quarters": [...], "forecasts": [...],
 "levels": {"company"|"team"|"rep": {"by_week": [{"week_of_quarter", "rows", "mape": {forecast: x},
            "mae": {forecast: x}, "p10_p90_coverage"}], "all_weeks": {...same keys...},
            "ai_components": {"by_week": [{"week_of_quarter", "rows", "pipeline"|"pull_ins"|"not_yet_created":
            {"mape", "bias"}}], "all_weeks": {...same keys...}}}},   (ml/backtest/components.py)
 "target": {"level": "team", "from_week": 4, "mae": {forecast: x}, "ai_to_commit", "ai_to_oracle",
            "p10_p90_coverage"},
 "ai_forecast_source": {"backtest": rows, "morning_run": rows}}
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import psycopg

from ml.backtest.components import COMPONENT_COLUMNS, component_errors_by_week
from ml.backtest.rep_bias import bias_corrected_commit

LEVELS = ("company", "team", "rep")
FORECASTS = ("ai", "commit", "bias_corrected_commit", "stage_weighted", "oracle")
TARGET_LEVEL, TARGET_FROM_WEEK = "team", 4

FORECAST_ROWS_SQL = """
select s.forecast_level, s.forecast_group, s.owner_id, s.team, s.as_of_date, s.fiscal_quarter,
       s.week_of_quarter, w.fiscal_quarter_end_date, s.is_quarter_complete,
       cast(s.ai_forecast_amount as double precision) as ai,
       cast(s.ai_forecast_p10_amount as double precision) as ai_p10,
       cast(s.ai_forecast_p90_amount as double precision) as ai_p90,
       s.ai_forecast_source,
       cast(s.commit_amount as double precision) as commit,
       cast(s.stage_weighted_forecast_amount as double precision) as stage_weighted,
       cast(s.closed_won_amount as double precision) as closed_won,
       cast(s.quarter_closed_won_amount as double precision) as actual_amount,
       cast(s.ai_expected_pipeline_amount as double precision) as ai_expected_pipeline,
       cast(s.pull_in_expected_amount as double precision) as pull_in_expected,
       cast(s.not_yet_created_expected_amount as double precision) as not_yet_created_expected,
       cast(s.pipeline_won_amount as double precision) as pipeline_won,
       cast(s.pull_in_won_amount as double precision) as pull_in_won,
       cast(s.not_yet_created_won_amount as double precision) as not_yet_created_won
from marts.fct_forecast_snapshots as s
join intermediate.int_forecast_weeks as w using (as_of_date)
where s.is_quarter_complete
"""


def read_forecast_rows(warehouse_url: str) -> pd.DataFrame:
    """Every level's forecast rows of the complete quarters, with each quarter's last day."""
    with psycopg.connect(warehouse_url) as conn:
        cursor = conn.execute(FORECAST_ROWS_SQL)
        frame = pd.DataFrame(cursor.fetchall(), columns=[c.name for c in cursor.description])
    return frame


def read_forecast_today(warehouse_url: str) -> date:
    """The as-of date the forecast marts were last built for."""
    with psycopg.connect(warehouse_url) as conn:
        return conn.execute("select max(as_of_date) from intermediate.int_forecast_weeks").fetchone()[0]


def add_rep_derived_forecasts(rows: pd.DataFrame, oracle_by_rep: pd.DataFrame | None = None) -> pd.DataFrame:
    """Add `bias_corrected_commit` and (given the oracle's open + new expected per rep and date) `oracle`:
    computed per rep, summed to teams and the company."""
    reps = rows[rows["forecast_level"] == "rep"].copy()
    reps["commit_amount"] = reps["commit"]
    reps["bias_corrected_commit"] = bias_corrected_commit(reps)
    derived = ["bias_corrected_commit"]
    if oracle_by_rep is not None:
        reps = reps.merge(oracle_by_rep, on=["owner_id", "as_of_date"], how="left")
        reps["oracle"] = reps["closed_won"] + reps["oracle_expected_amount"].fillna(0)
        derived.append("oracle")
    reps["team_group"] = reps["team"].fillna("(no team)")
    by_level = {
        "rep": reps.set_index(["as_of_date", "owner_id"])[derived],
        "team": reps.groupby(["as_of_date", "team_group"])[derived].sum(min_count=1),
        "company": reps.groupby("as_of_date")[derived].sum(min_count=1),
    }
    parts = []
    for level, values in by_level.items():
        level_rows = rows[rows["forecast_level"] == level]
        keys = {
            "rep": ["as_of_date", "forecast_group"],
            "team": ["as_of_date", "forecast_group"],
            "company": ["as_of_date"],
        }[level]
        values = values.reset_index()
        values.columns = [*keys, *derived]
        parts.append(level_rows.merge(values, on=keys, how="left"))
    return pd.concat(parts, ignore_index=True)


def error_summary(rows: pd.DataFrame, forecasts: tuple[str, ...]) -> dict:
    """rows, mape and mae per forecast, and the AI range's coverage, over `rows`."""
    actual = rows["actual_amount"]
    with_actual = actual > 0
    summary: dict = {"rows": int(len(rows)), "mape": {}, "mae": {}}
    for name in forecasts:
        if name not in rows:
            continue
        present = rows[name].notna()
        error = (rows[name] - actual).abs()
        summary["mape"][name] = _mean(error[present & with_actual] / actual[present & with_actual])
        summary["mae"][name] = _mean(error[present])
    summary["p10_p90_coverage"] = coverage(rows)
    return summary


def coverage(rows: pd.DataFrame) -> float | None:
    """Share of rows with an AI range whose actual lies within P10..P90 (inclusive)."""
    ranged = rows[rows["ai_p10"].notna() & rows["ai_p90"].notna()]
    if ranged.empty:
        return None
    inside = (ranged["actual_amount"] >= ranged["ai_p10"]) & (ranged["actual_amount"] <= ranged["ai_p90"])
    return round(float(inside.mean()), 4)


def backtest_report(rows: pd.DataFrame, as_of_date: date) -> dict:
    """The documented JSON (module docstring) from forecast rows carrying the forecast columns."""
    forecasts = tuple(name for name in FORECASTS if name in rows)
    levels = {}
    for level in LEVELS:
        level_rows = rows[rows["forecast_level"] == level]
        levels[level] = {
            "by_week": [
                {"week_of_quarter": int(week)} | error_summary(week_rows, forecasts)
                for week, week_rows in level_rows.groupby("week_of_quarter")
            ],
            "all_weeks": error_summary(level_rows, forecasts),
        }
        if set(COMPONENT_COLUMNS) <= set(rows.columns):
            levels[level]["ai_components"] = component_errors_by_week(level_rows)
    target_rows = rows[
        (rows["forecast_level"] == TARGET_LEVEL) & (rows["week_of_quarter"] >= TARGET_FROM_WEEK)
    ]
    target = error_summary(target_rows, forecasts)
    mae = target["mae"]
    return {
        "as_of_date": as_of_date.isoformat(),
        "quarters": sorted(rows["fiscal_quarter"].unique().tolist()),
        "forecasts": list(forecasts),
        "levels": levels,
        "target": {
            "level": TARGET_LEVEL,
            "from_week": TARGET_FROM_WEEK,
            "rows": target["rows"],
            "mae": mae,
            "ai_to_commit": _ratio(mae.get("ai"), mae.get("commit")),
            "ai_to_oracle": _ratio(mae.get("ai"), mae.get("oracle")),
            "p10_p90_coverage": target["p10_p90_coverage"],
        },
        "ai_forecast_source": {
            str(source): int(count)
            for source, count in rows["ai_forecast_source"].fillna("none").value_counts().items()
        },
    }


def _mean(values: pd.Series) -> float | None:
    return None if values.empty else round(float(np.mean(values)), 4)


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    return None if not numerator or not denominator else round(numerator / denominator, 3)
