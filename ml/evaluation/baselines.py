"""What a model must beat, as probabilities for the same rows: the CRM's stage and the rep's own call.

- win: the stage's default probability, the CRM's probability field as of the snapshot (the stage's
  default unless the rep typed their own; the default where it is unset) and the forecast category's
  historical win rate;
- slip: the CRM has no slip probability, so the stage baseline is each stage's historical slip rate,
  and the forecast category baseline its historical slip rate (both learned on the training side only).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.data.targets import WIN
from ml.evaluation.metrics import forecast_category_baseline

STAGE_BASELINE = "stage_probability"
CRM_PROBABILITY_BASELINE = "crm_probability"
FORECAST_BASELINE = "forecast_category"


def baseline_probabilities(
    training_side: pd.DataFrame, rows: pd.DataFrame, label: str
) -> dict[str, np.ndarray]:
    """{"stage_probability": ..., ["crm_probability": ...,] "forecast_category": ...} for `rows`, rates
    fitted on `training_side`; crm_probability for the win label only."""
    if label != WIN.label_column:
        return {
            STAGE_BASELINE: forecast_category_baseline(
                training_side, rows, column="stage_sort_order", label=label
            ),
            FORECAST_BASELINE: forecast_category_baseline(training_side, rows, label=label),
        }
    stage = rows["stage_default_probability"].to_numpy(dtype="float64")
    typed = rows["crm_probability"].to_numpy(dtype="float64")
    return {
        STAGE_BASELINE: stage,
        CRM_PROBABILITY_BASELINE: np.where(np.isnan(typed), stage, typed),
        FORECAST_BASELINE: forecast_category_baseline(training_side, rows, label=label),
    }
