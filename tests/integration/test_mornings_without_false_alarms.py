"""Daily operation raises no false alarm, and a real change in how reps work still raises one.

The demo preset's figure (0 failed runs, 0 warnings in 10 mornings) comes from `python -m bench.mornings`;
the tiny demo here is too small for some warnings (see the baseline below), so it asserts that ordinary
mornings add none to its first morning's (the weekday-bound features are tested in tests/ml/test_drift.py).

On copies of the shared tiny demo (tests/integration/conftest.py: retrained and run on Monday 2026-11-23).
Three mornings, Tuesday to Thursday, are enough to cross the weekday the drift reference was built on (the
10-day figure on the demo preset comes from `python -m bench.mornings --days 10`); the drift itself is
injected into the CRM: every activity of the last three weeks moved three weeks back, as when reps stop
working their deals (or activity logging breaks).
"""

from datetime import date, timedelta

import dagster as dg
import psycopg
import pytest

from orchestration.ml.drift_checks import FEATURE_DRIFT_CHECK
from orchestration.runner import JobReport, run_job
from simulator.advance import advance_demo_crm
from simulator.build import demo_today
from warehouse.settings import load_settings

MORNINGS = 3
STOPPED_WORKING_DAYS = 21


@pytest.fixture
def demo_warehouse(tiny_demo, tmp_path, monkeypatch):
    """A copy of the shared tiny demo CRM after its retrain and first morning."""
    with tiny_demo.copy(tmp_path / "momentum_home") as url:
        monkeypatch.setenv("MOMENTUM_WAREHOUSE_URL", url)
        monkeypatch.setenv("MOMENTUM_HOME", str(tmp_path / "momentum_home"))
        monkeypatch.setenv("MOMENTUM_MIN_CLOSED_DEALS", "8")
        yield url


def _morning(as_of: date, *, full_refresh: bool = False) -> JobReport:
    return run_job(
        load_settings(), "morning", as_of, instance=dg.DagsterInstance.ephemeral(), full_refresh=full_refresh
    )


def _check(warning: str) -> str:
    """ "<check> on <asset>" of a JobReport warning line (its description holds the day's counts)."""
    return warning.split(":", 1)[0]


def test_ordinary_mornings_raise_no_failure_and_no_new_warning(demo_warehouse, tiny_demo):
    # The tiny CRM's own limits warn on its first morning already (a model trained on 8 closed deals scores
    # every deal alike, most reps have no trailing win rate, six months of history make a young reference
    # pipeline, so its feature drift check already warns on deal age, stage time and meeting recency):
    # those are the baseline. Daily operation must add none.
    baseline = {_check(warning) for warning in tiny_demo.morning.warned_checks}
    for _ in range(MORNINGS):
        # GIVEN one more day of an unchanged sales org
        advance_demo_crm(demo_warehouse, days=1)
        # WHEN the morning job runs on the CRM's new today
        report = _morning(demo_today(demo_warehouse))
        # THEN it succeeds with no failed check and no warning the first morning did not raise
        assert report.success, (report.as_of, report.failed_steps, report.failed_checks)
        assert report.failed_checks == [], report.as_of
        new = [warning for warning in report.warned_checks if _check(warning) not in baseline]
        assert new == [], "\n".join([str(report.as_of), *new])


def test_reps_who_stop_working_their_deals_raise_the_drift_warning(demo_warehouse, tiny_demo):
    # GIVEN the last three weeks of activity moved three weeks back in the CRM: no deal touched since
    shift = timedelta(days=STOPPED_WORKING_DAYS)
    with psycopg.connect(demo_warehouse, autocommit=True) as conn:
        conn.execute(
            "update crm.task set activity_date = activity_date - %(shift)s, completed_at = completed_at - %(shift)s"
            " where coalesce(completed_at::date, activity_date) >= %(today)s - %(shift)s",
            {"shift": shift, "today": tiny_demo.as_of},
        )
        conn.execute(
            "update crm.event set start_at = start_at - %(shift)s, end_at = end_at - %(shift)s"
            " where start_at::date >= %(today)s - %(shift)s",
            {"shift": shift, "today": tiny_demo.as_of},
        )
    # WHEN the morning job runs again on the same day, from the CRM as it now is
    report = _morning(tiny_demo.as_of, full_refresh=True)
    # THEN the feature drift check warns, naming the activity features that moved
    assert report.success, (report.failed_steps, report.failed_checks)
    drift = [line for line in report.warned_checks if line.startswith(FEATURE_DRIFT_CHECK)]
    assert drift, report.warned_checks
    assert "days_since_last_activity" in drift[0] or "activities_" in drift[0], drift[0]
