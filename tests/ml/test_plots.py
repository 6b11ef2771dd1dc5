"""The calibration plot each training run logs names the outcome its target predicts."""

from __future__ import annotations

import numpy as np
import pytest

from ml.data.targets import SLIP, WIN
from ml.training.plots import calibration_figure


@pytest.mark.parametrize(("target", "outcome"), [(WIN, "win"), (SLIP, "slip")])
def test_calibration_plot_axes_name_the_targets_outcome(target, outcome):
    labels = np.array([0, 1, 0, 1, 1, 0])
    probabilities = np.array([0.1, 0.8, 0.3, 0.6, 0.9, 0.2])
    (axes,) = calibration_figure({"model": (labels, probabilities)}, target).axes
    assert axes.get_ylabel() == f"observed {outcome} rate"
    assert axes.get_xlabel() == f"predicted {outcome} probability (bin mean)"
    other = "win" if outcome == "slip" else "slip"
    assert other not in axes.get_title()
