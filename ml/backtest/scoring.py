"""Score a quarter's snapshots with that quarter's backtest models, as the morning job scores today's deals
(ml/scoring/score.py): p_win from the win model or the stage probability, p_slip from the slip model, and
p_close_in_quarter = p_win x (1 - p_slip), null without a slip model; p_won_in_quarter from the quarter's
quarter-win model (ml/quarter_wins) as the morning job's scoring adds it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.backtest.training import QuarterModels
from ml.quarter_wins.model import QuarterWinModel, quarter_win_probabilities

SCORE_COLUMNS = (
    "opportunity_id", "as_of_date", "p_win", "p_slip", "p_close_in_quarter", "score_source", "p_won_in_quarter",
)  # fmt: skip


def score_snapshots(
    snapshots: pd.DataFrame, models: QuarterModels, quarter_model: QuarterWinModel | None = None
) -> pd.DataFrame:
    """One row per snapshot of `snapshots` (every deal open on each date), vectorised over all dates;
    p_won_in_quarter from `quarter_model` for every one."""
    scores = snapshots[["opportunity_id", "as_of_date"]].copy()
    scores["p_won_in_quarter"] = quarter_win_probabilities(quarter_model, snapshots)
    if models.win is not None:
        scores["p_win"] = models.win.predict_proba(snapshots)
        scores["score_source"] = "model"
    else:
        scores["p_win"] = snapshots["stage_default_probability"].to_numpy()
        scores["score_source"] = "stage_probability"
    if models.slip is not None:
        scores["p_slip"] = models.slip.predict_proba(snapshots)
        scores["p_close_in_quarter"] = scores["p_win"] * (1 - scores["p_slip"])
    else:
        scores["p_slip"] = np.nan
        scores["p_close_in_quarter"] = np.nan
    return scores[list(SCORE_COLUMNS)]
