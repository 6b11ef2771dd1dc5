"""Write-back through simple-salesforce into the local Salesforce server: the reverse-ETL engine with the
Salesforce destination, over the tiny demo CRM the server serves."""

from __future__ import annotations

import functools

import psycopg
import pytest

from crm.salesforce.destination import SalesforceFieldsMissing, open_salesforce_destination
from crm.salesforce.errors import SalesforceApiLimitReached
from crm.salesforce.org_writer import SalesforceSyncBudget
from reverse_etl.mapping import load_mappings
from reverse_etl.sync import run_sync
from simulator.salesforce_api import serve_demo_crm
from simulator.salesforce_api.writes import WriteFaults
from tests.reverse_etl.helpers import PAYLOAD_DDL, query, score, set_payload, tmva

MAPPINGS = load_mappings()


def _destination(server, **settings):
    credentials = {
        "instance_url": server.instance_url,
        "access_token": server.api.access_token,
        "ca_bundle": str(server.ca_file),
        **settings,
    }
    return functools.partial(open_salesforce_destination, credentials=credentials)


def _sync(url, server, name, force=False, **settings):
    destination = _destination(server, **settings)
    return run_sync(url, url, MAPPINGS[name], open_destination=destination, run_id="test", force=force)


@pytest.fixture
def payloads(demo_crm: str) -> dict:
    """Payload tables beside the demo CRM, and some of its open deals, owners and contacts."""
    with psycopg.connect(demo_crm, autocommit=True) as conn:
        conn.execute(PAYLOAD_DDL)
        deals = conn.execute(
            "select opportunity_id, owner_id from crm.opportunity where not is_closed order by 1 limit 30"
        ).fetchall()
    return {"deals": deals, "url": demo_crm}


def _writes(server) -> list:
    return [r for r in server.api.requests if r.method == "PATCH"]


def test_first_sync_writes_through_the_api_and_a_second_sends_nothing(payloads, salesforce):
    url, deals = payloads["url"], payloads["deals"]
    set_payload(url, "sync_crm__opportunity_fields", [score(d, "0.37") for d, _ in deals])
    tasks = [tmva(f"tmva-{n}", deals[n][0], owner_id=deals[n][1]) for n in range(5)]
    set_payload(url, "sync_crm__tasks", tasks)

    first = [_sync(url, salesforce, name) for name in ("opportunity_fields", "tasks")]
    calls_after_first = len(_writes(salesforce))
    second = [_sync(url, salesforce, name) for name in ("opportunity_fields", "tasks")]

    assert [(r.status, r.written, r.failed) for r in first] == [("succeeded", 30, 0), ("succeeded", 5, 0)]
    assert [(r.changed, r.written) for r in second] == [(0, 0), (0, 0)]
    assert calls_after_first == 2 and len(_writes(salesforce)) == calls_after_first
    probabilities = query(
        url,
        "select ai_win_probability from crm.opportunity where opportunity_id = any(%s)",
        ([d for d, _ in deals],),
    )
    assert {str(r["ai_win_probability"]) for r in probabilities} == {"0.3700"}
    assert query(url, "select count(*) as n from crm.task where ai_external_id like 'tmva-%'")[0]["n"] == 5


def test_a_record_salesforce_rejects_is_logged_with_its_message_and_retried_next_run(payloads, salesforce):
    url, deals = payloads["url"], payloads["deals"]
    gone = "006GONE00000001"
    set_payload(url, "sync_crm__opportunity_fields", [score(deals[0][0], "0.5"), score(gone, "0.5")])

    first = _sync(url, salesforce, "opportunity_fields")
    again = _sync(url, salesforce, "opportunity_fields")

    assert (first.status, first.written, first.failed) == ("partial", 1, 1)
    errors = query(url, "select record_key, error from reverse_etl.sync_record_error")
    assert errors[0]["record_key"] == gone and errors[0]["error"].startswith("ENTITY_IS_DELETED")
    assert (again.changed, again.failed) == (
        1,
        1,
    )  # offered again: the state holds only what Salesforce confirmed


def test_a_missing_custom_field_stops_the_sync_before_any_write(payloads):
    url, deals = payloads["url"], payloads["deals"]
    set_payload(url, "sync_crm__opportunity_fields", [score(deals[0][0], "0.5")])
    with serve_demo_crm(url, momentum_fields_deployed=False) as server:
        with pytest.raises(SalesforceFieldsMissing, match=r"AI_Win_Probability__c \(Number\(5,4\)\)"):
            _sync(url, server, "opportunity_fields")
        assert _writes(server) == []


def test_a_sync_over_its_api_call_ceiling_writes_nothing(payloads, salesforce):
    url, deals = payloads["url"], payloads["deals"]
    set_payload(url, "sync_crm__opportunity_fields", [score(d, "0.5") for d, _ in deals])

    with pytest.raises(SalesforceSyncBudget, match="MOMENTUM_SALESFORCE_SYNC_API_CALLS"):
        _sync(url, salesforce, "opportunity_fields", sync_api_calls="0")
    assert _writes(salesforce) == []


