"""Train the win and slip models a quarter's morning jobs would have used: on what was known before the
quarter began (ml/backtest/history.py), with the production split and fit (ml/data/splits.py,
ml/training/fitting.py), never registered: a backtest model scores the past, never today's deals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from ml.backtest.history import known_before
from ml.data.splits import split_by_last_snapshot
from ml.data.targets import SLIP, WIN, Target
from ml.evaluation.metrics import probability_metrics
from ml.training.fitting import fit_predictor
from ml.training.predictor import Predictor


@dataclass(frozen=True)
class QuarterModels:
    trained_as_of: date
    win: Predictor | None
    slip: Predictor | None
    metrics: dict[str, float]
    """Rows, deals and holdout AUC per target, for the MLflow run."""
    notes: dict[str, str]
    """Why a target has no model (too few closed deals, a split that cannot calibrate)."""


def train_quarter_models(snapshots: pd.DataFrame, day: date, min_closed_per_class: int) -> QuarterModels:
    """Both models as a retrain on `day` would have fitted them, or None for a target the history
    known on `day` cannot train (scoring then falls back as the morning job does)."""
    models: dict[str, Predictor | None] = {}
    metrics: dict[str, float] = {}
    notes: dict[str, str] = {}
    for target in (WIN, SLIP):
        rows = known_before(snapshots, target.label_column, day)
        models[target.kind], why = _train(target, rows, metrics, min_closed_per_class)
        if why:
            notes[target.kind] = why
    return QuarterModels(day, models["win"], models["slip"], metrics, notes)


def _train(
    target: Target, rows: pd.DataFrame, metrics: dict[str, float], min_closed_per_class: int
) -> tuple[Predictor | None, str | None]:
    label = target.label_column
    deals = rows.groupby("opportunity_id")[label].first()
    positive, negative = int((deals == 1).sum()), int((deals == 0).sum())
    metrics |= {
        f"{target.kind}_rows": len(rows),
        f"{target.kind}_positive_deals": positive,
        f"{target.kind}_negative_deals": negative,
    }
    if min(positive, negative) < min_closed_per_class:
        return None, f"{positive} {target.positive} and {negative} {target.negative} deals known"
    split = split_by_last_snapshot(rows, label)
    if problem := split.problem():
        return None, problem
    predictor = fit_predictor(split, target.output_column)
    holdout = probability_metrics(split.holdout[label].to_numpy(), predictor.predict_proba(split.holdout))
    metrics |= {f"{target.kind}_holdout_{name}": value for name, value in holdout.items()}
    return predictor, None
