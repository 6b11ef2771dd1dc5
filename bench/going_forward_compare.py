"""The arithmetic of the going-forward check (bench/forecast_going_forward.py): the first day's forecast rows
against the quarter's actual closed-won, per company, team and rep.

Errors are the backtest report's (ml/backtest/report.py `error_summary`), so a going-forward quarter reads
like one row of `momentum forecast backtest`: pct error = (forecast - actual) / actual, signed here per row and
absolute in the means; rows with no actual (0) have no pct error and are left out of the mean abs % error.
"""

from __future__ import annotations

import pandas as pd

from ml.backtest.report import LEVELS, TARGET_LEVEL, error_summary

FORECASTS = ("ai", "commit", "stage_weighted")
TARGET_RATIO = 0.5  # issue 17, Done when: the AI's team-level error at most 0.5x the reps' commit's
NO_TEAM = "(no team)"  # fct_forecast_snapshots' forecast_group of a team-level row without a team


def actual_by_row(first_day: pd.DataFrame, won_by_owner: pd.DataFrame) -> pd.Series:
    """Each forecast row's actual: its rep's closed-won, its team's (the reps of the team), or everyone's.

    `won_by_owner`: owner_id, team, won_amount (the quarter's closed-won per owner, team from the CRM's users)."""
    by_owner = won_by_owner.groupby("owner_id")["won_amount"].sum()
    by_team = (
        won_by_owner.assign(team=won_by_owner["team"].fillna(NO_TEAM)).groupby("team")["won_amount"].sum()
    )
    company = float(won_by_owner["won_amount"].sum())

    def actual(row) -> float:
        if row.forecast_level == "company":
            return company
        source = by_team if row.forecast_level == "team" else by_owner
        return float(source.get(row.forecast_group, 0.0))

    return pd.Series([actual(row) for row in first_day.itertuples()], index=first_day.index, dtype=float)


def compare(first_day: pd.DataFrame, won_by_owner: pd.DataFrame) -> dict:
    """The documented comparison (bench/forecast_going_forward.py's docstring: "levels", "target", "rows").

    `first_day`: forecast_level, forecast_group, owner_id, team, week_of_quarter, ai, ai_p10, ai_p90, commit,
    stage_weighted (one row per company / team / rep, as the morning job published them)."""
    rows = first_day.copy()
    rows["actual_amount"] = actual_by_row(rows, won_by_owner)
    for name in FORECASTS:
        rows[f"{name}_pct_error"] = (rows[name] - rows["actual_amount"]) / rows["actual_amount"].where(
            rows["actual_amount"] > 0
        )
    ranged = rows["ai_p10"].notna() & rows["ai_p90"].notna()
    rows["within_range"] = (
        (rows["actual_amount"] >= rows["ai_p10"]) & (rows["actual_amount"] <= rows["ai_p90"])
    ).where(ranged)

    levels = {}
    for level in LEVELS:
        level_rows = rows[rows["forecast_level"] == level]
        summary = error_summary(level_rows, FORECASTS)
        inside = level_rows["within_range"].dropna()
        summary["inside_range"] = int(inside.sum())
        summary["ranged_rows"] = int(len(inside))
        summary["actual_amount"] = round(float(level_rows["actual_amount"].sum()), 2)
        levels[level] = summary

    target = levels[TARGET_LEVEL]
    return {
        "levels": levels,
        "target": {
            "level": TARGET_LEVEL,
            "ai_to_commit_mae": _ratio(target["mae"].get("ai"), target["mae"].get("commit")),
            "ai_to_commit_mape": _ratio(target["mape"].get("ai"), target["mape"].get("commit")),
            "at_most": TARGET_RATIO,
        },
        "rows": [_row_json(row) for row in rows.to_dict("records")],
    }


def _row_json(row: dict) -> dict:
    keys = ("forecast_level", "forecast_group", "owner_id", "team", "week_of_quarter", "actual_amount", "ai")
    keys += ("ai_p10", "ai_p90", "commit", "stage_weighted", "within_range")
    keys += tuple(f"{name}_pct_error" for name in FORECASTS)
    return {key: _plain(row[key]) for key in keys}


def _plain(value):
    """JSON-ready: NaN/None -> None, numpy scalars -> Python, money to cents, fractions to 4 places."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool | int | str):
        return value
    return round(float(value), 4)


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    return None if not numerator or not denominator else round(numerator / denominator, 3)
