"""Syncs across runs: a killed run's log row is closed, and a locked CRM table ends in a message to act on."""

from __future__ import annotations

import psycopg
import pytest

from reverse_etl import load_mappings, run_sync
from reverse_etl.sync import CrmTableLocked
from tests.reverse_etl.helpers import DEMO_DESTINATION, OPPORTUNITY_IDS, query, score, set_payload
from warehouse.settings import load_settings
from warehouse.timeouts import with_session_timeouts

PAYLOAD = "sync_crm__opportunity_fields"
MAPPING = load_mappings()["opportunity_fields"]


def sync(url: str, run_id: str = "test-run"):
    return run_sync(url, url, MAPPING, open_destination=DEMO_DESTINATION, run_id=run_id)


def test_a_killed_runs_sync_log_row_is_closed_as_aborted_by_the_next_run(crm):
    # GIVEN a run killed mid-sync: its sync_log row still says running, with no counts
    set_payload(crm, PAYLOAD, [score(i, "0.4200") for i in OPPORTUNITY_IDS])
    sync(crm, "first-run")
    with psycopg.connect(crm, autocommit=True) as conn:
        conn.execute(
            "insert into reverse_etl.sync_log (sync_name, started_at, status, dagster_run_id)"
            " values ('opportunity_fields', now(), 'running', 'killed-run'),"
            " ('tasks', now(), 'running', 'killed-run')"
        )

    # WHEN the next run syncs the opportunities
    result = sync(crm, "next-run")

    # THEN the killed run's row of that sync is closed as aborted, saying by whom; another sync's row waits
    # for that sync's next run
    rows = {
        (row["sync_name"], row["dagster_run_id"]): row
        for row in query(crm, "select * from reverse_etl.sync_log")
    }
    aborted = rows[("opportunity_fields", "killed-run")]
    assert aborted["status"] == "aborted"
    assert aborted["finished_at"] is not None
    assert result.sync_run_id in aborted["message"]
    assert rows[("tasks", "killed-run")]["status"] == "running"
    assert rows[("opportunity_fields", "next-run")]["status"] == "succeeded"
    assert rows[("opportunity_fields", "first-run")]["status"] == "succeeded"


def test_a_crm_table_locked_longer_than_the_lock_timeout_fails_the_sync_naming_table_and_setting(crm):
    # GIVEN a pipeline URL with a short lock timeout, and another session holding the opportunities locked
    set_payload(crm, PAYLOAD, [score(i, "0.4200") for i in OPPORTUNITY_IDS])
    url = with_session_timeouts(crm, load_settings({"MOMENTUM_LOCK_TIMEOUT": "0.2"}))
    with psycopg.connect(crm) as holder:
        holder.execute("lock table crm.opportunity in access exclusive mode")

        # WHEN the sync runs THEN it gives up after the timeout with a message naming the table and the setting
        with pytest.raises(
            CrmTableLocked, match=r"opportunity table .* lock_timeout of 200ms.*MOMENTUM_LOCK_TIMEOUT"
        ):
            sync(url, "locked-run")
        holder.rollback()

    # ...nothing was written, and the log says why
    assert (
        query(crm, "select count(*) as n from crm.opportunity where ai_win_probability is not null")[0]["n"]
        == 0
    )
    (logged,) = query(
        crm, "select status, message from reverse_etl.sync_log where dagster_run_id = 'locked-run'"
    )
    assert logged["status"] == "failed"
    assert "MOMENTUM_LOCK_TIMEOUT" in logged["message"]
