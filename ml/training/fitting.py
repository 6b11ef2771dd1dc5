"""Fit the booster on the fit slice (early stopping on the next slice) and calibrate it on the slice after.

Each slice is a different set of deals (see ml/data/splits.py), so the calibrator learns on scores of deals
the trees never saw, and early stopping never peeks at the calibration or holdout deals.
"""

from __future__ import annotations

from dataclasses import dataclass

import lightgbm as lgb
import numpy as np
import pandas as pd

from ml.data.features import FEATURE_COLUMNS, learned_categories, model_matrix
from ml.data.splits import TimeSplit
from ml.training.calibration import fit_calibrator
from ml.training.predictor import Predictor, lightgbm_threads

# Shared by every candidate. Deterministic + row-wise histograms: the same data gives the same trees, so
# scores are reproducible.
LIGHTGBM_PARAMS: dict[str, object] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "seed": 7,
    "deterministic": True,
    "force_row_wise": True,
    "verbosity": -1,
}
# The bounded tuning step: three tree shapes, shallow to deep, each early-stopped; the lowest
# early-stopping log loss wins. A few thousand closed deals (a small team) pick the shallow one; the demo
# preset's 20k deals pick deeper trees, which find the interactions (stage x engagement x recency).
TREE_SHAPES: tuple[dict[str, int], ...] = (
    {"num_leaves": 15, "min_data_in_leaf": 20},
    {"num_leaves": 31, "min_data_in_leaf": 50},
    {"num_leaves": 63, "min_data_in_leaf": 100},
)
# At most 400 trees: explanations are LightGBM's exact per-row contributions, whose cost grows with trees
# x leaves (~370 rows/s for 200 trees of 63 leaves), and scoring 100k open deals must stay under 2 minutes.
NUM_BOOST_ROUND = 400
EARLY_STOPPING_ROUNDS = 40
# Early stopping picks the round with the lowest log loss on the early-stopping slice, but never fewer than
# 50 trees. On the old 470-deal demo preset that slice was 38 deals whose win rate (13%) was far from the
# fit slice's (27%), so its log loss rose after 8 trees and the model stopped there: holdout AUC 0.759,
# below the stage probability's 0.784. With the 50-tree floor: AUC 0.807. On large histories the best
# round is past 50 anyway, so the floor changes nothing there.
MIN_BOOST_ROUND = 50


@dataclass(frozen=True)
class FittedTrees:
    booster: lgb.Booster  # trimmed to its best round
    shape: dict[str, int]
    early_stopping_log_loss: float


def fit_predictor(split: TimeSplit, output_column: str = "p_win") -> Predictor:
    """A calibrated booster for `split.label`: each tree shape trained on `split.fit` and stopped on
    `split.early_stopping`, the best one calibrated on `split.calibration`."""
    categories = learned_categories(split.fit)
    train_set = lgb.Dataset(
        model_matrix(split.fit, categories=categories),
        label=split.fit[split.label].to_numpy(),
        free_raw_data=False,
    )
    stopping_set = lgb.Dataset(
        model_matrix(split.early_stopping, categories=categories),
        label=split.early_stopping[split.label].to_numpy(),
        reference=train_set,
    )
    fitted = min(
        (_fit_shape(shape, train_set, stopping_set, len(split.fit)) for shape in TREE_SHAPES),
        key=lambda candidate: candidate.early_stopping_log_loss,
    )
    # Calibrated on both slices the trees never learned from: early stopping only chose how many trees to
    # keep, and twice the rows give the isotonic steps half the noise (demo preset: holdout ECE 0.043 with
    # the calibration slice alone).
    calibration = pd.concat([split.early_stopping, split.calibration], ignore_index=True)
    raw_calibration = fitted.booster.predict(
        model_matrix(calibration, categories=categories),
        raw_score=True,
        num_threads=lightgbm_threads(len(calibration)),
    )
    calibrator = fit_calibrator(raw_calibration, calibration[split.label].to_numpy())
    return Predictor(fitted.booster, calibrator, FEATURE_COLUMNS, categories, output_column)


def _fit_shape(shape: dict[str, int], train_set, stopping_set, rows: int) -> FittedTrees:
    curves: dict = {}
    booster = lgb.train(
        LIGHTGBM_PARAMS | shape | {"num_threads": lightgbm_threads(rows)},
        train_set,
        num_boost_round=NUM_BOOST_ROUND,
        valid_sets=[stopping_set],
        valid_names=["early_stopping"],
        callbacks=[lgb.record_evaluation(curves), _stop_after_min_rounds()],
    )
    losses = curves["early_stopping"]["binary_logloss"]
    best_iteration = best_round(losses)
    # Keep only the trees up to the best iteration, so every later predict (and the saved file) uses them.
    trimmed = lgb.Booster(model_str=booster.model_to_string(num_iteration=best_iteration))
    return FittedTrees(trimmed, shape, float(losses[best_iteration - 1]))


def _stop_after_min_rounds():
    """Stop once EARLY_STOPPING_ROUNDS rounds past MIN_BOOST_ROUND brought no new best log loss."""

    def callback(env: lgb.callback.CallbackEnv) -> None:
        iteration = env.iteration + 1
        losses = [entry[2] for entry in env.evaluation_result_list]
        callback.history.append(losses[0])
        if iteration > MIN_BOOST_ROUND + EARLY_STOPPING_ROUNDS:
            best = best_round(callback.history)
            if iteration - best >= EARLY_STOPPING_ROUNDS:
                raise lgb.callback.EarlyStopException(best - 1, env.evaluation_result_list)

    callback.history = []
    callback.order = 30
    return callback


def best_round(log_loss_per_round: list[float], minimum: int = MIN_BOOST_ROUND) -> int:
    """1-based round with the lowest early-stopping log loss among rounds >= `minimum` (ties: the earlier)."""
    losses = np.asarray(log_loss_per_round, dtype="float64")
    floor = min(minimum, len(losses))
    return floor + int(np.argmin(losses[floor - 1 :]))


def fit_win_predictor(split: TimeSplit) -> Predictor:
    return fit_predictor(split, "p_win")
