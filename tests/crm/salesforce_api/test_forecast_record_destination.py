"""The Momentum forecast record (issue 17) upserted into the custom object Momentum_Forecast__c through
simple-salesforce and the local Salesforce server, by the same composite upsert path as the TMVA tasks."""

from __future__ import annotations

import functools
from datetime import date

import psycopg
import pytest

from crm.salesforce.destination import SalesforceFieldsMissing, open_salesforce_destination
from reverse_etl.mapping import load_mappings
from reverse_etl.sync import run_sync
from simulator.salesforce_api import serve_demo_crm
from tests.reverse_etl.helpers import PAYLOAD_DDL, forecast_record, query, set_payload

FORECASTS = load_mappings()["momentum_forecast"]
TODAY = date(2026, 11, 16)


def _sync(url: str, server):
    credentials = {
        "instance_url": server.instance_url,
        "access_token": server.api.access_token,
        "ca_bundle": str(server.ca_file),
    }
    destination = functools.partial(open_salesforce_destination, credentials=credentials)
    return run_sync(url, url, FORECASTS, open_destination=destination, run_id="test")


@pytest.fixture
def owners(demo_crm: str) -> list[str]:
    with psycopg.connect(demo_crm, autocommit=True) as conn:
        conn.execute(PAYLOAD_DDL)
        return [
            u for (u,) in conn.execute('select user_id from crm."user" where is_active order by 1 limit 2')
        ]


def test_records_are_upserted_by_external_id_and_a_second_sync_sends_nothing(demo_crm, salesforce, owners):
    rep, manager = owners
    set_payload(
        demo_crm,
        "sync_crm__momentum_forecast",
        [
            forecast_record("rep", rep, rep, 123_456, 110_000, TODAY),
            forecast_record("team", "East", manager, 900_000, 950_000, TODAY),
        ],
    )

    first = _sync(demo_crm, salesforce)
    second = _sync(demo_crm, salesforce)
    # WHEN the rep's forecast moved 2% the next morning
    set_payload(
        demo_crm, "sync_crm__momentum_forecast", [forecast_record("rep", rep, rep, 126_000, 110_000, TODAY)]
    )
    moved = _sync(demo_crm, salesforce)

    assert (first.status, first.written, first.failed) == ("succeeded", 2, 0)
    assert (second.changed, second.written) == (0, 0)
    assert (moved.status, moved.written) == ("succeeded", 1)
    upserts = [r for r in salesforce.api.requests if r.method == "PATCH"]
    assert upserts and all("Momentum_Forecast__c/AI_External_Id__c" in r.path for r in upserts)
    rows = query(
        demo_crm,
        "select ai_external_id, owner_id, ai_forecast, ai_minus_commit, ai_as_of_date from crm.momentum_forecast"
        " order by ai_forecast_level",
    )
    assert [(r["owner_id"], int(r["ai_forecast"]), int(r["ai_minus_commit"])) for r in rows] == [
        (rep, 126_000, 16_000),
        (manager, 900_000, -50_000),
    ]
    assert rows[0]["ai_as_of_date"] == TODAY


def test_an_org_without_the_object_stops_the_sync_naming_it_and_the_setup_check(demo_crm, owners):
    set_payload(
        demo_crm,
        "sync_crm__momentum_forecast",
        [forecast_record("rep", owners[0], owners[0], 1_000, 900, TODAY)],
    )
    with serve_demo_crm(demo_crm, momentum_fields_deployed=False) as server:
        with pytest.raises(
            SalesforceFieldsMissing, match=r"no Momentum_Forecast__c object.*crm setup --check"
        ):
            _sync(demo_crm, server)
        assert [r for r in server.api.requests if r.method == "PATCH"] == []