def test_retries_through_429_503_and_dropped_answers_leave_one_task_each(payloads):
    url, deals = payloads["url"], payloads["deals"]
    tasks = [tmva(f"tmva-{n}", deals[n][0], owner_id=deals[n][1]) for n in range(5)]
    set_payload(url, "sync_crm__tasks", tasks)
    with serve_demo_crm(url, write_faults=WriteFaults(drop_next=2)) as server:
        server.api.fail_next(429, retry_after=0, method="PATCH")
        server.api.fail_next(503, retry_after=0, method="PATCH")
        results = [_sync(url, server, "tasks") for _ in range(2)]
        statuses = [r.status for r in server.api.requests if r.method == "PATCH"]

    assert (results[0].status, results[0].written, results[1].changed) == ("succeeded", 5, 0)
    assert statuses == [429, 503, 200, 200, 200]  # the first two 200s were applied, their answers dropped
    counts = query(
        url,
        "select ai_external_id, count(*) as n from crm.task where ai_external_id like 'tmva-%' group by 1",
    )
    assert len(counts) == 5 and {r["n"] for r in counts} == {1}


def test_a_task_that_left_the_payload_is_retired_and_a_completed_one_left_alone(payloads, salesforce):
    url, deals = payloads["url"], payloads["deals"]
    set_payload(
        url, "sync_crm__tasks", [tmva(f"tmva-{n}", deals[n][0], owner_id=deals[n][1]) for n in range(3)]
    )
    _sync(url, salesforce, "tasks")
    with psycopg.connect(url) as conn:
        conn.execute("update crm.task set status = 'Completed' where ai_external_id = 'tmva-1'")
    changed = tmva("tmva-1", deals[1][0], owner_id=deals[1][1], subject="Rewritten")
    set_payload(url, "sync_crm__tasks", [tmva("tmva-0", deals[0][0], owner_id=deals[0][1]), changed])

    result = _sync(url, salesforce, "tasks")

    rows = {
        r["ai_external_id"]: r
        for r in query(
            url, "select ai_external_id, status, subject from crm.task where ai_external_id like 'tmva-%'"
        )
    }
    assert result.retired == 1 and rows["tmva-2"]["status"] == "Expired"
    assert rows["tmva-1"]["subject"] != "Rewritten" and rows["tmva-1"]["status"] == "Completed"


def test_a_dry_run_counts_and_samples_from_the_org_and_writes_nothing(payloads, salesforce):
    url, deals = payloads["url"], payloads["deals"]
    set_payload(url, "sync_crm__opportunity_fields", [score(d, "0.37") for d, _ in deals[:3]])

    result = run_sync(
        url,
        url,
        MAPPINGS["opportunity_fields"],
        open_destination=_destination(salesforce),
        run_id="test",
        dry_run=True,
    )

    assert (result.status, result.written) == ("dry_run", 3)
    old, new = result.sample[0]["changes"]["ai_win_probability"]
    assert new == 0.37 and old != 0.37
    assert _writes(salesforce) == []
    assert query(url, "select count(*) as n from reverse_etl.sync_state")[0]["n"] == 0


def test_the_concurrent_request_limit_is_waited_out_and_the_daily_limit_stops_the_sync(payloads, salesforce):
    url, deals = payloads["url"], payloads["deals"]
    set_payload(url, "sync_crm__opportunity_fields", [score(d, "0.41") for d, _ in deals[:8]])
    salesforce.api.fail_next(403, count=2, method="PATCH")

    busy = _sync(url, salesforce, "opportunity_fields")
    # Two of the eight synced deals move: well inside the change-share guard, so only the limit can stop it.
    moved = [score(d, "0.42" if i < 2 else "0.41") for i, (d, _) in enumerate(deals[:8])]
    set_payload(url, "sync_crm__opportunity_fields", moved)
    salesforce.api.exhaust_daily_limit()

    assert (busy.status, busy.written) == ("succeeded", 8)
    with pytest.raises(SalesforceApiLimitReached, match="daily API limit"):
        _sync(url, salesforce, "opportunity_fields")


def test_a_run_dying_after_salesforce_applied_a_batch_loses_no_update(payloads, salesforce, monkeypatch):
    """The journal forgets a batch's sync state before sending it: when the payload then returns to the value
    last confirmed, the record is still sent, and the dead run's value does not stay in the CRM."""
    from crm.salesforce.org_writer import OrgWriter

    url, deals = payloads["url"], payloads["deals"]
    deal = deals[0][0]
    set_payload(url, "sync_crm__opportunity_fields", [score(deal, "0.50")])
    _sync(url, salesforce, "opportunity_fields")
    applied_then_died = OrgWriter.update

    def update_then_die(self, *args):
        applied_then_died(self, *args)
        raise ConnectionResetError("killed after Salesforce applied the batch")

    monkeypatch.setattr(OrgWriter, "update", update_then_die)
    set_payload(url, "sync_crm__opportunity_fields", [score(deal, "0.60")])
    with pytest.raises(ConnectionResetError):
        _sync(url, salesforce, "opportunity_fields", force=True)  # force: one deal of one is 100% changed
    monkeypatch.setattr(OrgWriter, "update", applied_then_died)
    journalled = query(url, "select record_keys from reverse_etl.sync_journal")
    set_payload(
        url, "sync_crm__opportunity_fields", [score(deal, "0.50")]
    )  # back to the last confirmed value

    again = _sync(url, salesforce, "opportunity_fields", force=True)

    assert journalled == [{"record_keys": [deal]}]
    assert (again.changed, again.written) == (1, 1)
    value = query(
        url, "select ai_win_probability::text as p from crm.opportunity where opportunity_id = %s", (deal,)
    )
    assert value == [{"p": "0.5000"}]
    assert query(url, "select count(*) as n from reverse_etl.sync_journal")[0]["n"] == 0
