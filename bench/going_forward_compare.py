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
# Issue 17, Done when: the AI's team-level mean absolute error at most 0.5x the reps' commit's, 1.25x the oracle's.
TARGET_RATIO, ORACLE_RATIO = 0.5, 1.25
NO_TEAM = "(no team)"  # fct_forecast_snapshots' forecast_group of a team-level row without a team


def by_row(first_day: pd.DataFrame, per_owner: pd.Series) -> pd.Series:
    """A per-owner amount on each forecast row: the rep's own, the sum over the team's reps (their team on the
    first day, from dim_reps), or the sum over all reps: the forecast marts' roll-up."""
    reps = first_day[first_day["forecast_level"] == "rep"]
    rep_values = reps["owner_id"].map(per_owner).fillna(0.0)
    by_owner = dict(zip(reps["owner_id"], rep_values, strict=True))
    by_team = rep_values.groupby(reps["team"].fillna(NO_TEAM)).sum()

    def value(row) -> float:
        if row.forecast_level == "company":
            return float(rep_values.sum())
        source = by_team if row.forecast_level == "team" else by_owner
        return float(source.get(row.forecast_group, 0.0))

    return pd.Series([value(row) for row in first_day.itertuples()], index=first_day.index, dtype=float)


def compare(
    first_day: pd.DataFrame, won_by_owner: pd.DataFrame, oracle_expected_by_owner: pd.Series | None = None
) -> dict:
    """The documented comparison (bench/forecast_going_forward.py's docstring: "unattributed_won_amount", "levels",
    "target", "rows").

    `first_day`: forecast_level, forecast_group, owner_id, team, week_of_quarter, ai, ai_p10, ai_p90, commit,
    stage_weighted, closed_won (one row per company / team / rep, as the morning job published them).
    `won_by_owner`: owner_id, won_amount (the quarter's closed-won per owner in the CRM). The company is the sum of
    its reps (every CRM user), as the marts roll it up: wins of deals without such an owner are in no row and are
    counted apart. `oracle_expected_by_owner` (demo CRM only): what the oracle expected of each rep's open and
    not-yet-created deals on the first day; the oracle = closed-won to date + that."""
    rows = first_day.copy()
    won = won_by_owner.groupby("owner_id", dropna=False)["won_amount"].sum()  # no owner: unattributed
    rows["actual_amount"] = by_row(rows, won)
    forecasts = FORECASTS
    if oracle_expected_by_owner is not None:
        closed_won = rows[rows["forecast_level"] == "rep"].set_index("owner_id")["closed_won"]
        rows["oracle"] = by_row(rows, closed_won) + by_row(rows, oracle_expected_by_owner)
        forecasts += ("oracle",)
    for name in forecasts:
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
        summary = error_summary(level_rows, forecasts)
        inside = level_rows["within_range"].dropna()
        summary["inside_range"] = int(inside.sum())
        summary["ranged_rows"] = int(len(inside))
        summary["actual_amount"] = round(float(level_rows["actual_amount"].sum()), 2)
        levels[level] = summary

    mae = levels[TARGET_LEVEL]["mae"]
    mape = levels[TARGET_LEVEL]["mape"]
    reps = rows.loc[rows["forecast_level"] == "rep", "owner_id"]
    return {
        "forecasts": list(forecasts),
        "unattributed_won_amount": round(float(won[~won.index.isin(reps)].sum()), 2),
        "levels": levels,
        "target": {
            "level": TARGET_LEVEL,
            "ai_to_commit_mae": _ratio(mae.get("ai"), mae.get("commit")),
            "ai_to_commit_mape": _ratio(mape.get("ai"), mape.get("commit")),
            "at_most": TARGET_RATIO,
            "ai_to_oracle_mae": _ratio(mae.get("ai"), mae.get("oracle")),
            "oracle_at_most": ORACLE_RATIO,
        },
        "rows": [_row_json(row, forecasts) for row in rows.to_dict("records")],
    }


def _row_json(row: dict, forecasts: tuple[str, ...]) -> dict:
    keys = ("forecast_level", "forecast_group", "owner_id", "team", "week_of_quarter", "actual_amount")
    keys += (*forecasts, "ai_p10", "ai_p90", "within_range", *(f"{name}_pct_error" for name in forecasts))
    return {key: _plain(row[key]) for key in keys}


def _plain(value):
    """JSON-ready: NaN/None -> None, numpy scalars -> Python, numbers to 4 decimals."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool | int | str):
        return value
    return round(float(value), 4)


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    return None if not numerator or not denominator else round(numerator / denominator, 3)
