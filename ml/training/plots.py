"""The two PNGs every training run logs: the calibration curve and the feature importance.

Figures are drawn on matplotlib's Agg canvas directly (no pyplot), so nothing touches global backend
state and the training process never needs a display.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import lightgbm as lgb
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ml.data.targets import Target
from ml.evaluation.metrics import calibration_table


def save_calibration_plot(
    path: Path, curves: Mapping[str, tuple[np.ndarray, np.ndarray]], target: Target
) -> Path:
    """One line per (labels, probabilities) pair, e.g. the model and the stage baseline, on the holdout."""
    calibration_figure(curves, target).savefig(path)
    return path


def calibration_figure(curves: Mapping[str, tuple[np.ndarray, np.ndarray]], target: Target) -> Figure:
    """The calibration curves on axes named for the target's outcome (a slip model's rate is a slip rate)."""
    figure = Figure(figsize=(6, 6), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfectly calibrated")
    for name, (labels, probabilities) in curves.items():
        table = calibration_table(labels, probabilities)
        axes.plot(table["predicted"], table["observed"], marker="o", label=name)
    axes.set(
        xlim=(0, 1),
        ylim=(0, 1),
        xlabel=f"predicted {target.kind} probability (bin mean)",
        ylabel=f"observed {target.kind} rate",
        title=f"Calibration of the {target.kind} model on the holdout (10 bins)",
    )
    axes.legend(loc="upper left")
    return figure


def save_importance_plot(path: Path, booster: lgb.Booster) -> Path:
    """Total gain per feature: how much each feature reduced the training loss, largest on top."""
    gains = booster.feature_importance(importance_type="gain")
    names = np.array(booster.feature_name())
    order = np.argsort(gains)
    figure = Figure(figsize=(7, max(3.0, 0.3 * len(names) + 1)), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.barh(names[order], gains[order])
    axes.set(xlabel="total gain", title="Feature importance (gain)")
    figure.tight_layout()
    figure.savefig(path)
    return path
