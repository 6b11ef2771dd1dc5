"""Has the world moved since a champion was trained? Two measures, each behind a warning asset check.

- Feature drift: the population stability index (PSI) of every feature between the open pipeline the
  champion was trained on and today's open deals. Training saves a profile of the pipeline over its last
  year (ml/dataset.read_reference_pipeline) with the model's run (`feature_profile.json`: decile edges
  and shares per numeric feature, level shares per categorical), so the check never re-reads it. Not
  all the training rows: the CRM's first months hold only young deals, and labelled rows only deals
  that have closed, so they differ from any day's pipeline even when nothing has changed.
- Calibration since training: snapshots taken on or after the day the champion was trained, scored by
  the champion, on the deals whose outcome was due by today (`outcome_due`): does the mean prediction
  still match what happened?

PSI = sum over bins of (actual - expected) x ln(actual / expected). The usual reading: below 0.1 stable,
0.1 to 0.25 a moderate shift, above 0.25 a different population. On a small pipeline sampling noise alone
reaches 0.25 (80 open deals in 10 bins: about 0.11 on average), so a feature warns only above the larger
of 0.25 and the PSI that sampling noise exceeds once in a thousand checks (PSI x n1 n2 / (n1 + n2) is
asymptotically chi-squared with bins - 1 degrees of freedom).
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from scipy.stats import chi2

from ml.data.features import model_inputs

PROFILE_ARTIFACT = "feature_profile.json"
PSI_WARN = 0.25
NOISE_QUANTILE = 0.999
# A share of zero in either population would make the logarithm infinite.
SHARE_FLOOR = 1e-4
# Features that follow the calendar: every deal scored on one day has the same days_left_in_quarter,
# and where close dates fall against the quarter's end moves with the week of the quarter. Today's
# values sit in one phase of the quarter by construction; their PSI would only say which one.
CALENDAR_FEATURES = ("days_left_in_quarter", "days_to_close_quarter_end", "is_close_date_in_current_quarter")
# Days since a touch follow the working week: the reference holds weekly Monday snapshots (the only past
# dates fct_deal_snapshots keeps), when a deal touched on Friday is 3 days idle, while the morning job
# compares every day's deals, when one touched yesterday is 1. Compared in calendar days, Tuesday's
# pipeline looks far more active than any Monday's, with nothing changed (the demo warned on most
# mornings). Both sides are compared in working days missed instead (`missed_weekdays`): the weekdays
# strictly between the touch and the as-of date, a weekend touch counting as the Friday before (a Friday
# evening call in California is logged on Saturday, UTC). A deal touched on the last working day is 0
# missed on any morning, Monday or Saturday alike.
WORKING_DAY_FEATURES = (
    "days_since_last_activity",
    "days_since_last_two_way_touch",
    "days_since_last_meeting",
)
MISSED_WEEKDAYS = "missed_weekdays"
# Counts over the last 30 days follow it too: 30 days are four weeks and two days, weekend days before a
# Monday (20 working days) but weekdays before a Wednesday (22), so every deal looks 10% busier midweek.
# Compared per working day of their window instead. (The 7-day window always holds 5 working days; the
# 90-day one 64 or 65.)
WINDOW_COUNT_FEATURES = {
    "activities_30d": 30,
    "calls_30d": 30,
    "emails_30d": 30,
    "meetings_30d": 30,
    "connected_calls_30d": 30,
    "rep_avg_activities_30d": 30,
}
PER_WORKING_DAY = "per_working_day"
# One value per rep, repeated on each of the rep's deals (50 reps in the demo): a day's distribution of
# these is 50 draws however many deals there are, and its noise level must say so.
REP_LEVEL_FEATURES = ("rep_trailing_win_rate", "rep_avg_activities_30d")


def feature_profile(
    frame: pd.DataFrame,
    feature_columns: Sequence[str],
    categories: Mapping[str, Sequence[str]],
    as_of: date | None = None,
) -> dict[str, dict]:
    """A JSON-ready profile of `frame`'s features: for numbers up to 10 bins at the deciles plus a
    missing bin, for categoricals the model's levels plus a missing-or-unknown bin. With the rows' as-of
    dates (an `as_of_date` column, or `as_of` for all), the WORKING_DAY_FEATURES are profiled in working
    days missed (entry `unit`), so any weekday compares with the Monday snapshots."""
    inputs = model_inputs(frame, feature_columns, categories)
    as_of_dates = _as_of_dates(frame, as_of)
    profile = {}
    for column in feature_columns:
        if column in CALENDAR_FEATURES:
            continue
        if column in categories:
            levels = [str(level) for level in categories[column]]
            profile[column] = {
                "levels": levels,
                "shares": _level_shares(inputs[column], levels),
                "rows": len(frame),
            }
        else:
            unit = _working_day_unit(column) if as_of_dates is not None else {}
            values = _in_unit(inputs[column].to_numpy(dtype="float64"), unit, as_of_dates)
            present = values[~np.isnan(values)]
            edges = np.unique(np.quantile(present, np.linspace(0.1, 0.9, 9))).tolist() if len(present) else []
            rows = _sample_size(column, inputs[column], len(frame))
            profile[column] = {"edges": edges, "shares": _bin_shares(values, edges), "rows": rows, **unit}
    return profile


def _working_day_unit(column: str) -> dict:
    """How a feature that follows the working week is profiled and compared (the profile entry's keys)."""
    if column in WORKING_DAY_FEATURES:
        return {"unit": MISSED_WEEKDAYS}
    if column in WINDOW_COUNT_FEATURES:
        return {"unit": PER_WORKING_DAY, "window_days": WINDOW_COUNT_FEATURES[column]}
    return {}


def missed_weekdays(days_since: np.ndarray, as_of_dates: np.ndarray) -> np.ndarray:
    """Days since a touch (calendar) as working days missed: the weekdays strictly after the touch's
    working day (a weekend touch counts as the Friday before) and strictly before the as-of date."""
    days_since = np.asarray(days_since, dtype="float64")
    as_of_dates = np.broadcast_to(np.asarray(as_of_dates, dtype="datetime64[D]"), days_since.shape)
    result = np.full(days_since.shape, np.nan)
    known = ~np.isnan(days_since)
    touched = as_of_dates[known] - days_since[known].astype("int64").astype("timedelta64[D]")
    working_day = np.busday_offset(touched, 0, roll="backward")
    result[known] = np.busday_count(working_day + np.timedelta64(1, "D"), as_of_dates[known])
    return np.maximum(result, 0)  # a touch dated on or after the as-of date (not expected) is 0 missed


def per_working_day(counts: np.ndarray, as_of_dates: np.ndarray, window_days: int) -> np.ndarray:
    """Counts over the `window_days` days before each as-of date, divided by the weekdays among them."""
    as_of_dates = np.broadcast_to(np.asarray(as_of_dates, dtype="datetime64[D]"), np.shape(counts))
    working_days = np.busday_count(as_of_dates - np.timedelta64(window_days, "D"), as_of_dates)
    return np.asarray(counts, dtype="float64") / np.maximum(working_days, 1)


def _in_unit(values: np.ndarray, entry: Mapping, as_of_dates: np.ndarray | None) -> np.ndarray:
    """`values` in the unit a profile entry names (calendar days and plain counts when it names none)."""
    unit = entry.get("unit")
    if unit is None:
        return values
    if as_of_dates is None:
        raise ValueError(f"cannot express a feature in {unit!r} without the rows' as-of dates")
    if unit == MISSED_WEEKDAYS:
        return missed_weekdays(values, as_of_dates)
    if unit == PER_WORKING_DAY:
        return per_working_day(values, as_of_dates, int(entry["window_days"]))
    raise ValueError(f"unknown profile unit {unit!r}")


def _as_of_dates(frame: pd.DataFrame, as_of: date | None) -> np.ndarray | None:
    """Each row's as-of date as datetime64[D]: `as_of` for all, else the frame's as_of_date column."""
    if as_of is not None:
        return np.full(len(frame), np.datetime64(as_of, "D"))
    if "as_of_date" in frame.columns:
        return pd.to_datetime(frame["as_of_date"]).to_numpy(dtype="datetime64[D]")
    return None


def population_stability(
    profile: Mapping[str, dict],
    frame: pd.DataFrame,
    categories: Mapping[str, Sequence[str]],
    as_of: date | None = None,
) -> pd.DataFrame:
    """Per profiled feature of `frame`: its `psi` against the profile and the `warn_above` level for these
    sample sizes; largest PSI first. `as_of` (or an `as_of_date` column): the rows' date, needed for the
    features profiled in working days."""
    inputs = model_inputs(frame, list(profile), categories)
    as_of_dates = _as_of_dates(frame, as_of)
    rows = {}
    for column, expected in profile.items():
        if "levels" in expected:
            actual = _level_shares(inputs[column], expected["levels"])
        else:
            values = _in_unit(inputs[column].to_numpy(dtype="float64"), expected, as_of_dates)
            actual = _bin_shares(values, expected["edges"])
        expected_shares, actual_shares = np.asarray(expected["shares"]), np.asarray(actual)
        bins = int(np.count_nonzero((expected_shares > 0) | (actual_shares > 0)))
        rows[column] = {
            "psi": _psi(expected_shares, actual_shares),
            "warn_above": warn_level(
                bins, expected.get("rows"), _sample_size(column, inputs[column], len(frame))
            ),
        }
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["psi", "warn_above"])
    return frame.sort_values("psi", ascending=False)


