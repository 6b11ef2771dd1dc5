"""Where the AI forecast's error comes from: each part of it against its own truth.

For a complete quarter the actual splits exactly like the forecast (fct_forecast_snapshots):
    actual = closed-won so far + what the quarter's pipeline won + what pulled-in deals won + what deals
             not created yet won
and closed-won so far is known, so the AI forecast's error is the sum of three parts' errors:
    pipeline         ai_expected_pipeline_amount      vs pipeline_won_amount
    pull_ins         pull_in_expected_amount          vs pull_in_won_amount
    not_yet_created  not_yet_created_expected_amount  vs not_yet_created_won_amount
Each part's error is reported as a share of the actual (so the parts of one row compare with the forecast's
own mean absolute % error): `mape` = mean |expected - won| / actual, `bias` = mean (expected - won) / actual
(positive: the part over-forecast). Rows without an AI forecast or without an actual are left out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COMPONENTS: dict[str, tuple[str, str]] = {
    "pipeline": ("ai_expected_pipeline", "pipeline_won"),
    "pull_ins": ("pull_in_expected", "pull_in_won"),
    "not_yet_created": ("not_yet_created_expected", "not_yet_created_won"),
}
COMPONENT_COLUMNS = tuple(column for pair in COMPONENTS.values() for column in pair)


def component_errors(rows: pd.DataFrame) -> dict:
    """{"rows", part: {"mape", "bias"}} over `rows` (forecast rows carrying COMPONENT_COLUMNS)."""
    measured = rows[rows["ai"].notna() & (rows["actual_amount"] > 0)]
    summary: dict = {"rows": int(len(measured))}
    for part, (expected, won) in COMPONENTS.items():
        if measured.empty or expected not in measured:
            summary[part] = {"mape": None, "bias": None}
            continue
        error = (measured[expected] - measured[won].fillna(0)) / measured["actual_amount"]
        summary[part] = {"mape": _mean(error.abs()), "bias": _mean(error)}
    return summary


def component_errors_by_week(rows: pd.DataFrame) -> dict:
    """The same by week of quarter and over all weeks, as the report's levels are laid out."""
    return {
        "by_week": [
            {"week_of_quarter": int(week)} | component_errors(week_rows)
            for week, week_rows in rows.groupby("week_of_quarter")
        ],
        "all_weeks": component_errors(rows),
    }


def _mean(values: pd.Series) -> float | None:
    values = values.dropna()
    return None if values.empty else round(float(np.mean(values)), 4)
