"""Turn LightGBM's per-row contributions into the top factors for and against a deal, in a rep's words.

Features that describe one fact are summed into one factor first (contributions are additive in log-odds):
stage progress + stage probability are "the stage", days to close + close-date-past are "the close date". A
factor is named with the deal's actual value ("no activity in 21 days"), never with a column name.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

import numpy as np
import pandas as pd

FACTORS_PER_SIDE = 3
# Below 0.05 log-odds (about one percentage point at p = 0.5) a factor moved nothing a rep would notice.
MIN_CONTRIBUTION = 0.05
GROUPS: dict[str, tuple[str, ...]] = {
    "stage_progress": ("stage_progress", "stage_default_probability"),
    "days_to_close": ("days_to_close", "is_close_date_past"),
    "days_to_close_quarter_end": (
        "days_to_close_quarter_end",
        "days_left_in_quarter",
        "is_close_date_in_current_quarter",
    ),
    "two_way_touch_share": (
        "two_way_touch_share",
        "two_way_touches_total",
        "calls_total",
        "emails_total",
        "meetings_total",
    ),
}
SEGMENT_WORDS = {"SMB": "small-business", "MM": "mid-market", "ENT": "enterprise"}
# How a feature without a phrase of its own shows its value, read from its name so a new feature is covered
# the day it is added: fractions as whole percentages, days and counts as integers, anything else with at
# most two decimals (never "call connect rate 0.14285714285714285").
PERCENT_SUFFIXES = ("_rate", "_share", "_ratio", "_probability", "_pct")
WHOLE_NUMBER_SUFFIXES = ("_days", "_count", "_total")


def _count(n: int, one: str, many: str) -> str:
    return f"1 {one}" if n == 1 else f"{n} {many}"


def _activity(one: str, many: str, window: str) -> Callable[[float, dict], str]:
    return lambda v, row: (
        f"no {many} in the last {window}" if v == 0 else f"{_count(int(v), one, many)} in the last {window}"
    )


def _last_activity(v: float, row: dict) -> str:
    if v == 0:
        return "activity today"
    if v <= 3:
        return f"last activity {_count(int(v), 'day', 'days')} ago"
    return f"no activity in {int(v)} days"


def _close_date(v: float, row: dict) -> str:
    if v < 0:
        return f"close date passed {_count(abs(int(v)), 'day', 'days')} ago"
    return "closes today" if v == 0 else f"close date in {_count(int(v), 'day', 'days')}"


def _pushes(v: float, row: dict) -> str:
    return {0: "close date never pushed", 1: "close date pushed once"}.get(
        int(v), f"close date pushed {int(v)} times"
    )


def _counted(when_none: str, one: str, many: str, template: str) -> Callable[[float, dict], str]:
    """`when_none` for 0, else `template` around the count in words: ("...", "note", "notes", "{} flagging risk")."""
    return lambda v, row: when_none if v == 0 else template.format(_count(int(v), one, many))


def _contacts(v: float, row: dict) -> str:
    if v == 0:
        return "no contacts engaged in 90 days"
    return "only 1 contact engaged in 90 days" if v == 1 else f"{int(v)} contacts engaged in 90 days"


PHRASES: dict[str, Callable[[float, dict], str]] = {
    "stage_progress": lambda v, row: f"at the {row.get('stage_name') or f'{_percent(v)} along the'} stage",
    "days_to_close_quarter_end": lambda v, row: (
        f"close date's quarter ended {_count(abs(int(v)), 'day', 'days')} ago"
        if v < 0
        else f"close date's quarter ends in {_count(int(v), 'day', 'days')}"
    ),
    "two_way_touch_share": lambda v, row: (
        f"buyer answered {_percent(v)} of {_count(int(_total_touches(row)), 'touch', 'touches')}"
    ),
    "days_since_last_two_way_touch": lambda v, row: (
        f"last real conversation {_count(int(v), 'day', 'days')} ago"
    ),
    "meetings_total": lambda v, row: (
        "no meeting yet" if v == 0 else f"{_count(int(v), 'meeting', 'meetings')} held"
    ),
    "forecast_category": lambda v, row: f"rep calls it {row.get('forecast_category')}",
    "amount": lambda v, row: f"deal size {_whole(v)}",
    "days_in_stage": lambda v, row: f"{_count(int(v), 'day', 'days')} in the current stage",
    "deal_age_days": lambda v, row: f"deal open {_count(int(v), 'day', 'days')}",
    "days_to_close": _close_date,
    "close_date_push_count": _pushes,
    "activities_7d": _activity("activity", "activities", "7 days"),
    "activities_30d": _activity("activity", "activities", "30 days"),
    "calls_30d": _activity("call", "calls", "30 days"),
    "emails_30d": _activity("email", "emails", "30 days"),
    "meetings_30d": _activity("meeting", "meetings", "30 days"),
    "connected_calls_30d": _activity("connected call", "connected calls", "30 days"),
    "activities_90d": _activity("activity", "activities", "90 days"),
    "days_in_stage_vs_segment": lambda v, row: (
        f"{v:.1f}x as long in this stage as the segment's open deals"
        if v >= 1
        else "moving through this stage faster than the segment's open deals"
    ),
    "days_since_last_activity": _last_activity,
    "contacts_engaged_90d": _contacts,
    "contact_role_count": _counted(
        "no contact roles on the deal", "contact role", "contact roles", "{} on the deal"
    ),
    "rep_trailing_win_rate": lambda v, row: f"rep's recent win rate {_percent(v)}",
    "close_date_days_pushed": _counted(
        "close date never pushed", "day", "days", "close date pushed {} in all"
    ),
    "days_since_stage_firm_up": lambda v, row: (
        f"rep firmed up the close date or category {_count(int(v), 'day', 'days')} ago"
    ),
    "senior_contacts_engaged_90d": _counted(
        "no senior contact engaged in 90 days", "senior contact", "senior contacts", "{} engaged in 90 days"
    ),
    "days_since_last_meeting": lambda v, row: f"last meeting {_count(int(v), 'day', 'days')} ago",
    "risk_notes_90d": _counted(
        "no risk in the notes of 90 days", "note", "notes", "{} flagging risk in 90 days"
    ),
    "commitment_notes_90d": _counted(
        "no buying signal in the notes of 90 days", "note", "notes", "{} with a buying signal in 90 days"
    ),
    "account_employee_count": lambda v, row: f"account of {_whole(v)} employees",
    "account_prior_won_deals": _counted(
        "new logo: the account never bought", "time", "times", "account bought {} before"
    ),
    "has_economic_buyer": lambda v, row: "economic buyer engaged" if v == 1 else "no economic buyer engaged",
    "has_champion": lambda v, row: "champion on the deal" if v == 1 else "no champion identified",
}
WHEN_MISSING = {
    "two_way_touch_share": "no touches logged yet",
    "amount": "no amount on the deal",
    "days_since_last_activity": "no activity logged yet",
    "rep_trailing_win_rate": "rep's win rate not known yet",
    "segment": "segment not set",
    "days_to_close": "no close date",
    "days_since_last_meeting": "no meeting yet",
    "days_since_stage_firm_up": "close date and category not firmed up in this stage",
    "account_employee_count": "account size not known",
    "account_prior_won_deals": "no account on the deal",
}


def _total_touches(row: dict) -> float:
    return sum(float(row.get(k) or 0) for k in ("calls_total", "emails_total", "meetings_total"))


def phrase(feature: str, value: object, row: dict) -> str:
    """One factor in words, e.g. phrase("close_date_push_count", 3, row) -> "close date pushed 3 times"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return WHEN_MISSING.get(feature, f"{feature.replace('_', ' ')} unknown")
    if feature == "segment":
        return f"{SEGMENT_WORDS.get(str(value), str(value))} segment"
    if feature == "forecast_category":
        return f"rep calls it {value}"
    if feature in PHRASES:
        return PHRASES[feature](float(value), row)
    words = feature.replace("_", " ")
    if not isinstance(value, numbers.Number):  # Decimals from numeric columns are Numbers too
        return f"{words} {value}"
    v = float(value)
    if feature.startswith(("is_", "has_")):
        return f"{words.split(' ', 1)[1]}: {'yes' if v else 'no'}"
    return f"{words} {_number(feature, v)}"


