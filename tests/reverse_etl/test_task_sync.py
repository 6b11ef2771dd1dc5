"""The TMVA task sync: upsert by external id, deterministic ids, retirement, reps' tasks untouched."""

from __future__ import annotations

import hashlib
from datetime import date

from reverse_etl import load_mappings, run_sync
from tests.reverse_etl.helpers import (
    DEMO_DESTINATION,
    OPPORTUNITY_IDS,
    SEEDED_AT,
    execute,
    query,
    set_payload,
    tmva,
)

PAYLOAD = "sync_crm__tasks"
MAPPING = load_mappings()["tasks"]


def sync(url: str, **kwargs):
    return run_sync(url, url, MAPPING, open_destination=DEMO_DESTINATION, run_id="test-run", **kwargs)


def crm_tasks(url: str) -> dict[str, dict]:
    return {row["task_id"]: row for row in query(url, "select * from crm.task order by task_id")}


def by_external_id(url: str) -> dict[str, dict]:
    return {row["ai_external_id"]: row for row in crm_tasks(url).values() if row["ai_external_id"]}


def add_reps_own_task(url: str) -> None:
    execute(
        url,
        "insert into crm.task (task_id, what_id, subject, type, status, created_date, system_modstamp)"
        " values ('00TREP000000000001', %s, 'Follow up on pricing', 'Call', 'Open', %s, %s)",
        (OPPORTUNITY_IDS[0], SEEDED_AT, SEEDED_AT),
    )


def test_new_tasks_get_deterministic_salesforce_like_ids(crm):
    set_payload(crm, PAYLOAD, [tmva("tmva-2026-05-04-a")])

    result = sync(crm)

    expected_id = "00T" + hashlib.md5(b"tmva-2026-05-04-a").hexdigest()[:15].upper()
    assert (result.written, list(crm_tasks(crm))) == (1, [expected_id])
    task = crm_tasks(crm)[expected_id]
    assert (task["status"], task["ai_action_type"], task["activity_date"]) == (
        "Open",
        "call",
        date(2026, 5, 4),
    )
    assert task["created_date"] == task["system_modstamp"]


def test_rerunning_the_task_sync_never_duplicates_a_task(crm):
    set_payload(crm, PAYLOAD, [tmva("a"), tmva("b", OPPORTUNITY_IDS[1]), tmva("c", OPPORTUNITY_IDS[2])])
    sync(crm)
    # Losing the sync state (a rebuilt warehouse) must not duplicate tasks either: the upsert
    # matches on the external id, and a task already holding the payload is left alone.
    execute(crm, "truncate reverse_etl.sync_state")

    again = sync(crm)

    assert (again.changed, again.written) == (3, 0)
    assert len(crm_tasks(crm)) == 3


def test_a_changed_task_is_updated_in_place(crm):
    set_payload(crm, PAYLOAD, [tmva("a"), tmva("b", OPPORTUNITY_IDS[1])])
    sync(crm)
    before = by_external_id(crm)

    set_payload(crm, PAYLOAD, [tmva("a", ai_script="Hi Dana, new angle"), tmva("b", OPPORTUNITY_IDS[1])])
    result = sync(crm)

    after = by_external_id(crm)
    assert (result.changed, result.written) == (1, 1)
    assert after["a"]["task_id"] == before["a"]["task_id"]
    assert after["a"]["ai_script"] == "Hi Dana, new angle"
    assert after["b"] == before["b"]


def test_stale_open_tasks_expire_but_completed_and_reps_own_tasks_are_untouched(crm):
    # GIVEN yesterday's actions a, b, c, and a task the rep created themselves
    add_reps_own_task(crm)
    set_payload(crm, PAYLOAD, [tmva("a"), tmva("b", OPPORTUNITY_IDS[1]), tmva("c", OPPORTUNITY_IDS[2])])
    sync(crm)
    # AND the rep completed b
    execute(crm, "update crm.task set status = 'Completed' where ai_external_id = 'b'")
    before = crm_tasks(crm)
    # WHEN today's top actions are a and d (b and c dropped out; b also changed its script)
    set_payload(crm, PAYLOAD, [tmva("a"), tmva("d", OPPORTUNITY_IDS[3])])
    result = sync(crm)
    # THEN c expires, d is created, and b, a and the rep's own task are exactly as they were
    after = by_external_id(crm)
    assert (result.written, result.retired) == (1, 1)
    assert {k: v["status"] for k, v in after.items()} == {
        "a": "Open",
        "b": "Completed",
        "c": "Expired",
        "d": "Open",
    }
    assert after["c"]["system_modstamp"] > before[after["c"]["task_id"]]["system_modstamp"]
    for task_id in ("00TREP000000000001", after["a"]["task_id"], after["b"]["task_id"]):
        assert crm_tasks(crm)[task_id] == before[task_id]


def test_a_task_a_rep_completed_is_never_rewritten(crm):
    set_payload(crm, PAYLOAD, [tmva("a")])
    sync(crm)
    execute(crm, "update crm.task set status = 'Completed' where ai_external_id = 'a'")
    before = by_external_id(crm)["a"]

    set_payload(crm, PAYLOAD, [tmva("a", ai_script="A new script")])
    result = sync(crm)

    assert (result.changed, result.written) == (1, 0)
    assert by_external_id(crm)["a"] == before


def test_an_expired_action_that_returns_reopens_its_task(crm):
    set_payload(crm, PAYLOAD, [tmva("a"), tmva("b", OPPORTUNITY_IDS[1])])
    sync(crm)
    set_payload(crm, PAYLOAD, [tmva("a")])
    sync(crm)
    assert by_external_id(crm)["b"]["status"] == "Expired"

    set_payload(crm, PAYLOAD, [tmva("a"), tmva("b", OPPORTUNITY_IDS[1])])
    result = sync(crm)

    assert (result.written, by_external_id(crm)["b"]["status"], len(crm_tasks(crm))) == (1, "Open", 2)
