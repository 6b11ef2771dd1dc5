"""Value every (deal, play) pair: amount x (p_win once the play's gap is closed - p_win now).

The champion model re-scores each triggered deal with the play's counterfactual
features, so the value of an action comes from what the model learned about
that signal on this company's own history. Without a promoted model the play's
prior uplift stands in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import numpy as np
import pandas as pd

from actions.playbook import Play, Playbook

Predict = Callable[[pd.DataFrame], np.ndarray]


def value_candidates(
    deals: pd.DataFrame,
    playbook: Playbook,
    predict: Predict | None,
    as_of: date,
    fiscal_year_start_month: int = 1,
) -> pd.DataFrame:
    """One row per (deal, triggered play) with uplift and expected_impact_amount."""
    frames = []
    for play in playbook.plays:
        triggered = deals[is_triggered(deals, play)]
        if triggered.empty:
            continue
        uplift = _uplift(triggered, play, predict)
        urgency = np.where(
            _closes_this_quarter_soon(triggered, as_of, playbook.urgency_days, fiscal_year_start_month),
            playbook.urgency_multiplier,
            1.0,
        )
        amount = triggered["amount"].fillna(0).astype(float).to_numpy()
        frames.append(
            pd.DataFrame(
                {
                    "opportunity_id": triggered["opportunity_id"].to_numpy(),
                    "owner_id": triggered["owner_id"].to_numpy(),
                    "play_id": play.id,
                    "uplift": uplift,
                    "expected_impact_amount": np.round(amount * uplift * urgency, 2),
                }
            )
        )
    if not frames:
        return pd.DataFrame(
            columns=["opportunity_id", "owner_id", "play_id", "uplift", "expected_impact_amount"]
        )
    return pd.concat(frames, ignore_index=True)


def value_candidates_or_priors(
    deals: pd.DataFrame,
    playbook: Playbook,
    predict: Predict | None,
    as_of: date,
    fiscal_year_start_month: int = 1,
) -> tuple[pd.DataFrame, bool]:
    """The champion's valuation, or the playbook priors' when it values no candidate above zero.

    A champion trained on little history may not split on any signal a play changes, so every
    counterfactual scores the same; rather than leave reps without advice, the priors decide. The flag
    says whether the model's valuation stood (the tasks carry it in their model version)."""
    candidates = value_candidates(deals, playbook, predict, as_of, fiscal_year_start_month)
    if predict is None or not len(candidates) or (candidates["expected_impact_amount"] > 0).any():
        return candidates, predict is not None
    return value_candidates(deals, playbook, None, as_of, fiscal_year_start_month), False


def _uplift(triggered: pd.DataFrame, play: Play, predict: Predict | None) -> np.ndarray:
    if predict is None:
        return np.full(len(triggered), float(play.prior_uplift))
    counterfactual = triggered.copy()
    for column, value in play.counterfactual.items():
        counterfactual[column] = _evaluate(triggered, value, play.id) if isinstance(value, str) else value
    # Only improvements count: a play never has negative value, it is just not chosen.
    return np.clip(predict(counterfactual) - predict(triggered), 0.0, None)


def is_triggered(deals: pd.DataFrame, play: Play) -> np.ndarray:
    """Which deals trigger `play`, as a boolean array. A null in a trigger column means "not triggered": a
    deal with no close date has not passed it, one with no contact roles recorded is not known to lack an
    economic buyer. A trigger that asks for nulls says so (`close_date.isna()`) and gets them."""
    result = _evaluate(_with_nullable_booleans(deals), play.trigger, play.id)
    if np.isscalar(result):  # a trigger that names no column (`True`) holds for every deal
        return np.full(len(deals), bool(result))
    return pd.Series(result).astype("boolean").fillna(False).to_numpy(dtype=bool)


def _with_nullable_booleans(deals: pd.DataFrame) -> pd.DataFrame:
    """Boolean columns read with nulls arrive as objects (True, None, False), on which `not` and `&` fail;
    as pandas' nullable boolean they follow three-valued logic (not null = null, null and False = False)."""
    converted = deals.copy()
    for column in deals.columns:
        values = deals[column]
        if values.dtype == object and values.notna().any() and values.isna().any():
            present = values.dropna()
            if present.map(lambda value: isinstance(value, bool | np.bool_)).all():
                converted[column] = values.astype("boolean")
    return converted


def _evaluate(deals: pd.DataFrame, expression: str, play_id: str) -> pd.Series:
    try:
        return deals.eval(expression, engine="python")
    except Exception as error:  # pandas raises many types; the play id is what the user needs
        raise ValueError(f"play {play_id!r}: cannot evaluate {expression!r}: {error}") from error


def fiscal_quarter_end(day: date, start_month: int) -> date:
    """The last day of the fiscal quarter holding `day`, for a fiscal year starting in `start_month`."""
    months = day.year * 12 + day.month - 1
    first_of_next = (months - (start_month - 1)) // 3 * 3 + (start_month - 1) + 3
    return date(first_of_next // 12, first_of_next % 12 + 1, 1) - timedelta(days=1)


def _closes_this_quarter_soon(deals: pd.DataFrame, as_of: date, days: int, start_month: int) -> np.ndarray:
    """Deals whose close date falls in the current fiscal quarter when that quarter ends within `days` days."""
    quarter_end = fiscal_quarter_end(as_of, start_month)
    if (quarter_end - as_of).days > days:
        return np.zeros(len(deals), dtype=bool)
    # As timestamps, not dates: a deal without a close date (NaT) then compares False instead of failing.
    close_dates = pd.to_datetime(deals["close_date"])
    in_quarter = (close_dates >= pd.Timestamp(as_of)) & (close_dates <= pd.Timestamp(quarter_end))
    return in_quarter.to_numpy(dtype=bool)