def _number(feature: str, v: float) -> str:
    """A value for a sentence, by the feature's name (see PERCENT_SUFFIXES): "14%", "21", "2.33", "1,235"."""
    if feature.endswith(PERCENT_SUFFIXES):
        return _percent(v)
    if "days" in feature or feature.endswith(WHOLE_NUMBER_SUFFIXES) or abs(v) >= 100:
        return _whole(v)
    return _unsigned_zero(f"{v:,.2f}".rstrip("0").rstrip("."))


def _percent(v: float) -> str:
    return _unsigned_zero(f"{v:.0%}")


def _whole(v: float) -> str:
    return _unsigned_zero(f"{v:,.0f}")


def _unsigned_zero(text: str) -> str:
    """ "0" for "-0", "-0%" (what a tiny negative rounds to)."""
    return text.removeprefix("-") if text.lstrip("-").strip("0.%") == "" else text


def top_factors(
    contributions: pd.DataFrame, deals: pd.DataFrame, limit: int = FACTORS_PER_SIDE
) -> tuple[list[str | None], list[str | None]]:
    """Per row: the `limit` factors that raised p_win most and lowered it most, '; '-joined (None if none).

    `contributions` has one column per feature (log-odds); `deals` holds the same rows' feature values
    and, optionally, stage_name.
    """
    raised, lowered, _, _ = top_factors_with_names(contributions, deals, limit)
    return raised, lowered


