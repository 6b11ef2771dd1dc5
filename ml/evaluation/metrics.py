"""Holdout metrics for a win probability, the same for the model and for every baseline.

All metrics are per snapshot row: the morning job scores one row per open deal per day, and a deal that
stays open for months is scored many times, so the holdout weights deals the same way scoring does.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

CALIBRATION_BINS = 10
# Probabilities are clipped before log loss: the stage baseline says 0% for some stages, and one such
# deal that is won would otherwise make the baseline's log loss infinite (and the comparison meaningless).
LOG_LOSS_EPSILON = 1e-3


def probability_metrics(labels: np.ndarray, probabilities: np.ndarray) -> dict[str, float]:
    """auc, log_loss, brier, ece (10 equal-width bins), lift_top_decile, rows, win_rate."""
    y = np.asarray(labels, dtype="int64")
    p = np.asarray(probabilities, dtype="float64")
    clipped = np.clip(p, LOG_LOSS_EPSILON, 1 - LOG_LOSS_EPSILON)
    both_outcomes = len(np.unique(y)) == 2
    return {
        "auc": float(roc_auc_score(y, p)) if both_outcomes else math.nan,
        "log_loss": float(log_loss(y, clipped, labels=[0, 1])),
        "brier": float(brier_score_loss(y, p, pos_label=1)),
        "ece": expected_calibration_error(y, p),
        "lift_top_decile": top_decile_lift(y, p),
        "rows": float(len(y)),
        "win_rate": float(y.mean()) if len(y) else math.nan,
    }


def expected_calibration_error(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """Row-weighted mean |observed win rate - mean predicted| over 10 equal-width probability bins."""
    y, p = np.asarray(labels, dtype="float64"), np.asarray(probabilities, dtype="float64")
    if len(y) == 0:
        return math.nan
    bins = calibration_table(y, p)
    return float((bins["rows"] * (bins["observed"] - bins["predicted"]).abs()).sum() / len(y))


def calibration_table(labels: np.ndarray, probabilities: np.ndarray) -> pd.DataFrame:
    """Per non-empty bin: rows, mean predicted, observed win rate (also drawn in the calibration plot)."""
    p = np.asarray(probabilities, dtype="float64")
    # Bin i holds [i/10, (i+1)/10); p = 1.0 belongs to the last bin.
    bin_index = np.minimum((p * CALIBRATION_BINS).astype(int), CALIBRATION_BINS - 1)
    frame = pd.DataFrame({"bin": bin_index, "predicted": p, "observed": np.asarray(labels, dtype="float64")})
    grouped = frame.groupby("bin").agg(
        rows=("observed", "size"), predicted=("predicted", "mean"), observed=("observed", "mean")
    )
    return grouped.reset_index()


def top_decile_lift(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """Win rate of the 10% highest-scored rows divided by the overall win rate (1.0 = no better than random)."""
    y, p = np.asarray(labels, dtype="float64"), np.asarray(probabilities, dtype="float64")
    if len(y) == 0 or y.mean() == 0:
        return math.nan
    top = max(1, int(math.ceil(len(y) * 0.10)))
    # Stable sort on -p: ties keep row order, so the metric is deterministic.
    order = np.argsort(-p, kind="stable")[:top]
    return float(y[order].mean() / y.mean())


def forecast_category_baseline(
    train: pd.DataFrame,
    evaluate: pd.DataFrame,
    *,
    column: str = "forecast_category",
    label: str,
) -> np.ndarray:
    """The rep's own call as a probability: each forecast category's rate of `label` on the training side,
    applied to the rows being evaluated (unseen categories get the overall training rate). With another
    `column` (e.g. stage_sort_order) it is that column's historical rate."""
    overall = float(train[label].mean())
    rates = train.groupby(column, dropna=False)[label].mean()
    return evaluate[column].map(rates).fillna(overall).to_numpy(dtype="float64")
