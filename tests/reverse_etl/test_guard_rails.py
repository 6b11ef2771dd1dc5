"""Guard rails: upstream checks, the change-share limit, the empty payload, dry runs, the sync log."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import psycopg
import pytest

from reverse_etl import guard, load_mappings, run_sync
from tests.reverse_etl.helpers import DEMO_DESTINATION, OPPORTUNITY_IDS, query, score, set_payload, tmva

OPPORTUNITIES = load_mappings()["opportunity_fields"]
TASKS = load_mappings()["tasks"]


def sync(url: str, mapping=OPPORTUNITIES, **kwargs):
    return run_sync(url, url, mapping, open_destination=DEMO_DESTINATION, run_id="dagster-run-42", **kwargs)


def probabilities(url: str) -> list:
    return [r["ai_win_probability"] for r in query(url, "select * from crm.opportunity order by 1")]


def log(url: str) -> list[dict]:
    return query(url, "select * from reverse_etl.sync_log order by started_at")


def synced_yesterday_then_changed(url: str, changed: int) -> None:
    """Ten deals synced at 0.42, then today's payload moves `changed` of them to 0.55."""
    set_payload(url, "sync_crm__opportunity_fields", [score(i, "0.4200") for i in OPPORTUNITY_IDS])
    sync(url)
    today = [score(i, "0.5500" if n < changed else "0.4200") for n, i in enumerate(OPPORTUNITY_IDS)]
    set_payload(url, "sync_crm__opportunity_fields", today)


def test_sync_refuses_to_run_when_upstream_checks_failed_and_logs_it(crm):
    set_payload(crm, "sync_crm__opportunity_fields", [score(i, "0.4200") for i in OPPORTUNITY_IDS])

    result = sync(crm, upstream_ok=False)

    assert (result.status, result.written, result.ok) == ("refused", 0, False)
    assert all(p is None for p in probabilities(crm))
    (entry,) = log(crm)
    assert (entry["status"], entry["dagster_run_id"], entry["sync_name"]) == (
        "refused", "dagster-run-42", "opportunity_fields",
    )  # fmt: skip
    assert "upstream" in entry["message"]
    assert entry["finished_at"] is not None


def test_sync_stops_when_too_many_synced_records_would_change_unless_forced(crm):
    # GIVEN 7 of 10 synced deals changing (70%, over the 60% limit)
    synced_yesterday_then_changed(crm, changed=7)
    # WHEN it syncs without force, THEN it stops before writing and says why
    stopped = sync(crm)
    assert (stopped.status, stopped.changed, stopped.written) == ("stopped", 7, 0)
    assert "7 of 10" in stopped.message and "70%" in stopped.message
    assert set(probabilities(crm)) == {Decimal("0.42")}
    # AND forced, it writes them
    forced = sync(crm, force=True)
    assert (forced.status, forced.written) == ("succeeded", 7)
    assert [e["status"] for e in log(crm)] == ["succeeded", "stopped", "succeeded"]


def test_the_change_share_limit_is_set_per_mapping(crm):
    synced_yesterday_then_changed(crm, changed=7)

    result = sync(crm, dataclasses.replace(OPPORTUNITIES, max_change_share=0.8))

    assert (result.status, result.written) == ("succeeded", 7)


def test_the_first_sync_of_a_mapping_is_exempt_from_the_change_share_limit(crm):
    set_payload(crm, "sync_crm__opportunity_fields", [score(i, "0.4200") for i in OPPORTUNITY_IDS])

    result = sync(crm, dataclasses.replace(OPPORTUNITIES, max_change_share=0.01))

    assert (result.status, result.written) == ("succeeded", 10)


def test_an_empty_task_payload_does_not_expire_every_open_task(crm):
    set_payload(crm, "sync_crm__tasks", [tmva("a"), tmva("b", OPPORTUNITY_IDS[1])])
    sync(crm, TASKS)
    set_payload(crm, "sync_crm__tasks", [])

    result = sync(crm, TASKS)

    assert (result.status, result.retired) == ("stopped", 0)
    assert {r["status"] for r in query(crm, "select status from crm.task")} == {"Open"}