def top_factors_with_names(
    contributions: pd.DataFrame, deals: pd.DataFrame, limit: int = FACTORS_PER_SIDE
) -> tuple[list[str | None], list[str | None], list[str | None], list[str | None]]:
    """`top_factors`, plus per row the names of those factors (features, or a group's lead feature) as a
    sorted comma-joined set: what the factors are, without the day's numbers and words, so the CRM sync can
    tell a new reason from a reworded one (reverse_etl/mappings/opportunity_fields.yml)."""
    factors = _grouped(contributions)
    names = list(factors.columns)
    values = factors.to_numpy()
    order = np.argsort(-values, axis=1, kind="stable")
    records = deals.to_dict("records")
    raised, lowered, raised_names, lowered_names = [], [], [], []
    for i, row in enumerate(records):
        up = [j for j in order[i, :limit] if values[i, j] >= MIN_CONTRIBUTION]
        down = [j for j in order[i, ::-1][:limit] if values[i, j] <= -MIN_CONTRIBUTION]
        raised.append(_join(names, up, row))
        lowered.append(_join(names, down, row))
        raised_names.append(",".join(sorted(names[j] for j in up)) or None)
        lowered_names.append(",".join(sorted(names[j] for j in down)) or None)
    return raised, lowered, raised_names, lowered_names


def _grouped(contributions: pd.DataFrame) -> pd.DataFrame:
    grouped = contributions.copy()
    for lead, members in GROUPS.items():
        present = [column for column in members if column in grouped.columns]
        if lead in present:
            grouped[lead] = grouped[present].sum(axis=1)
            grouped = grouped.drop(columns=[column for column in present if column != lead])
    return grouped


def _join(names: list[str], indices: list[int], row: dict) -> str | None:
    if not indices:
        return None
    return "; ".join(phrase(names[j], _plain(row.get(names[j])), row) for j in indices)


def _plain(value: object) -> object:
    """Booleans from the warehouse as 1/0, pandas NA as None, so every phrase sees plain numbers."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, bool | np.bool_):
        return int(value)
    return value