def _sample_size(column: str, values: pd.Series, rows: int) -> int:
    """How many independent draws a feature's distribution rests on: the rows, except for a rep-level
    feature, where every deal of a rep repeats the rep's one value, so the sample is the reps."""
    return int(values.nunique(dropna=True)) if column in REP_LEVEL_FEATURES else rows


def warn_level(bins: int, reference_rows: int | None, today_rows: int) -> float:
    """PSI_WARN, or the PSI sampling noise exceeds once in a thousand when that is higher. A profile
    without its row count (saved before it had one) counts as a reference far larger than today."""
    if reference_rows == 0 or today_rows == 0:
        return math.inf
    reference_noise = 0 if reference_rows is None else 1 / reference_rows
    noise = chi2.ppf(NOISE_QUANTILE, max(bins - 1, 1)) * (reference_noise + 1 / today_rows)
    return max(PSI_WARN, float(noise))


def save_profile(profile: Mapping[str, dict], path: Path) -> None:
    path.write_text(json.dumps(profile, indent=1))


def load_profile(client: MlflowClient, run_id: str) -> dict[str, dict] | None:
    """The profile saved with a training run, or None for a model trained before profiles were saved."""
    with tempfile.TemporaryDirectory(prefix="momentum-profile-") as directory:
        try:
            local = client.download_artifacts(run_id, PROFILE_ARTIFACT, directory)
        except (MlflowException, OSError):
            return None
        return json.loads(Path(local).read_text())


def _bin_shares(values: np.ndarray, edges: Sequence[float]) -> list[float]:
    """Shares of len(edges) + 1 bins (value <= edge i goes to bin i) and, last, of missing values."""
    missing = np.isnan(values)
    bins = np.searchsorted(np.asarray(edges, dtype="float64"), values[~missing], side="left")
    counts = np.bincount(bins, minlength=len(edges) + 1).tolist() + [int(missing.sum())]
    return _shares(counts)


def _level_shares(values: pd.Series, levels: Sequence[str]) -> list[float]:
    """Shares of each level and, last, of missing or unknown values (model_inputs maps unknown to None)."""
    counts = values.value_counts(dropna=True)
    known = [int(counts.get(level, 0)) for level in levels]
    return _shares(known + [len(values) - sum(known)])


def _shares(counts: Sequence[int]) -> list[float]:
    total = sum(counts)
    return [count / total if total else 0.0 for count in counts]


def _psi(expected: np.ndarray, actual: np.ndarray) -> float:
    expected, actual = np.maximum(expected, SHARE_FLOOR), np.maximum(actual, SHARE_FLOOR)
    return float(np.sum((actual - expected) * np.log(actual / expected)))
