"""Momentum's HubSpot source (crm/hubspot/api_source.py) extracting the tiny demo CRM through the local HubSpot
server with hubspot-api-client into raw_hubspot."""

from __future__ import annotations

import logging
import time

import psycopg
import pytest

from crm.check import check_crm, format_report
from crm.connectors import crm_layout, crm_source
from crm.hubspot import api_source as hubspot_source
from crm.hubspot.api_source import HubSpotApiSource
from crm.hubspot.errors import HubSpotApiLimitReached, HubSpotPropertyMissing, HubSpotSetupError
from crm.hubspot.layout import HUBSPOT_LAYOUT
from extract.load import extract_crm
from orchestration.failures import explain
from simulator.hubspot_api import reads
from tests.crm.hubspot_api.conftest import DEMO_TODAY, api_source
from warehouse.settings import load_settings

DEALS = (HUBSPOT_LAYOUT.object("deal"),)
DEAL_OBJECTS = tuple(
    HUBSPOT_LAYOUT.object(name) for name in ("deal_stage", "deal", "deal_property_history", "deal_contact")
)


def _one(url: str, query: str, params: tuple = ()):
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchone()[0]


def _touch_deals(url: str, count: int) -> list[str]:
    """Change `count` deals' amounts an hour after the demo's now, with a history row each, as the CRM would."""
    with psycopg.connect(url, autocommit=True) as conn:
        ids = [
            row[0]
            for row in conn.execute(
                "update crm.opportunity set amount = amount + 1000, system_modstamp = crm.system_now() + interval '1 hour' "
                "where opportunity_id in (select opportunity_id from crm.opportunity order by 1 limit %s) "
                "returning opportunity_id",
                (count,),
            )
        ]
        conn.execute(
            "insert into crm.opportunity_history (history_id, opportunity_id, created_date, stage_name, amount, "
            "close_date, probability, forecast_category, system_modstamp) "
            "select '008Dm9' || right(opportunity_id, 9), opportunity_id, system_modstamp, stage_name, amount, "
            "close_date, probability, forecast_category, system_modstamp from crm.opportunity "
            "where opportunity_id = any(%s)",
            (ids,),
        )
    return sorted(ids)


def test_the_whole_demo_crm_lands_in_raw_hubspot_with_the_demos_counts(hubspot, demo_crm):
    results = {r.object_name: r for r in extract_crm(api_source(hubspot), demo_crm)}

    assert all(r.rejected == 0 and r.received == r.loaded for r in results.values())
    demo = {
        table: _one(demo_crm, f'select count(*) from crm."{table}"')
        for table in (
            "user",
            "account",
            "contact",
            "opportunity_stage",
            "opportunity",
            "opportunity_contact_role",
            "task",
            "event",
        )
    }
    assert results["owner"].loaded == demo["user"]
    assert results["company"].loaded == demo["account"]
    assert results["contact"].loaded == demo["contact"]
    assert results["deal_stage"].loaded == demo["opportunity_stage"]
    assert results["deal"].loaded == demo["opportunity"]
    assert results["deal_contact"].loaded == demo["opportunity_contact_role"]
    # Calls, emails and tasks are the demo's tasks; meetings its events.
    assert sum(results[name].loaded for name in ("call", "email", "task")) == demo["task"]
    assert results["meeting"].loaded == demo["event"]
    # Every deal's history: at least its first stage, amount and close date.
    assert results["deal_property_history"].loaded >= 3 * demo["opportunity"]
    # Values survive the trip: amounts, stages by id, timestamps; associations as columns.
    deal_id, amount, modstamp, account_id = _one_row(
        demo_crm,
        "select opportunity_id, amount, system_modstamp, account_id from crm.opportunity order by 1 limit 1",
    )
    assert _one_row(
        demo_crm,
        "select amount, hs_lastmodifieddate, associated_company_id, dealstage in (select id from raw_hubspot.deal_stage) "
        "from raw_hubspot.deal where id = %s",
        (deal_id,),
    ) == (amount, modstamp, account_id, True)


