"""The feature contract of the win model: which snapshot columns it reads and how they become a matrix.

The same `model_matrix` runs at training, at scoring and inside the MLflow pyfunc, so a feature can never
be computed one way for training and another way for scoring. Every column comes from one row of
marts.fct_deal_snapshots (or marts.ml_open_deals__features, which has the same feature columns).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

NUMERIC_FEATURES: tuple[str, ...] = (
    # stage_progress (0 first open stage .. 1 last), not the sort order: the same model reads any stage set.
    "stage_progress",
    "stage_default_probability",
    "amount",
    "days_in_stage",
    "days_in_stage_vs_segment",
    "deal_age_days",
    "days_to_close",
    # When the close date's quarter ends: the slip model's clock (a win after it slipped).
    "days_to_close_quarter_end",
    "days_left_in_quarter",
    "close_date_push_count",
    "close_date_days_pushed",
    # A close date pulled in or a category raised without a stage move: the CRM's trace of a verbal yes.
    "days_since_stage_firm_up",
    "activities_7d",
    "activities_30d",
    "calls_30d",
    "emails_30d",
    "meetings_30d",
    "connected_calls_30d",
    "activities_90d",
    "days_since_last_activity",
    # Lifetime engagement: how often the buyer answers is the CRM's best trace of how much they need it.
    "calls_total",
    "emails_total",
    "meetings_total",
    "two_way_touches_total",
    "two_way_touch_share",
    "call_connect_rate",
    "days_since_last_two_way_touch",
    "touches_per_week",
    "rep_avg_activities_30d",
    "contacts_engaged_90d",
    "senior_contacts_engaged_90d",
    "days_since_last_meeting",
    # What the reps' notes say (phrases: dbt var note_risk_phrases / note_commitment_phrases).
    "risk_notes_90d",
    "commitment_notes_90d",
    "contact_role_count",
    "rep_trailing_win_rate",
    "account_employee_count",
    "account_prior_won_deals",
)
# rep_tenure_days is left out: every rep's tenure grows a year a year, so today's values always sit above
# the training rows' (drift by construction) and the model would extrapolate from its oldest reps.
# has_next_step is left out on purpose: the CRM keeps no history of next_step, so past snapshots carry
# null and only today's row knows it. Training on it would teach the model a column that is always missing.
BOOLEAN_FEATURES: tuple[str, ...] = (
    "is_close_date_past",
    "is_close_date_in_current_quarter",
    "has_economic_buyer",
    "has_champion",
)
# Default levels; a trained model keeps the levels it learned from its own history (`learned_categories`),
# so a CRM whose types or lead sources are spelled differently still gets them as features.
CATEGORICAL_FEATURES: Mapping[str, tuple[str, ...]] = {
    "segment": ("SMB", "MM", "ENT"),
    # Salesforce's forecast categories are a fixed picklist (ForecastCategoryName), unlike stage names.
    "forecast_category": ("Pipeline", "Best Case", "Commit"),
    # Renewals and referrals are warmer than new logos and cold outbound.
    "opportunity_type": ("New Business", "Expansion", "Renewal"),
    "lead_source": ("Inbound", "Outbound", "Partner", "Referral", "Event"),
}
# A level must hold this share of the training rows to get a code of its own; rarer values are missing.
MIN_LEVEL_SHARE = 0.005

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
            columns[column] = _as_level(frame[column], categories[column])
        else:
            columns[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return pd.DataFrame(columns, index=frame.index)


def learned_categories(frame: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """The levels each categorical feature takes in `frame` (the fit slice), most frequent first; values
    differing only in case or surrounding space count as one level, spelled as most rows spell it."""
    learned = {}
    for column, default in CATEGORICAL_FEATURES.items():
        values = frame[column].dropna().astype(str).str.strip()
        values = values[values != ""]
        if values.empty:
            learned[column] = default
            continue
        folded = values.str.casefold()
        spelling = values.groupby(folded).agg(lambda group: group.value_counts().index[0])
        shares = folded.value_counts(normalize=True)
        kept = shares[shares >= MIN_LEVEL_SHARE]
        order = sorted(kept.index, key=lambda level: (-kept[level], level))
        learned[column] = tuple(spelling[level] for level in order)
    return learned


def _as_level(values: pd.Series, levels: Sequence[str]) -> pd.Series:
    """Each value as the level it matches up to case and surrounding space, else None."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        # Match each distinct value once, not each row: the backtest reads millions of rows as categories.
        matched = _as_level(pd.Series(values.cat.categories, dtype="object"), levels).to_numpy()
        # Code -1 (null) picks the None appended last.
        by_code = np.append(matched, None).astype("object")
        return pd.Series(by_code[values.cat.codes.to_numpy()], index=values.index, dtype="object")
    by_folded = {str(level).casefold(): level for level in levels}
    matched = (
        values.astype("object").where(values.notna()).astype(str).str.strip().str.casefold().map(by_folded)
    )
    return matched.astype("object").where(matched.notna(), None)


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
