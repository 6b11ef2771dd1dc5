"""Write-back through hubspot-api-client into the local HubSpot server: the reverse-ETL engine with the HubSpot
destination, over the tiny demo CRM the server serves as a portal."""

from __future__ import annotations

import functools

import psycopg
import pytest

from crm.hubspot.destination import open_hubspot_destination
from crm.hubspot.errors import HubSpotApiLimitReached, HubSpotPropertiesMissing, HubSpotSyncStopped
from reverse_etl.mapping import load_mappings
from reverse_etl.sync import run_sync
from simulator.hubspot_api import serve_demo_crm
from simulator.write_faults import WriteFaults
from tests.reverse_etl.helpers import PAYLOAD_DDL, query, score, set_payload, tmva

MAPPINGS = load_mappings()


def _destination(server, **settings):
    credentials = {"base_url": server.base_url, "access_token": server.api.access_token, **settings}
    return functools.partial(open_hubspot_destination, credentials=credentials)


def _sync(url, server, name, force=False, dry_run=False, **settings):
    destination = _destination(server, **settings)
    return run_sync(
        url, url, MAPPINGS[name], open_destination=destination, run_id="test", force=force, dry_run=dry_run
    )


@pytest.fixture
def payloads(demo_crm: str) -> dict:
    """Payload tables beside the demo CRM, and some of its open deals with their owner and a contact."""
    with psycopg.connect(demo_crm, autocommit=True) as conn:
        conn.execute(PAYLOAD_DDL)
        deals = conn.execute(
            "select o.opportunity_id, o.owner_id, (select min(contact_id) from crm.contact c"
            " where c.account_id = o.account_id) from crm.opportunity o where not is_closed order by 1 limit 30"
        ).fetchall()
    return {"deals": deals, "url": demo_crm}


def _tasks(deals, n, **overrides):
    return [
        tmva(f"tmva-{i}", deals[i][0], owner_id=deals[i][1], who_id=deals[i][2], **overrides)
        for i in range(n)
    ]


def _writes(server) -> list:
    return [
        r for r in server.api.requests if r.method == "POST" and "/batch/" in r.path and "read" not in r.path
    ]


def test_first_sync_writes_through_the_api_and_a_second_sends_nothing(payloads, hubspot):
    url, deals = payloads["url"], payloads["deals"]
    set_payload(url, "sync_crm__opportunity_fields", [score(d, "0.37") for d, _, _ in deals])
    set_payload(url, "sync_crm__tasks", _tasks(deals, 5))

    first = [_sync(url, hubspot, name) for name in ("opportunity_fields", "tasks")]
    calls_after_first = len(_writes(hubspot))
    second = [_sync(url, hubspot, name) for name in ("opportunity_fields", "tasks")]

    assert [(r.status, r.written, r.failed) for r in first] == [("succeeded", 30, 0), ("succeeded", 5, 0)]
    assert [(r.changed, r.written) for r in second] == [(0, 0), (0, 0)]
    # deals: one batch update; tasks: one upsert and the deal and contact associations
    assert calls_after_first == 4 and len(_writes(hubspot)) == calls_after_first
    probabilities = query(
        url,
        "select ai_win_probability::text as p from crm.opportunity where opportunity_id = any(%s)",
        ([d for d, _, _ in deals],),
    )
    assert {r["p"] for r in probabilities} == {"0.3700"}
    tasks = query(
        url,
        "select ai_external_id, what_id, who_id, status, type from crm.task where ai_external_id like 'tmva-%'",
    )
    assert sorted((t["ai_external_id"], t["what_id"], t["who_id"]) for t in tasks) == [
        (f"tmva-{i}", deals[i][0], deals[i][2]) for i in range(5)
    ]
    assert {(t["status"], t["type"]) for t in tasks} == {("Open", "Call")}