def _one_row(url: str, query: str, params: tuple = ()):
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchone()


def test_an_incremental_extract_searches_for_changes_and_reads_their_history(hubspot, demo_crm):
    extract_crm(api_source(hubspot), demo_crm, objects=DEAL_OBJECTS)
    touched = _touch_deals(demo_crm, 3)
    hubspot.api.requests.clear()

    results = {r.object_name: r for r in extract_crm(api_source(hubspot), demo_crm, objects=DEAL_OBJECTS)}

    # Only the changed deals (and those stamped at the watermark, re-read on purpose) travel, found by search.
    assert 3 <= results["deal"].received < 10
    assert any(r.method == "POST" and r.path == "/crm/v3/objects/deals/search" for r in hubspot.api.requests)
    assert [row[0] for row in _rows(demo_crm, "select id from raw_hubspot.deal where amount = (select amount from crm.opportunity o where o.opportunity_id = id) and _extracted_at = (select max(_extracted_at) from raw_hubspot.deal) and id = any(%s) order by 1", (touched,))] == touched  # fmt: skip
    # Each changed deal's new amount version arrives as history.
    new_versions = _one(
        demo_crm,
        "select count(*) from raw_hubspot.deal_property_history where property = 'amount' and deal_id = any(%s) "
        "and timestamp = (select system_modstamp from crm.opportunity where opportunity_id = deal_id)",
        (touched,),
    )
    assert new_versions == 3


