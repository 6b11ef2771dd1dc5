"""The local Salesforce server's writes: sObject Collections update and upsert by external id, through the
real simple-salesforce client, landing in the demo CRM behind it."""

from __future__ import annotations

import psycopg
import pytest
import requests
from simple_salesforce.exceptions import SalesforceMalformedRequest

from crm.salesforce.ids import to_18
from simulator.salesforce_api import serve_demo_crm
from simulator.salesforce_api.writes import WriteFaults


def _open_opportunities(url: str, n: int) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select opportunity_id from crm.opportunity where not is_closed order by 1 limit %s", (n,)
        ).fetchall()
    return [row[0] for row in rows]


def _task(external_id: str, subject: str = "Call the buyer") -> dict:
    return {
        "attributes": {"type": "Task"},
        "AI_External_Id__c": external_id,
        "Subject": subject,
        "Status": "Open",
    }


def test_collections_update_writes_each_record_and_answers_per_record(sf_client, demo_crm):
    first, second = _open_opportunities(demo_crm, 2)
    records = [
        {"attributes": {"type": "Opportunity"}, "id": to_18(first), "AI_Win_Probability__c": 0.4321},
        {"attributes": {"type": "Opportunity"}, "id": second, "AI_Next_Best_Action__c": "Call"},
        {"attributes": {"type": "Opportunity"}, "id": "006000000000000", "AI_Win_Probability__c": 0.1},
    ]

    results = sf_client.restful(
        "composite/sobjects", method="PATCH", json={"allOrNone": False, "records": records}
    )

    assert [r["success"] for r in results] == [True, True, False]
    assert results[2]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"
    with psycopg.connect(demo_crm) as conn:
        rows = dict(
            conn.execute(
                "select opportunity_id, ai_win_probability::text from crm.opportunity where opportunity_id = any(%s)",
                ([first, second],),
            ).fetchall()
        )
    assert rows[first] == "0.4321"


def test_all_or_none_rolls_every_record_back_when_one_fails(sf_client, demo_crm):
    (first,) = _open_opportunities(demo_crm, 1)
    records = [
        {"attributes": {"type": "Opportunity"}, "id": first, "AI_Model_Version__c": "win@99"},
        {"attributes": {"type": "Opportunity"}, "id": "006000000000000", "AI_Model_Version__c": "win@99"},
    ]

    results = sf_client.restful(
        "composite/sobjects", method="PATCH", json={"allOrNone": True, "records": records}
    )

    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    with psycopg.connect(demo_crm) as conn:
        version = conn.execute(
            "select ai_model_version from crm.opportunity where opportunity_id = %s", (first,)
        ).fetchone()[0]
    assert version != "win@99"


def test_upsert_by_external_id_creates_once_then_updates(sf_client, demo_crm):
    path = "composite/sobjects/Task/AI_External_Id__c"

    created = sf_client.restful(path, method="PATCH", json={"allOrNone": False, "records": [_task("ext-1")]})
    again = sf_client.restful(
        path, method="PATCH", json={"allOrNone": False, "records": [_task("ext-1", "New")]}
    )

    assert created[0]["created"] is True and again[0]["created"] is False
    assert created[0]["id"] == again[0]["id"]
    with psycopg.connect(demo_crm) as conn:
        rows = conn.execute("select subject from crm.task where ai_external_id = 'ext-1'").fetchall()
    assert rows == [("New",)]


def test_more_than_200_records_is_refused_whole(sf_client):
    records = [_task(f"ext-{n}") for n in range(201)]

    with pytest.raises(SalesforceMalformedRequest, match="EXCEEDED_ID_LIMIT"):
        sf_client.restful(
            "composite/sobjects/Task/AI_External_Id__c", method="PATCH", json={"records": records}
        )


def test_an_org_without_momentums_fields_refuses_them_as_invalid_field(demo_crm):
    with serve_demo_crm(demo_crm, momentum_fields_deployed=False) as server:
        session = requests.Session()
        session.trust_env, session.verify = False, str(server.ca_file)
        headers = {"Authorization": f"Bearer {server.api.access_token}"}
        base = f"{server.instance_url}/services/data/v59.0/"
        described = session.get(base + "sobjects/Opportunity/describe", headers=headers).json()
        response = session.patch(
            base + "composite/sobjects/Task/AI_External_Id__c",
            headers=headers,
            json={"records": [_task("x")]},
        )

    assert not [f for f in described["fields"] if f["name"].startswith("AI_")]
    assert response.status_code == 404 or response.json()[0]["errorCode"] == "INVALID_FIELD"


def test_a_dropped_connection_after_the_write_leaves_the_write_applied(demo_crm):
    faults = WriteFaults(drop_after_write_rate=1.0, seed=1)
    with serve_demo_crm(demo_crm, write_faults=faults) as server:
        session = requests.Session()
        session.trust_env, session.verify = False, str(server.ca_file)
        headers = {"Authorization": f"Bearer {server.api.access_token}"}
        url = f"{server.instance_url}/services/data/v59.0/composite/sobjects/Task/AI_External_Id__c"
        with pytest.raises(requests.ConnectionError):
            session.patch(url, headers=headers, json={"records": [_task("dropped")]})

    with psycopg.connect(demo_crm) as conn:
        assert (
            conn.execute("select count(*) from crm.task where ai_external_id = 'dropped'").fetchone()[0] == 1
        )


def test_per_record_failures_at_a_rate_answer_salesforce_error_codes(demo_crm):
    faults = WriteFaults(record_failure_rate=0.5, seed=3)
    with serve_demo_crm(demo_crm, write_faults=faults) as server:
        session = requests.Session()
        session.trust_env, session.verify = False, str(server.ca_file)
        headers = {"Authorization": f"Bearer {server.api.access_token}"}
        url = f"{server.instance_url}/services/data/v59.0/composite/sobjects/Task/AI_External_Id__c"
        results = session.patch(
            url, headers=headers, json={"records": [_task(f"r{n}") for n in range(40)]}
        ).json()

    failed = [r for r in results if not r["success"]]
    assert 5 < len(failed) < 35
    assert {r["errors"][0]["statusCode"] for r in failed} <= {
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "UNABLE_TO_LOCK_ROW",
    }
    with psycopg.connect(demo_crm) as conn:
        written = conn.execute("select count(*) from crm.task where ai_external_id like 'r%'").fetchone()[0]
    assert written == 40 - len(failed)
