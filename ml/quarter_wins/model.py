"""The quarter-win model: P(an open deal is won inside the as-of date's fiscal quarter), for every open deal.

The win and slip models say whether a deal is won and whether the win comes after its close date's quarter;
their product answers the forecast's question only for deals dated inside the quarter, and only as well as two
models fitted on different rows (every closed deal; won deals) multiply: the forecast had to rescale it by
what such pipeline won in past quarters. Deals dated outside the quarter (pulled in from a later one, or left
with a close date in a past one) it did not answer at all: the forecast counted them at a rate per stage,
blind to the deal. This booster learns the forecast's own event on the deal's features (the win model's
contract, ml/data/features.py; the close date's position is among them), from the quarters that ended before
the forecast's quarter. Measured on the demo (seed 7, walk-forward, team level from week 4, mean absolute error
of a team-week against what each part won, offline on the same rows): deals dated inside the quarter 200k with
the rescaled p_win, 140k with this model; deals dated outside 253k with the stage rates, 135k; with the
simulator's true probabilities 119k and 120k.

Fitted where it is used and not registered: for the morning job's scoring on the quarters that ended before
today, and once per quarter by the backtest on those before the quarter began, so both see the same history
on a quarter's first day; a fit is logged to MLflow and loaded again while its training rows stay the same
(ml/quarter_wins/store.py). Its settings are fixed (chosen on that backtest); its training figures go with the
scoring summary, its own MLflow run and the backtest's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import lightgbm as lgb
import numpy as np
import pandas as pd

from ml.data.features import FEATURE_COLUMNS, learned_categories, model_matrix
from ml.quarter_wins.history import LABEL
from ml.training.predictor import lightgbm_threads

# Fewer wins inside their quarter than this in the history and the forecast keeps its older estimates (dbt
# falls back to the rescaled p_win and the stage rates).
MIN_QUARTER_WINS = 50
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
class QuarterWinModel:
    booster: lgb.Booster
    categories: Mapping[str, Sequence[str]]
    rows: int
    wins: int

    def predict(self, snapshots: pd.DataFrame) -> np.ndarray:
        """P(won inside the as-of quarter) for each row."""
        if snapshots.empty:
            return np.array([], dtype="float64")
        matrix = model_matrix(snapshots, FEATURE_COLUMNS, self.categories)
        return self.booster.predict(matrix, num_threads=lightgbm_threads(len(matrix)))

    def metrics(self) -> dict[str, float]:
        return {"quarter_model_rows": float(self.rows), "quarter_model_wins": float(self.wins)}


def fit_quarter_win_model(rows: pd.DataFrame) -> QuarterWinModel | None:
    """A model on `rows` (ml/quarter_wins/history.py), or None with fewer than MIN_QUARTER_WINS wins in them."""
    wins = int(rows[LABEL].sum()) if len(rows) else 0
    if wins < MIN_QUARTER_WINS:
        return None
    categories = learned_categories(rows)
    params = PARAMS | {"num_threads": lightgbm_threads(len(rows))}
    matrix = model_matrix(rows, FEATURE_COLUMNS, categories)
    booster = lgb.train(params, lgb.Dataset(matrix, label=rows[LABEL].to_numpy()), ROUNDS)
    return QuarterWinModel(booster, categories, len(rows), wins)


def quarter_win_probabilities(model: QuarterWinModel | None, snapshots: pd.DataFrame) -> np.ndarray:
    """p_won_in_quarter per row, NaN for every row without a model."""
    if model is None or snapshots.empty:
        return np.full(len(snapshots), np.nan)
    return model.predict(snapshots)