def _rows(url: str, query: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchall()


def test_a_window_past_the_search_cap_is_read_as_a_full_list(hubspot, demo_crm, monkeypatch, caplog):
    extract_crm(api_source(hubspot), demo_crm, objects=DEALS)
    touched = _touch_deals(demo_crm, 12)
    # A cap of 10 on both sides stands for HubSpot's 10,000 (the tiny demo has 74 deals).
    monkeypatch.setattr(reads, "SEARCH_RESULT_CAP", 10)
    monkeypatch.setattr(hubspot_source, "SEARCH_RESULT_CAP", 10)
    hubspot.api.requests.clear()

    with caplog.at_level(logging.INFO, logger="crm.hubspot"):
        (result,) = extract_crm(api_source(hubspot), demo_crm, objects=DEALS)

    assert "past search's cap: reading the full list" in caplog.text
    assert any(r.path == "/crm/v3/objects/deals" and r.method == "GET" for r in hubspot.api.requests)
    # The full list is filtered to the window: the 12 changed deals (and any stamped at the watermark).
    assert 12 <= result.received < 20
    assert _one(demo_crm, "select count(distinct id) from raw_hubspot.deal where id = any(%s) and amount = (select amount from crm.opportunity where opportunity_id = id)", (touched,)) == 12  # fmt: skip


def test_the_server_refuses_a_search_page_past_the_10000th_result(hubspot):
    from hubspot.crm.objects import ApiException, PublicObjectSearchRequest

    with api_source(hubspot) as source:
        request = PublicObjectSearchRequest(limit=100, after="10000", properties=[])
        with pytest.raises(ApiException) as refused:
            source.apis.search.do_search("deals", public_object_search_request=request)

    assert refused.value.status == 400 and "limited to 10000" in str(refused.value.body)


def test_a_deleted_deal_is_marked_deleted(hubspot, demo_crm):
    extract_crm(api_source(hubspot), demo_crm, objects=DEALS)
    with psycopg.connect(demo_crm, autocommit=True) as conn:
        deal_id = conn.execute("select min(opportunity_id) from crm.opportunity").fetchone()[0]
        for table, column in (("opportunity_history", "opportunity_id"), ("opportunity_contact_role", "opportunity_id"), ("task", "what_id"), ("event", "what_id")):  # fmt: skip
            conn.execute(f"delete from crm.{table} where {column} = %s", (deal_id,))
        conn.execute("delete from crm.opportunity where opportunity_id = %s", (deal_id,))

    (result,) = extract_crm(api_source(hubspot), demo_crm, objects=DEALS)

    assert result.deleted == 1
    assert _one(demo_crm, "select _deleted_at is not null from raw_hubspot.deal where id = %s", (deal_id,))


def test_429_and_503_are_retried_honouring_retry_after_searches_and_batch_reads_included(hubspot, demo_crm):
    extract_crm(api_source(hubspot), demo_crm, objects=DEAL_OBJECTS)
    _touch_deals(demo_crm, 2)
    # POSTs: urllib3 retries none unless told to, and every search and batch read is one.
    hubspot.api.fail_next(429, count=2, retry_after=1, method="POST")
    hubspot.api.fail_next(503, count=1, retry_after=1)
    hubspot.api.requests.clear()
    started = time.monotonic()

    results = {r.object_name: r for r in extract_crm(api_source(hubspot), demo_crm, objects=DEAL_OBJECTS)}

    assert results["deal"].received >= 2 and results["deal_property_history"].received >= 2
    statuses = [(r.method, r.status) for r in hubspot.api.requests]
    assert statuses.count(("POST", 429)) == 2 and any(status == 503 for _, status in statuses)
    assert time.monotonic() - started >= 3  # each Retry-After of 1 s was honoured


def test_retries_give_up_after_the_configured_attempts_with_one_line(hubspot, demo_crm):
    hubspot.api.fail_next(503, count=10, retry_after=0)

    with pytest.raises(RuntimeError, match="HubSpot answered 503 reading owners"):
        extract_crm(api_source(hubspot, retries=2), demo_crm, objects=DEALS)


def test_the_daily_limit_is_never_retried_and_stops_with_a_clear_message(hubspot, demo_crm):
    hubspot.api.daily_used = hubspot.api.daily_limit

    with pytest.raises(HubSpotApiLimitReached, match="daily API limit is reached.*next run resumes"):
        extract_crm(api_source(hubspot), demo_crm, objects=DEALS)
    assert len(hubspot.api.requests) == 1


def test_the_rolling_ten_second_limit_is_waited_out(hubspot, demo_crm):
    hubspot.api.ten_second_limit = 10
    started = time.monotonic()

    (result,) = extract_crm(api_source(hubspot), demo_crm, objects=DEALS)

    assert result.loaded == _one(demo_crm, "select count(*) from crm.opportunity")
    assert any(r.status == 429 for r in hubspot.api.requests)
    assert time.monotonic() - started >= 1  # waited as Retry-After said, not hammered


def test_a_hidden_optional_property_gives_a_warning_and_the_extract_goes_on(hubspot, demo_crm, caplog):
    hubspot.api.hide_property("deals", "hs_next_step")

    with caplog.at_level(logging.WARNING, logger="crm.hubspot"):
        (result,) = extract_crm(api_source(hubspot), demo_crm, objects=DEALS)

    assert result.loaded == _one(demo_crm, "select count(*) from crm.opportunity")
    assert "HubSpot deals.hs_next_step is not readable with this token" in caplog.text


def test_a_hidden_required_property_is_one_error_naming_object_and_property(hubspot, demo_crm):
    hubspot.api.hide_property("deals", "dealstage")

    with pytest.raises(HubSpotPropertyMissing, match=r"HubSpot deals\.dealstage not readable") as raised:
        extract_crm(api_source(hubspot), demo_crm, objects=DEALS)
    assert explain(raised.value) == str(raised.value) and "\n" not in str(raised.value)


def test_crm_check_names_a_hidden_required_property_and_the_api_budget(hubspot, demo_crm):
    hubspot.api.hide_property("deals", "dealstage")

    report = check_crm(api_source(hubspot))

    assert "deal: required fields missing: dealstage" in report.problems
    assert {o.name: o.rows for o in report.objects}["company"] == _one(
        demo_crm, "select count(*) from crm.account"
    )
    assert "daily requests left" in report.budget


def test_crm_check_says_how_hubspot_dates_the_contact_roles_it_keeps_no_date_for(hubspot, demo_crm):
    report = format_report(check_crm(api_source(hubspot)))

    (line,) = [line for line in report.splitlines() if "stakeholder features" in line]
    assert line.split()[0] == "ok"
    assert "first call, email, meeting or task on the deal" in line and "first extract" in line


def test_momentum_crm_hubspot_settings_build_the_source_that_extracts_the_portal(hubspot, demo_crm):
    settings = load_settings({"MOMENTUM_CRM": "hubspot", **hubspot.environment()})

    assert crm_layout(settings) is HUBSPOT_LAYOUT
    (result,) = extract_crm(crm_source(settings, demo_crm), demo_crm, objects=DEALS)

    assert result.loaded == _one(demo_crm, "select count(*) from crm.opportunity")


def test_a_wrong_access_token_names_the_setting_to_fix(hubspot, demo_crm):
    source = HubSpotApiSource("pat-na1-wrong", base_url=hubspot.base_url)

    with pytest.raises(HubSpotSetupError, match="HubSpot refused MOMENTUM_HUBSPOT_ACCESS_TOKEN") as raised:
        extract_crm(source, demo_crm, objects=DEALS)
    assert explain(raised.value) == str(raised.value)


def test_an_unreachable_base_url_names_the_setting(demo_crm):
    source = HubSpotApiSource("pat-na1-x", base_url="http://127.0.0.1:9", retries=0)

    with pytest.raises(
        HubSpotSetupError, match="cannot reach HubSpot at MOMENTUM_HUBSPOT_BASE_URL=http://127.0.0.1:9"
    ):
        extract_crm(source, demo_crm, objects=DEALS)


def test_a_missing_access_token_names_the_setting():
    with pytest.raises(HubSpotSetupError, match="MOMENTUM_HUBSPOT_ACCESS_TOKEN"):
        crm_source(load_settings({"MOMENTUM_CRM": "hubspot"}), "postgresql://unused")


def test_today_is_the_portals_server_date(hubspot):
    with api_source(hubspot) as source:
        assert source.today() == DEMO_TODAY


def test_write_back_goes_through_the_hubspot_api_and_demo_grants_only_behind_the_local_api():
    from crm.connectors import crm_destination, crm_grants
    from crm.hubspot.destination import open_hubspot_destination

    behind_the_api = load_settings({"MOMENTUM_CRM": "hubspot", "MOMENTUM_HUBSPOT_DEMO_SERVER": "1"})
    real_portal = load_settings({"MOMENTUM_CRM": "hubspot", "MOMENTUM_SALESFORCE_DEMO_SERVER": "1"})

    # Both write through HubSpot's API (never into the demo CRM's tables directly)...
    assert crm_destination(behind_the_api).func is open_hubspot_destination
    assert crm_destination(real_portal).func is open_hubspot_destination
    # ...and only the demo CRM behind the local API keeps the demo CRM's grants, whatever another CRM's settings say.
    assert crm_grants(behind_the_api) is not None and crm_grants(real_portal) is None


def test_hubspot_takes_no_forecast_record_sync_and_says_where_its_payload_stays():
    from crm.connectors import sync_not_taken
    from reverse_etl.mapping import load_mappings

    mappings = load_mappings()
    hubspot = load_settings({"MOMENTUM_CRM": "hubspot"})

    reason = sync_not_taken(hubspot, mappings["momentum_forecast"])
    assert reason is not None and "reverse_etl.sync_crm__momentum_forecast" in reason
    assert sync_not_taken(hubspot, mappings["opportunity_fields"]) is None
    assert sync_not_taken(hubspot, mappings["tasks"]) is None
    assert sync_not_taken(load_settings({"MOMENTUM_CRM": "demo"}), mappings["momentum_forecast"]) is None
