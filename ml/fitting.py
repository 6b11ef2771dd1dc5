"""Fit the booster on the fit slice (early stopping on the next slice) and calibrate it on the slice after.

Each slice is a different set of deals (see ml/splits.py), so the calibrator learns on scores of deals
the trees never saw, and early stopping never peeks at the calibration or holdout deals.
"""

from __future__ import annotations

import lightgbm as lgb

from ml.calibration import fit_calibrator
from ml.features import CATEGORICAL_FEATURES, FEATURE_COLUMNS, model_matrix
from ml.predictor import WinPredictor, lightgbm_threads
from ml.splits import TimeSplit

# Small on purpose: a few thousand closed deals is typical, and 15 leaves x 200 rounds at 0.05 is enough
# to learn the interactions that matter (stage x activity recency) without memorising single deals.
LIGHTGBM_PARAMS: dict[str, object] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 20,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "seed": 7,
    # deterministic + row-wise histograms: the same data gives the same trees, so scores are reproducible.
    "deterministic": True,
    "force_row_wise": True,
    "verbosity": -1,
}
NUM_BOOST_ROUND = 200
# Stop after 20 rounds (10% of the budget) without improvement on the early-stopping slice; on the
# synthetic 800-deal history training stops near round 50.
EARLY_STOPPING_ROUNDS = 20


def fit_win_predictor(split: TimeSplit) -> WinPredictor:
    """A calibrated booster trained on `split.fit`, stopped on `split.early_stopping`, calibrated on
    `split.calibration`."""
    train_set = lgb.Dataset(model_matrix(split.fit), label=split.fit["label_won"].to_numpy())
    stopping_set = lgb.Dataset(
        model_matrix(split.early_stopping),
        label=split.early_stopping["label_won"].to_numpy(),
        reference=train_set,
    )
    booster = lgb.train(
        LIGHTGBM_PARAMS | {"num_threads": lightgbm_threads(len(split.fit))},
        train_set,
        num_boost_round=NUM_BOOST_ROUND,
        valid_sets=[stopping_set],
        valid_names=["early_stopping"],
        callbacks=[lgb.early_stopping(EARLY_STOPPING_ROUNDS, verbose=False)],
    )
    # Keep only the trees up to the best iteration, so every later predict (and the saved file) uses them.
    trimmed = lgb.Booster(model_str=booster.model_to_string(num_iteration=booster.best_iteration))
    raw_calibration = trimmed.predict(
        model_matrix(split.calibration), raw_score=True, num_threads=lightgbm_threads(len(split.calibration))
    )
    calibrator = fit_calibrator(raw_calibration, split.calibration["label_won"].to_numpy())
    return WinPredictor(trimmed, calibrator, FEATURE_COLUMNS, CATEGORICAL_FEATURES)
