"""Time travel through the morning job: a month of CRM changes must not rewrite what past snapshots knew.

A tiny demo CRM at a fixed today; retrain and morning (a copy of the shared tiny demo,
tests/integration/conftest.py); the CRM lives 30 more days; morning again on its new today (incremental
dbt). Every fct_deal_snapshots row of a date before the first run must be as it was, except labels that
went from unknown to known; and a full refresh of that day gives the same table.
"""

from datetime import date, timedelta

import dagster as dg
import psycopg
import pytest

from orchestration.runner import run_job
from simulator.advance import advance_demo_crm
from simulator.build import demo_today
from warehouse.settings import load_settings

FIRST_TODAY = date(2026, 11, 23)  # tests/integration/test_morning_job.py: enough closed deals to train
DAYS = 30
LABELS = ("label_won", "label_slipped")
SNAPSHOT_WEEKS = 52  # dbt_project.yml var snapshot_weeks: older Mondays leave the spine


@pytest.fixture
def demo_warehouse(tiny_demo, tmp_path, monkeypatch):
    """A copy of the shared tiny demo CRM (tests/integration/conftest.py) after its retrain and first morning."""
    assert tiny_demo.as_of == FIRST_TODAY
    with tiny_demo.copy(tmp_path / "momentum_home") as url:
        monkeypatch.setenv("MOMENTUM_WAREHOUSE_URL", url)
        monkeypatch.setenv("MOMENTUM_HOME", str(tmp_path / "momentum_home"))
        # The tiny CRM has a few dozen closed deals; the production default would refuse to train on it.
        monkeypatch.setenv("MOMENTUM_MIN_CLOSED_DEALS", "8")
        yield url


def _run(job_name: str, as_of: date, full_refresh: bool = False) -> None:
    report = run_job(
        load_settings(), job_name, as_of, instance=dg.DagsterInstance.ephemeral(), full_refresh=full_refresh
    )
    assert report.success, (report.failed_steps, report.failed_checks)


def _snapshots(url: str) -> dict[str, dict]:
    with psycopg.connect(url) as conn:
        cursor = conn.execute("select * from marts.fct_deal_snapshots")
        names = [column.name for column in cursor.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def _without_labels(row: dict) -> dict:
    return {**row, **dict.fromkeys(LABELS)}


def test_a_month_later_past_snapshots_are_unchanged_except_labels_that_became_known(demo_warehouse):
    url = demo_warehouse
    first_today = demo_today(url)

    # GIVEN the snapshots the morning job built on the first day (after a retrain), in the shared tiny demo
    before = _snapshots(url)

    # WHEN the CRM lives 30 more days (deals move, close, appear) and the morning job runs on its new today
    advance_demo_crm(url, days=DAYS)
    second_today = demo_today(url)
    assert second_today == first_today + timedelta(days=DAYS)
    _run("morning", second_today)
    after = _snapshots(url)

    # THEN every row of a date before the first run that is still in the 52-week spine is still there
    oldest_kept = second_today - timedelta(weeks=SNAPSHOT_WEEKS)
    past = {key: row for key, row in before.items() if oldest_kept <= row["as_of_date"] < first_today}
    assert len({row["as_of_date"] for row in past.values()}) >= 20  # the tiny CRM has 6 months of history
    assert sorted(past.keys() - after.keys()) == []
    # AND no feature of any of them changed
    changed = [key for key, row in past.items() if _without_labels(row) != _without_labels(after[key])]
    assert changed == []
    # AND labels only went from unknown to known, and some did (deals closed during the month)
    for label in LABELS:
        moved = [key for key, row in past.items() if row[label] != after[key][label]]
        assert [past[key][label] for key in moved] == [None] * len(moved), label
    assert any(past[key]["label_won"] is None and after[key]["label_won"] is not None for key in past)
    # AND the first run's today is now a past Monday (2026-11-23), and only today's rows are current
    assert {row["as_of_date"] for row in after.values() if row["is_current"]} == {second_today}

    # WHEN the same day is rebuilt from scratch
    _run("morning", second_today, full_refresh=True)

    # THEN the incremental path had left exactly the table a full refresh builds
    assert _snapshots(url) == after
