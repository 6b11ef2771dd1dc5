"""The feature contract of the win model: which snapshot columns it reads and how they become a matrix.

The same `model_matrix` runs at training, at scoring and inside the MLflow pyfunc, so a feature can never
be computed one way for training and another way for scoring. Every column comes from one row of
marts.fct_deal_snapshots (or marts.ml_win__features, which has the same feature columns).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

NUMERIC_FEATURES: tuple[str, ...] = (
    # stage_progress (0 first open stage .. 1 last), not the sort order: the same model reads any stage set.
    "stage_progress",
    "stage_default_probability",
    "amount",
    "days_in_stage",
    "deal_age_days",
    "days_to_close",
    # When the close date's quarter ends: the slip model's clock (a win after it slipped).
    "days_to_close_quarter_end",
    "days_left_in_quarter",
    "close_date_push_count",
    "activities_7d",
    "activities_30d",
    "calls_30d",
    "emails_30d",
    "meetings_30d",
    "connected_calls_30d",
    "days_since_last_activity",
    # Lifetime engagement: how often the buyer answers is the CRM's best trace of how much they need it.
    "calls_total",
    "emails_total",
    "meetings_total",
    "two_way_touches_total",
    "two_way_touch_share",
    "days_since_last_two_way_touch",
    "contacts_engaged_90d",
    "contact_role_count",
    "rep_trailing_win_rate",
)
# has_next_step is left out on purpose: the CRM keeps no history of next_step, so past snapshots carry
# null and only today's row knows it. Training on it would teach the model a column that is always missing.
BOOLEAN_FEATURES: tuple[str, ...] = (
    "is_close_date_past",
    "is_close_date_in_current_quarter",
    "has_economic_buyer",
    "has_champion",
)
# Salesforce's forecast categories are a fixed picklist (ForecastCategoryName), unlike stage names.
CATEGORICAL_FEATURES: Mapping[str, tuple[str, ...]] = {
    "segment": ("SMB", "MM", "ENT"),
    "forecast_category": ("Pipeline", "Best Case", "Commit"),
}

FEATURE_COLUMNS: tuple[str, ...] = NUMERIC_FEATURES + BOOLEAN_FEATURES + tuple(CATEGORICAL_FEATURES)


def model_inputs(
    frame: pd.DataFrame,
    feature_columns: Sequence[str] = FEATURE_COLUMNS,
    categories: Mapping[str, Sequence[str]] = CATEGORICAL_FEATURES,
) -> pd.DataFrame:
    """The feature columns with plain types: numbers and booleans as float64 (0/1, NaN when unknown),
    categoricals as strings. This is the pyfunc's input signature; extra columns are dropped.

    Accepts what callers actually hold: bools or 0/1 ints (counterfactual frames set `is_close_date_past`
    to 0), Decimals from numeric columns, None for nulls.
    """
    missing = [column for column in feature_columns if column not in frame.columns]
    if missing:
        raise KeyError(f"frame lacks feature columns the model needs: {', '.join(missing)}")
    columns = {}
    for column in feature_columns:
        if column in categories:
            columns[column] = frame[column].astype("object").where(frame[column].notna(), None)
        else:
            columns[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return pd.DataFrame(columns, index=frame.index)


def model_matrix(
    frame: pd.DataFrame,
    feature_columns: Sequence[str] = FEATURE_COLUMNS,
    categories: Mapping[str, Sequence[str]] = CATEGORICAL_FEATURES,
) -> pd.DataFrame:
    """The matrix LightGBM sees: `model_inputs` with categoricals as pandas Categoricals over a FIXED list
    of levels, so a level's code is the same in every batch (an unseen level becomes missing)."""
    matrix = model_inputs(frame, feature_columns, categories)
    for column, levels in categories.items():
        if column in matrix.columns:
            matrix[column] = pd.Categorical(matrix[column], categories=list(levels))
    return matrix
