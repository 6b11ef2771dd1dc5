import math

import numpy as np
import pandas as pd

from ml.evaluation.baselines import (
    CRM_PROBABILITY_BASELINE,
    FORECAST_BASELINE,
    STAGE_BASELINE,
    baseline_probabilities,
)
from ml.evaluation.metrics import expected_calibration_error, probability_metrics, top_decile_lift


def test_ece_is_zero_when_every_bin_wins_as_often_as_it_predicts():
    # 10 deals at 0.2 with 2 wins, 10 at 0.7 with 7 wins.
    probabilities = np.array([0.2] * 10 + [0.7] * 10)
    labels = np.array([1, 1] + [0] * 8 + [1] * 7 + [0] * 3)
    assert math.isclose(expected_calibration_error(labels, probabilities), 0.0, abs_tol=1e-12)
    assert math.isclose(expected_calibration_error(labels, np.full(20, 0.45)), 0.0, abs_tol=1e-12)  # 9/20 won


def test_top_decile_lift_compares_the_best_scored_tenth_with_the_overall_win_rate():
    labels = np.array([1] + [0] * 9 + [1] * 4 + [0] * 6)  # 5 of 20 won: 25%
    scores = np.linspace(1.0, 0.0, 20)  # the top 2 are a win and a loss: 50%
    assert top_decile_lift(labels, scores) == 2.0


def test_a_baseline_saying_zero_for_a_deal_that_was_won_keeps_a_finite_log_loss():
    metrics = probability_metrics(np.array([1, 0, 0, 1]), np.array([0.0, 0.1, 0.2, 0.8]))
    assert math.isfinite(metrics["log_loss"])
    assert set(metrics) >= {"auc", "log_loss", "brier", "ece", "lift_top_decile"}


def test_the_crm_probability_baseline_reads_the_reps_typed_field_and_falls_back_to_the_stage_default():
    # GIVEN three deals in a 20% stage: one at the default, one the rep typed up to 60%, one with the field unset
    training_side = pd.DataFrame(
        {"forecast_category": ["Pipeline", "Commit"], "label_won": [0, 1], "stage_sort_order": [2.0, 2.0]}
    )
    rows = pd.DataFrame(
        {
            "stage_default_probability": [0.2, 0.2, 0.2],
            "crm_probability": [0.2, 0.6, np.nan],
            "forecast_category": ["Pipeline", "Commit", "Pipeline"],
            "stage_sort_order": [2.0, 2.0, 2.0],
        }
    )
    # WHEN the win baselines are computed
    won = baseline_probabilities(training_side, rows, "label_won")
    # THEN the CRM field baseline is the typed number, or the stage's default where there is none
    np.testing.assert_array_equal(won[CRM_PROBABILITY_BASELINE], [0.2, 0.6, 0.2])
    np.testing.assert_array_equal(won[STAGE_BASELINE], [0.2, 0.2, 0.2])
    # AND slip has no CRM field to compare with: only the historical rates
    slipped = training_side.rename(columns={"label_won": "label_slipped"})
    assert set(baseline_probabilities(slipped, rows, "label_slipped")) == {STAGE_BASELINE, FORECAST_BASELINE}
