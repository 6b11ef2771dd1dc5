"""Feature drift (PSI against the training profile) and calibration since training, on plain frames."""

import json
from datetime import date, timedelta

import numpy as np
import pandas as pd

from ml.monitoring.calibration import MIN_RESOLVED_DEALS, calibration_since_training, outcome_due
from ml.monitoring.measures import (
    CALENDAR_FEATURES,
    MISSED_WEEKDAYS,
    PER_WORKING_DAY,
    PSI_WARN,
    feature_profile,
    missed_weekdays,
    per_working_day,
    population_stability,
)
from orchestration.ml.drift_checks import drift_warnings

COLUMNS = ("amount", "days_since_last_activity", "days_left_in_quarter", "segment")
CATEGORIES = {"segment": ("SMB", "MM", "ENT")}


def _deals(rows: int, seed: int, *, amount_scale: float = 1.0, smb_share: float = 0.5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    idle = rng.exponential(10, rows)
    idle[rng.random(rows) < 0.1] = np.nan  # some deals never had an activity
    return pd.DataFrame(
        {
            "amount": rng.lognormal(10, 1, rows) * amount_scale,
            "days_since_last_activity": idle,
            "days_left_in_quarter": rng.integers(0, 90, rows),
            "segment": rng.choice(
                ["SMB", "MM", "ENT"], rows, p=[smb_share, (1 - smb_share) / 2, (1 - smb_share) / 2]
            ),
        }
    )


def test_the_same_population_is_stable_and_a_shifted_one_is_flagged_by_the_features_that_moved():
    # GIVEN a profile of 20k training rows, saved as JSON as training does
    profile = json.loads(json.dumps(feature_profile(_deals(20_000, seed=1), COLUMNS, CATEGORIES)))
    # WHEN today's deals come from the same population
    same = population_stability(profile, _deals(3_000, seed=2), CATEGORIES)
    # THEN no feature drifts (sampling noise stays far below the warning level)
    assert same["psi"].max() < 0.05, same
    # WHEN amounts triple and SMB falls from half the deals to a tenth
    shifted = population_stability(profile, _deals(3_000, seed=3, amount_scale=3, smb_share=0.1), CATEGORIES)
    # THEN exactly those two features cross the warning level, largest first
    assert set(shifted[shifted["psi"] > shifted["warn_above"]].index) == {"amount", "segment"}
    assert shifted.index[0] in {"amount", "segment"}
    assert shifted.loc["days_since_last_activity", "psi"] < 0.05
    assert (shifted["warn_above"] == PSI_WARN).all()  # 20k and 3k rows: noise is far below 0.25


def test_a_small_pipeline_needs_a_larger_shift_to_warn_than_sampling_noise_makes():
    # GIVEN 60 open deals today drawn from the training population
    profile = feature_profile(_deals(20_000, seed=1), COLUMNS, CATEGORIES)
    small = population_stability(profile, _deals(60, seed=6), CATEGORIES)
    # THEN noise alone moves PSI, but the warning level of the 11-bin features rises with it; nothing warns
    assert (small.loc[["amount", "days_since_last_activity"], "warn_above"] > PSI_WARN).all()
    assert (small["psi"] <= small["warn_above"]).all(), small
    # AND amounts ten times larger still warn
    assert (
        population_stability(profile, _deals(60, seed=6, amount_scale=10), CATEGORIES)
        .loc["amount"]
        .pipe(lambda row: row["psi"] > row["warn_above"])
    )


def test_more_missing_values_count_as_drift_and_the_calendar_is_not_profiled():
    profile = feature_profile(_deals(20_000, seed=1), COLUMNS, CATEGORIES)
    # The quarter's clock is one value for every deal on a day: never compared.
    assert set(CALENDAR_FEATURES) & set(profile) == set()
    # Activity logging broke: 60% of today's deals have no last activity, against 10% in training.
    today = _deals(3_000, seed=4)
    today.loc[today.index[:1_800], "days_since_last_activity"] = np.nan
    assert population_stability(profile, today, CATEGORIES).loc["days_since_last_activity", "psi"] > PSI_WARN


def test_an_unknown_level_is_counted_with_missing_values_not_dropped():
    profile = feature_profile(_deals(5_000, seed=1), COLUMNS, CATEGORIES)
    today = _deals(2_000, seed=5)
    today["segment"] = "Strategic"  # a segment the model never saw
    assert population_stability(profile, today, CATEGORIES).loc["segment", "psi"] > PSI_WARN


def test_calibration_is_judged_only_on_enough_resolved_deals_and_warns_when_it_is_off():
    rng = np.random.default_rng(0)
    deals = MIN_RESOLVED_DEALS * 3
    rows = pd.DataFrame({"opportunity_id": [f"d{i // 2}" for i in range(deals * 2)]})
    p = rng.uniform(0.05, 0.95, len(rows))
    # Outcomes drawn from the predictions themselves: calibrated.
    calibrated = calibration_since_training(rows, (rng.random(len(rows)) < p).astype(int), p)
    assert calibrated.judged and not calibrated.breached
    assert calibrated.resolved_deals == deals
    # The same predictions, but deals now win half as often: the model overstates every deal.
    overstated = calibration_since_training(rows, (rng.random(len(rows)) < p / 2).astype(int), p)
    assert overstated.breached
    assert overstated.mean_predicted - overstated.actual_rate > 0.2
    # Too few resolved deals: not judged, so not breached, and the description says why.
    few = calibration_since_training(rows.head(20), np.zeros(20), np.full(20, 0.9))
    assert not few.judged and not few.breached
    assert f"at least {MIN_RESOLVED_DEALS}" in few.describe(pd.Timestamp("2026-11-30").date())


class _Evaluation:
    def __init__(self, check_name: str, passed: bool, description: str = ""):
        self.check_name, self.passed, self.description = check_name, passed, description


def test_only_failed_drift_checks_ask_for_a_retrain():
    evaluations = [
        _Evaluation("win_feature_drift", False, "2 of 40 features shifted"),
        _Evaluation("win_calibration_since_training", True),
        _Evaluation("raw_crm__opportunity", False, "a data check, not drift"),
    ]
    assert drift_warnings(evaluations) == ["win_feature_drift: 2 of 40 features shifted"]
    assert drift_warnings(evaluations[1:]) == []


def test_a_profile_saved_without_its_row_count_is_still_compared():
    profile = feature_profile(_deals(5_000, seed=1), COLUMNS, CATEGORIES)
    for entry in profile.values():
        del entry["rows"]  # the first profiles did not record it
    shifted = population_stability(profile, _deals(2_000, seed=7, amount_scale=3), CATEGORIES)
    assert shifted.loc["amount", "psi"] > shifted.loc["amount", "warn_above"] >= PSI_WARN


def _rep_level(deals: int, reps: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    """Each rep's one activity level, repeated on every deal of the rep."""
    rng = np.random.default_rng(seed)
    level = rng.gamma(4, 10, reps) + shift
    return pd.DataFrame({"rep_avg_activities_30d": level[rng.integers(0, reps, deals)]})


def test_a_rep_level_feature_is_judged_on_its_reps_not_on_its_deals():
    columns = ("rep_avg_activities_30d",)
    # GIVEN the year's profile (13 snapshot dates of 50 reps) and today's 2,000 deals of 50 other draws
    reference = pd.concat([_rep_level(2_000, 50, seed) for seed in range(13)], ignore_index=True)
    profile = feature_profile(reference, columns, {})
    today = population_stability(profile, _rep_level(2_000, 50, seed=99), {})
    # THEN the warning level rests on 50 reps, so rep-to-rep noise does not warn...
    assert today.loc["rep_avg_activities_30d", "warn_above"] > 0.5
    assert today.loc["rep_avg_activities_30d", "psi"] < today.loc["rep_avg_activities_30d", "warn_above"]
    # ... while every rep working far less does
    slower = population_stability(profile, _rep_level(2_000, 50, seed=99, shift=-25), {})
    assert slower.loc["rep_avg_activities_30d", "psi"] > slower.loc["rep_avg_activities_30d", "warn_above"]


def _idle_days(rows: int, as_of: date, seed: int) -> pd.DataFrame:
    """Deals touched on weekdays only, each at its own daily rate: calendar days since the last touch
    before `as_of` (a month without one: the deal's age, 30)."""
    rng = np.random.default_rng(seed)
    rate = rng.uniform(0.05, 0.6, rows)
    idle = np.full(rows, 30.0)
    for back in range(30, 0, -1):  # nearest day last, so it wins
        day = as_of - timedelta(days=back)
        if day.weekday() < 5:
            idle[rng.random(rows) < rate] = back
    return pd.DataFrame({"days_since_last_activity": idle, "as_of_date": as_of})


def test_days_since_a_touch_compare_any_weekday_with_the_monday_reference():
    # GIVEN the reference of 13 Monday snapshots (all fct_deal_snapshots keeps), 400 deals each
    mondays = [date(2026, 1, 5) + timedelta(weeks=4 * week) for week in range(13)]
    reference = pd.concat([_idle_days(400, monday, seed) for seed, monday in enumerate(mondays)])
    columns = ("days_since_last_activity",)
    profile = json.loads(json.dumps(feature_profile(reference, columns, {})))
    assert profile["days_since_last_activity"]["unit"] == MISSED_WEEKDAYS
    # WHEN the same reps work the same way and the check runs on each day of a week
    for offset in range(7):
        today = date(2026, 12, 7) + timedelta(days=offset)
        deals = _idle_days(2_000, today, seed=100 + offset).drop(columns="as_of_date")
        psi = population_stability(profile, deals, {}, as_of=today).loc["days_since_last_activity"]
        # THEN no day of the week warns
        assert psi["psi"] < psi["warn_above"], (today, psi)
    # AND in calendar days Wednesday to Saturday look like another population (what the demo warned
    # about): a deal touched yesterday is 1 to 3 days idle then, and never less than 3 on a Monday
    calendar = feature_profile(reference.drop(columns="as_of_date"), columns, {})
    thursday = _idle_days(2_000, date(2026, 12, 10), seed=103).drop(columns="as_of_date")
    assert population_stability(calendar, thursday, {}).loc["days_since_last_activity", "psi"] > PSI_WARN


def test_reps_who_stop_working_their_deals_still_warn_in_working_days():
    mondays = [date(2026, 1, 5) + timedelta(weeks=4 * week) for week in range(13)]
    reference = pd.concat([_idle_days(400, monday, seed) for seed, monday in enumerate(mondays)])
    profile = feature_profile(reference, ("days_since_last_activity",), {})
    # Nothing logged for the last two weeks: every deal's last touch is at least two weeks old.
    today = date(2026, 12, 9)
    deals = _idle_days(2_000, today - timedelta(days=14), seed=200).drop(columns="as_of_date")
    deals["days_since_last_activity"] += 14
    psi = population_stability(profile, deals, {}, as_of=today).loc["days_since_last_activity"]
    assert psi["psi"] > psi["warn_above"]


def test_missed_weekdays_count_the_working_days_between_a_touch_and_the_morning():
    monday, tuesday, saturday = (
        np.datetime64("2026-12-07"),
        np.datetime64("2026-12-08"),
        np.datetime64("2026-12-12"),
    )
    # Friday's touch (Saturday in UTC too) is 0 missed on Monday; Wednesday's misses Thursday and Friday.
    assert missed_weekdays(np.array([3, 2, 5, np.nan]), monday)[:3].tolist() == [0, 0, 2]
    assert np.isnan(missed_weekdays(np.array([np.nan]), monday)[0])
    assert missed_weekdays(np.array([1, 4]), tuesday).tolist() == [0, 1]
    assert missed_weekdays(np.array([1, 2]), saturday).tolist() == [0, 1]


def _deals_closing_after_training(deals: int, days_since_training: int, seed: int):
    """Snapshots taken on the training day of deals with true win chance p (the model's calibrated
    prediction), each due to close 1 to 120 days later. A win lands on its close date; a loss on any day
    up to it; a fifth of the deals slip a month either way. Returns the rows closed by today, with the
    label, and their predictions."""
    rng = np.random.default_rng(seed)
    trained = date(2026, 11, 30)
    p = rng.uniform(0.1, 0.7, deals)
    won = rng.random(deals) < p
    days_to_close = rng.integers(1, 121, deals)
    closes_after = np.where(won, days_to_close, rng.integers(0, days_to_close + 1))
    closes_after = closes_after + np.where(rng.random(deals) < 0.2, 30, 0)
    rows = pd.DataFrame(
        {
            "opportunity_id": [f"d{i}" for i in range(deals)],
            "as_of_date": trained,
            "days_to_close": days_to_close.astype(float),
            "label_won": won.astype(int),
        }
    )
    closed = closes_after < days_since_training
    return rows[closed], p[closed], trained + timedelta(days=days_since_training)


def test_calibration_since_training_is_judged_on_deals_due_not_on_the_quick_losses():
    # GIVEN a calibrated model, ten days after training: the deals closed since are mostly quick losses
    rows, p, today = _deals_closing_after_training(20_000, days_since_training=10, seed=3)
    every_closed = calibration_since_training(rows, rows["label_won"].to_numpy(), p)
    assert every_closed.breached and every_closed.actual_rate < every_closed.mean_predicted - 0.2
    # WHEN only the deals whose close date fell before today are judged
    due = outcome_due(rows, "label_won", today).to_numpy()
    judged = calibration_since_training(rows[due], rows["label_won"].to_numpy()[due], p[due])
    # THEN there are enough of them and the calibrated model holds
    assert judged.judged and not judged.breached, judged
    # BUT while most due deals are still open (slipped), the few that closed are not judged either
    slipped = calibration_since_training(
        rows[due], rows["label_won"].to_numpy()[due], p[due], due_deals=int(due.sum()) * 3
    )
    assert not slipped.judged and not slipped.breached
    assert f"of {int(due.sum()) * 3} deals due to close" in slipped.describe(date(2026, 11, 30))
    # AND a model that overstates every deal still warns on the same deals
    overstated = calibration_since_training(
        rows[due], rows["label_won"].to_numpy()[due], np.minimum(p[due] * 1.6, 1)
    )
    assert overstated.breached


def test_a_slip_is_due_when_the_close_dates_quarter_has_ended():
    rows = pd.DataFrame(
        {"as_of_date": [date(2026, 12, 1)] * 3, "days_to_close_quarter_end": [5.0, 40.0, np.nan]}
    )
    assert outcome_due(rows, "label_slipped", date(2026, 12, 10)).tolist() == [True, False, False]


def test_thirty_day_counts_compare_per_working_day_of_their_window():
    # 30 days before a Monday hold 20 working days, before a Wednesday 22: the same work, 10% more counted
    days = np.array(["2026-12-07", "2026-12-09", "2026-12-08"], dtype="datetime64[D]")
    assert per_working_day(np.array([20.0, 22.0, 21.0]), days, 30).tolist() == [1.0, 1.0, 1.0]
    # GIVEN reps' 30-day activity on 13 Mondays, and the same reps on a Wednesday
    rng = np.random.default_rng(5)
    mondays = [date(2026, 1, 5) + timedelta(weeks=4 * week) for week in range(13)]
    rates = rng.gamma(6, 0.5, 2_000)
    reference = pd.DataFrame(
        {
            "activities_30d": np.concatenate([rng.poisson(rates * 20) for _ in mondays]),
            "as_of_date": np.repeat(mondays, len(rates)),
        }
    )
    profile = feature_profile(reference, ("activities_30d",), {})
    assert profile["activities_30d"] | {"edges": None, "shares": None} == {
        "edges": None,
        "shares": None,
        "rows": len(reference),
        "unit": PER_WORKING_DAY,
        "window_days": 30,
    }
    wednesday = pd.DataFrame({"activities_30d": rng.poisson(rates * 22)})
    in_working_days = population_stability(profile, wednesday, {}, as_of=date(2026, 12, 9))
    calendar = population_stability(
        feature_profile(reference.drop(columns="as_of_date"), ("activities_30d",), {}), wednesday, {}
    )
    # THEN per working day the Wednesday matches the Mondays far more closely than in raw counts
    assert in_working_days.loc["activities_30d", "psi"] < calendar.loc["activities_30d", "psi"] / 3
