"""Score a quarter's snapshots with that quarter's backtest models, as the morning job scores today's deals
(ml/scoring/score.py): p_win from the win model or the stage probability, p_slip from the slip model, and
p_close_in_quarter = p_win x (1 - p_slip), null without a slip model; p_pull_in from the quarter's pull-in
model (ml/pull_ins) as the morning job's scoring adds it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.backtest.training import QuarterModels
from ml.pull_ins.model import PullInModel, pull_in_probabilities

SCORE_COLUMNS = (
    "opportunity_id", "as_of_date", "p_win", "p_slip", "p_close_in_quarter", "score_source", "p_pull_in",
)  # fmt: skip


def score_snapshots(
    snapshots: pd.DataFrame, models: QuarterModels, pull_ins: PullInModel | None = None
) -> pd.DataFrame:
    """One row per snapshot of `snapshots` (every deal open on each date), vectorised over all dates;
    p_pull_in from `pull_ins` for the deals dated outside their date's quarter."""
    scores = snapshots[["opportunity_id", "as_of_date"]].copy()
    scores["p_pull_in"] = pull_in_probabilities(pull_ins, snapshots)
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
