"""The local HubSpot API's writes (simulator/hubspot_api/writes.py) through the real hubspot-api-client: batch
update of deals, batch upsert of tasks on a unique property, default associations, 207 multi-status, the
properties API, and the write faults."""

from __future__ import annotations

import hubspot
import psycopg
import pytest
from hubspot.crm.objects import ApiException
from urllib3.exceptions import ProtocolError

from simulator.hubspot_api import RunningServer, serve_demo_crm
from simulator.write_faults import WriteFaults


def _client(server: RunningServer):
    return hubspot.Client.create(access_token=server.api.access_token, host=server.base_url)


def _open_deals(url: str, n: int) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select opportunity_id from crm.opportunity where not is_closed order by 1 limit %s", (n,)
        ).fetchall()
    return [r[0] for r in rows]


def test_batch_update_writes_the_deals_and_answers_207_for_an_unknown_one(hubspot, demo_crm):
    deals = _open_deals(demo_crm, 2)
    batch = _client(hubspot).crm.objects.batch_api
    inputs = [{"id": d, "properties": {"ai_win_probability": "0.4321", "ai_slip_risk": "0.2"}} for d in deals]
    answer, status, _ = batch.update_with_http_info(
        "deals", {"inputs": [*inputs, {"id": "006NOSUCHDEAL", "properties": {"ai_win_probability": "0.1"}}]}
    )
    assert status == 207
    assert sorted(r.id for r in answer.results) == sorted(deals)
    assert [e.context["ids"] for e in answer.errors] == [["006NOSUCHDEAL"]]
    with psycopg.connect(demo_crm) as conn:
        written = conn.execute(
            "select ai_win_probability::text, ai_slip_risk::text from crm.opportunity where opportunity_id = any(%s)",
            (deals,),
        ).fetchall()
    assert written == [("0.4321", "0.2000")] * 2


def test_a_property_the_portal_lacks_fails_the_whole_batch(hubspot, demo_crm):
    hubspot.api.hide_property("deals", "ai_slip_risk")
    deal = _open_deals(demo_crm, 1)[0]
    with pytest.raises(ApiException) as refused:
        _client(hubspot).crm.objects.batch_api.update(
            "deals",
            {"inputs": [{"id": deal, "properties": {"ai_slip_risk": "0.3", "ai_win_probability": "0.5"}}]},
        )
    assert refused.value.status == 400 and b"PROPERTY_DOESNT_EXIST" in refused.value.body.encode()
    with psycopg.connect(demo_crm) as conn:
        assert conn.execute(
            "select ai_win_probability from crm.opportunity where opportunity_id = %s", (deal,)
        ).fetchone() == (None,)


def test_batch_upsert_creates_once_then_updates_and_associates(hubspot, demo_crm):
    deal = _open_deals(demo_crm, 1)[0]
    client = _client(hubspot)
    task = {
        "idProperty": "ai_external_id",
        "id": "tmva-test-1",
        "properties": {
            "hs_task_subject": "Call the buyer",
            "hs_task_status": "NOT_STARTED",
            "hs_task_type": "CALL",
        },
    }
    first = client.crm.objects.batch_api.upsert("tasks", {"inputs": [task]})
    task["properties"]["hs_task_subject"] = "Call the economic buyer"
    second = client.crm.objects.batch_api.upsert("tasks", {"inputs": [task]})
    assert [r.new for r in first.results] == [True] and [r.new for r in second.results] == [False]
    assert first.results[0].id == second.results[0].id
    task_id = first.results[0].id
    client.crm.associations.v4.batch_api.create_default(
        "tasks", "deals", {"inputs": [{"from": {"id": task_id}, "to": {"id": deal}}]}
    )
    with psycopg.connect(demo_crm) as conn:
        rows = conn.execute(
            "select subject, status, type, what_id from crm.task where ai_external_id = 'tmva-test-1'"
        ).fetchall()
    assert rows == [("Call the economic buyer", "Open", "Call", deal)]
    found = client.crm.objects.batch_api.read(
        "tasks",
        {"inputs": [{"id": "tmva-test-1"}], "idProperty": "ai_external_id", "properties": ["hs_task_status"]},
    )
    assert [(r.id, r.properties["hs_task_status"]) for r in found.results] == [(task_id, "NOT_STARTED")]


def test_properties_api_creates_a_group_and_a_hidden_property_once(hubspot):
    hubspot.api.hide_property("deals", "ai_slip_risk")
    client = _client(hubspot)
    client.crm.properties.groups_api.create("deals", {"name": "momentum", "label": "Momentum"})
    prop = {
        "name": "ai_slip_risk",
        "label": "AI slip risk",
        "type": "number",
        "fieldType": "number",
        "groupName": "momentum",
    }
    client.crm.properties.core_api.create("deals", prop)
    names = {p.name for p in client.crm.properties.core_api.get_all("deals").results}
    assert "ai_slip_risk" in names
    with pytest.raises(Exception) as again:
        client.crm.properties.core_api.create("deals", prop)
    assert again.value.status == 409


def test_a_dropped_answer_leaves_the_write_committed(demo_crm):
    deal = _open_deals(demo_crm, 1)[0]
    with (
        serve_demo_crm(demo_crm, write_faults=WriteFaults(drop_next=1)) as server,
        pytest.raises(ProtocolError),  # no retry configured: the client hears nothing
    ):
        _client(server).crm.objects.batch_api.update(
            "deals", {"inputs": [{"id": deal, "properties": {"ai_win_probability": "0.7"}}]}
        )
    with psycopg.connect(demo_crm) as conn:
        assert conn.execute(
            "select ai_win_probability::text from crm.opportunity where opportunity_id = %s", (deal,)
        ).fetchone() == ("0.7000",)