def test_dry_run_reports_the_diff_and_writes_nothing(crm):
    # GIVEN two of ten synced deals changing
    synced_yesterday_then_changed(crm, changed=2)
    crm_before = query(crm, "select * from crm.opportunity order by 1")
    state_before = query(crm, "select * from reverse_etl.sync_state order by record_key")
    # WHEN it runs dry
    result = sync(crm, dry_run=True)
    # THEN it reports what it would write, with before/after values, and writes nothing
    assert (result.status, result.changed, result.written, result.ok) == ("dry_run", 2, 2, True)
    assert [s["record_key"] for s in result.sample] == OPPORTUNITY_IDS[:2]
    assert result.sample[0]["action"] == "update"
    assert {k: tuple(map(float, v)) for k, v in result.sample[0]["changes"].items()} == {
        "ai_win_probability": (0.42, 0.55)
    }
    assert query(crm, "select * from crm.opportunity order by 1") == crm_before
    assert query(crm, "select * from reverse_etl.sync_state order by record_key") == state_before
    assert log(crm)[-1]["status"] == "dry_run"
    # AND the real run afterwards writes exactly what the dry run announced
    assert sync(crm).written == 2


def test_dry_run_counts_task_inserts_and_retirements(crm):
    set_payload(crm, "sync_crm__tasks", [tmva("a"), tmva("b", OPPORTUNITY_IDS[1])])
    sync(crm, TASKS)
    set_payload(crm, "sync_crm__tasks", [tmva("a"), tmva("c", OPPORTUNITY_IDS[2])])

    result = sync(crm, TASKS, dry_run=True)

    assert (result.written, result.retired) == (1, 1)
    assert result.sample[0]["action"] == "insert"
    assert {r["ai_external_id"] for r in query(crm, "select * from crm.task where status = 'Open'")} == {
        "a",
        "b",
    }


def test_a_failing_run_is_logged_and_leaves_the_crm_untouched(crm):
    # GIVEN a payload relation that does not exist (dbt has not built it)
    broken = dataclasses.replace(OPPORTUNITIES, source="reverse_etl.missing_view")

    with pytest.raises(Exception, match="missing_view"):
        sync(crm, broken)

    (entry,) = log(crm)
    assert entry["status"] == "failed" and "missing_view" in entry["message"]


def test_a_second_run_of_the_same_sync_is_refused_while_one_is_in_progress(crm):
    set_payload(crm, "sync_crm__opportunity_fields", [score(i, "0.4200") for i in OPPORTUNITY_IDS])
    sync(crm)  # creates the reverse_etl schema; its lock is released when it returns
    with psycopg.connect(crm) as running:
        running.execute("select pg_advisory_lock(hashtext('reverse_etl.sync:opportunity_fields'))")

        result = sync(crm)

    assert (result.status, result.written) == ("refused", 0)
    assert "in progress" in log(crm)[-1]["message"]


def _share_of(url: str, changed: int, probability: str) -> None:
    """Today's payload moves the first `changed` deals to `probability`, the rest keep their last value."""
    current = {
        r["opportunity_id"]: r["ai_win_probability"] for r in query(url, "select * from crm.opportunity")
    }
    rows = [
        score(i, probability if n < changed else f"{current[i]:.4f}") for n, i in enumerate(OPPORTUNITY_IDS)
    ]
    set_payload(url, "sync_crm__opportunity_fields", rows)


def test_a_morning_that_moves_as_much_as_the_last_one_is_not_stopped(crm):
    # GIVEN a first sync, and a morning on which 7 of 10 probabilities moved (forced: over the 60% limit)
    set_payload(crm, "sync_crm__opportunity_fields", [score(i, "0.4200") for i in OPPORTUNITY_IDS])
    sync(crm)
    _share_of(crm, 7, "0.4300")
    assert sync(crm).status == "stopped"
    assert sync(crm, force=True).written == 7
    # WHEN the next ordinary morning moves 8 of 10 again (a model whose scores move daily)
    _share_of(crm, 8, "0.4400")
    result = sync(crm)
    # THEN it is not stopped: the limit scaled to the last run's 70% + 20 points
    assert (result.status, result.written) == ("succeeded", 8)


def test_a_jump_far_above_the_last_morning_still_stops_and_says_the_limit_scaled(crm):
    # GIVEN a first sync and an ordinary morning moving 5 of 10 (50%: the limit stays at 60%, the floor)
    set_payload(crm, "sync_crm__opportunity_fields", [score(i, "0.4200") for i in OPPORTUNITY_IDS])
    sync(crm)
    _share_of(crm, 5, "0.4300")
    assert sync(crm).written == 5
    # WHEN the next morning moves every deal
    _share_of(crm, 10, "0.9900")
    result = sync(crm)
    # THEN it stops at the scaled limit (50% + 20 points), and says so
    assert result.status == "stopped"
    assert "limit 70%, scaled from 60% by the last run" in result.message
    # AND the first sync (all records new) never scales the limit
    assert guard.change_share_limit(OPPORTUNITIES, guard.LastWrite()).share == 0.6