def test_a_record_hubspot_rejects_is_logged_with_its_message_and_retried_next_run(payloads, hubspot):
    url, deals = payloads["url"], payloads["deals"]
    gone = "006GONE00000001"
    set_payload(url, "sync_crm__opportunity_fields", [score(deals[0][0], "0.5"), score(gone, "0.5")])

    first = _sync(url, hubspot, "opportunity_fields")
    again = _sync(url, hubspot, "opportunity_fields")

    assert (first.status, first.written, first.failed) == ("partial", 1, 1)
    errors = query(url, "select record_key, error from reverse_etl.sync_record_error")
    assert errors[0]["record_key"] == gone and errors[0]["error"].startswith(
        "OBJECT_NOT_FOUND: Object not found"
    )
    assert (again.changed, again.failed) == (
        1,
        1,
    )  # offered again: the state holds only what HubSpot confirmed


def test_a_missing_property_stops_the_sync_before_any_write(payloads, hubspot):
    url, deals = payloads["url"], payloads["deals"]
    set_payload(url, "sync_crm__opportunity_fields", [score(deals[0][0], "0.5")])
    hubspot.api.hide_property("deals", "ai_slip_risk")
    hubspot.api.hide_property("deals", "ai_forecast_flag")
    with pytest.raises(HubSpotPropertiesMissing) as missing:
        _sync(url, hubspot, "opportunity_fields")
    assert "ai_slip_risk (number (number))" in str(missing.value)
    assert "ai_forecast_flag (string (textarea))" in str(missing.value) and "setup --create" in str(
        missing.value
    )
    assert _writes(hubspot) == []


def test_a_sync_over_its_api_call_ceiling_writes_nothing(payloads, hubspot):
    url, deals = payloads["url"], payloads["deals"]
    set_payload(url, "sync_crm__opportunity_fields", [score(d, "0.5") for d, _, _ in deals])
    with pytest.raises(HubSpotSyncStopped, match="MOMENTUM_HUBSPOT_SYNC_API_CALLS"):
        _sync(url, hubspot, "opportunity_fields", sync_api_calls="0")
    assert _writes(hubspot) == []


def test_retries_through_429_503_and_dropped_answers_leave_one_task_each(payloads):
    url, deals = payloads["url"], payloads["deals"]
    set_payload(url, "sync_crm__tasks", _tasks(deals, 5))
    with serve_demo_crm(url, write_faults=WriteFaults(drop_next=2)) as server:
        server.api.fail_next(429, retry_after=0, method="POST")
        server.api.fail_next(503, retry_after=0, method="POST")
        results = [_sync(url, server, "tasks") for _ in range(2)]

    assert (results[0].status, results[0].written, results[1].changed) == ("succeeded", 5, 0)
    counts = query(
        url,
        "select ai_external_id, count(*) as n from crm.task where ai_external_id like 'tmva-%' group by 1",
    )
    assert len(counts) == 5 and {r["n"] for r in counts} == {1}


def test_a_task_that_left_the_payload_is_retired_and_a_completed_one_left_alone(payloads, hubspot):
    url, deals = payloads["url"], payloads["deals"]
    set_payload(url, "sync_crm__tasks", _tasks(deals, 3))
    _sync(url, hubspot, "tasks")
    with psycopg.connect(url) as conn:
        conn.execute("update crm.task set status = 'Completed' where ai_external_id = 'tmva-1'")
    kept = _tasks(deals, 2)
    kept[1]["subject"] = "Rewritten"
    set_payload(url, "sync_crm__tasks", kept)

    result = _sync(url, hubspot, "tasks")

    rows = {
        r["ai_external_id"]: r
        for r in query(
            url, "select ai_external_id, status, subject from crm.task where ai_external_id like 'tmva-%'"
        )
    }
    assert result.retired == 1 and rows["tmva-2"]["status"] == "Expired"
    assert rows["tmva-1"]["subject"] != "Rewritten" and rows["tmva-1"]["status"] == "Completed"


