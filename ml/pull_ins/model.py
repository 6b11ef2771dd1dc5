"""The pull-in model: P(won inside the as-of date's fiscal quarter) for a deal whose close date lies outside it.

The win and slip models say whether a deal is won and whether the win comes after its close date's quarter;
neither says whether a deal the rep dates next quarter (or left with a close date in a past quarter) lands in
this one. The forecast counted those at a rate per stage learned from past quarters, blind to the deal: a
stalled deal dated last quarter and a verbal yes dated next month got the same share. A booster on the
deal's own features, trained on the quarters that ended before the forecast's quarter, is the measured
improvement (demo seed 7, walk-forward, team level from week 4: the pull-in part's mean absolute error a
team-week 253k with the stage rates, 135k with this model, 120k with the simulator's true probabilities).

Fitted where it is used and not registered: by the morning job's scoring on the quarters that ended before
today, and once per quarter by the backtest on those before the quarter began, so both see the same history
on a quarter's first day. It reads the win model's feature contract (ml/data/features.py); its settings are
fixed (chosen on that backtest), and its training figures go with the scoring summary and the backtest's
MLflow run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import lightgbm as lgb
import numpy as np
import pandas as pd

from ml.data.features import FEATURE_COLUMNS, learned_categories, model_matrix
from ml.pull_ins.history import LABEL
from ml.training.predictor import lightgbm_threads

# Fewer won pull-ins than this in the history and the stage rates stand instead (dbt falls back to them).
MIN_PULL_IN_WINS = 50
PARAMS = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 100,
    "feature_fraction": 0.8,
    "verbose": -1,
    "seed": 7,
    "deterministic": True,
}
ROUNDS = 300


@dataclass(frozen=True)
class PullInModel:
    booster: lgb.Booster
    categories: Mapping[str, Sequence[str]]
    rows: int
    wins: int

    def predict(self, snapshots: pd.DataFrame) -> np.ndarray:
        """P(won inside the as-of quarter) for each row (meaningful for rows dated outside it)."""
        if snapshots.empty:
            return np.array([], dtype="float64")
        matrix = model_matrix(snapshots, FEATURE_COLUMNS, self.categories)
        return self.booster.predict(matrix, num_threads=lightgbm_threads(len(matrix)))

    def metrics(self) -> dict[str, float]:
        return {"pull_in_rows": float(self.rows), "pull_in_wins": float(self.wins)}


def fit_pull_in_model(rows: pd.DataFrame) -> PullInModel | None:
    """A model on `rows` (ml/pull_ins/history.py), or None with fewer than MIN_PULL_IN_WINS won pull-ins."""
    wins = int(rows[LABEL].sum()) if len(rows) else 0
    if wins < MIN_PULL_IN_WINS:
        return None
    categories = learned_categories(rows)
    params = PARAMS | {"num_threads": lightgbm_threads(len(rows))}
    booster = lgb.train(
        params,
        lgb.Dataset(model_matrix(rows, FEATURE_COLUMNS, categories), label=rows[LABEL].to_numpy()),
        ROUNDS,
    )
    return PullInModel(booster, categories, len(rows), wins)


def pull_in_probabilities(model: PullInModel | None, snapshots: pd.DataFrame) -> np.ndarray:
    """p_pull_in per row: the model's probability for rows dated outside their as-of quarter
    (is_close_date_in_current_quarter false), NaN for the others and for every row without a model."""
    p = np.full(len(snapshots), np.nan)
    if model is None or snapshots.empty:
        return p
    outside = (pd.to_numeric(snapshots["is_close_date_in_current_quarter"], errors="coerce") == 0).to_numpy()
    if outside.any():
        p[outside] = model.predict(snapshots[outside])
    return p
