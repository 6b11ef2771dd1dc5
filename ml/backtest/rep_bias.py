"""The bias-corrected commit: each rep's commit scaled by how their own commits compared with what they
actually closed, learned point in time.

For a rep on as-of date D in week w of a quarter: ratio = sum of actuals / sum of commits over the rep's
rows of quarters complete before D at the same week of quarter (a rep who sandbags early may call it
right late); without such rows, over all weeks of those quarters; without any, 1 (the commit as called).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def bias_corrected_commit(rep_rows: pd.DataFrame) -> pd.Series:
    """Per row of `rep_rows` (owner_id, as_of_date, week_of_quarter, fiscal_quarter_end_date,
    commit_amount, actual_amount), the commit x the rep's point-in-time actual/commit ratio."""
    ratios = pd.Series(1.0, index=rep_rows.index)
    called = rep_rows[rep_rows["commit_amount"].notna() & (rep_rows["commit_amount"] > 0)]
    for as_of, rows in rep_rows.groupby("as_of_date"):
        past = called[called["fiscal_quarter_end_date"] < as_of]
        if past.empty:
            continue
        same_week = past[past["week_of_quarter"] == rows["week_of_quarter"].iloc[0]]
        by_week = _ratio(same_week)
        overall = _ratio(past)
        ratio = rows["owner_id"].map(by_week).fillna(rows["owner_id"].map(overall)).fillna(1.0)
        ratios.loc[rows.index] = ratio.to_numpy()
    return rep_rows["commit_amount"] * ratios


def _ratio(rows: pd.DataFrame) -> pd.Series:
    sums = rows.groupby("owner_id")[["actual_amount", "commit_amount"]].sum()
    ratio = sums["actual_amount"] / sums["commit_amount"]
    return ratio.replace([np.inf, -np.inf], np.nan).dropna()