def test_a_dry_run_counts_and_samples_from_the_portal_and_writes_nothing(payloads, hubspot):
    url, deals = payloads["url"], payloads["deals"]
    set_payload(url, "sync_crm__opportunity_fields", [score(d, "0.37") for d, _, _ in deals[:3]])

    result = _sync(url, hubspot, "opportunity_fields", dry_run=True)

    assert (result.status, result.written) == ("dry_run", 3)
    old, new = result.sample[0]["changes"]["ai_win_probability"]
    assert new == "0.37" and old != "0.37"
    assert _writes(hubspot) == []
    assert query(url, "select count(*) as n from reverse_etl.sync_state")[0]["n"] == 0


def test_the_daily_limit_stops_the_sync(payloads, hubspot):
    url, deals = payloads["url"], payloads["deals"]
    set_payload(url, "sync_crm__opportunity_fields", [score(d, "0.41") for d, _, _ in deals[:8]])
    hubspot.api.daily_used = hubspot.api.daily_limit
    with pytest.raises(HubSpotApiLimitReached, match="daily API limit"):
        _sync(url, hubspot, "opportunity_fields")


def test_a_run_dying_after_hubspot_applied_a_batch_loses_no_update(payloads, hubspot, monkeypatch):
    """The journal forgets a batch's sync state before sending it: when the payload then returns to the value
    last confirmed, the record is still sent, and the dead run's value does not stay in the CRM."""
    from crm.hubspot.portal_writer import PortalWriter

    url, deals = payloads["url"], payloads["deals"]
    deal = deals[0][0]
    set_payload(url, "sync_crm__opportunity_fields", [score(deal, "0.50")])
    _sync(url, hubspot, "opportunity_fields")
    applied_then_died = PortalWriter.update

    def update_then_die(self, *args):
        applied_then_died(self, *args)
        raise ConnectionResetError("killed after HubSpot applied the batch")

    monkeypatch.setattr(PortalWriter, "update", update_then_die)
    set_payload(url, "sync_crm__opportunity_fields", [score(deal, "0.60")])
    with pytest.raises(ConnectionResetError):
        _sync(url, hubspot, "opportunity_fields", force=True)
    monkeypatch.setattr(PortalWriter, "update", applied_then_died)
    journalled = query(url, "select record_keys from reverse_etl.sync_journal")
    set_payload(
        url, "sync_crm__opportunity_fields", [score(deal, "0.50")]
    )  # back to the last confirmed value

    again = _sync(url, hubspot, "opportunity_fields", force=True)

    assert journalled == [{"record_keys": [deal]}]
    assert (again.changed, again.written) == (1, 1)
    value = query(
        url, "select ai_win_probability::text as p from crm.opportunity where opportunity_id = %s", (deal,)
    )
    assert value == [{"p": "0.5000"}]


def test_a_sync_of_an_object_hubspot_does_not_take_is_refused_in_one_line(payloads, hubspot):
    from dataclasses import replace

    from crm.hubspot.errors import HubSpotSyncUnsupported
    from orchestration.failures import explain

    forecast = replace(MAPPINGS["opportunity_fields"], name="rep_forecast", object="forecast_record")
    with pytest.raises(HubSpotSyncUnsupported) as refused:
        _destination(hubspot)(None, forecast)
    assert explain(refused.value) == str(refused.value) and "rep_forecast" in str(refused.value)


def test_a_task_whose_contact_hubspot_cannot_associate_is_failed_and_sent_again(payloads, hubspot):
    url, deals = payloads["url"], payloads["deals"]
    tasks = _tasks(deals, 3)
    tasks[2]["who_id"] = "003NOSUCHCONTACT"
    set_payload(url, "sync_crm__tasks", tasks)

    first = _sync(url, hubspot, "tasks")
    again = _sync(url, hubspot, "tasks")

    assert (first.status, first.written, first.failed) == ("partial", 2, 1)
    errors = query(url, "select record_key, error from reverse_etl.sync_record_error order by 1")
    assert (
        errors[0]["record_key"] == "tmva-2"
        and "associating with contacts: OBJECT_NOT_FOUND" in errors[0]["error"]
    )
    assert (again.changed, again.failed) == (1, 1)
    assert query(url, "select count(*) as n from crm.task where ai_external_id = 'tmva-2'")[0]["n"] == 1
