"""Momentum's Salesforce API source (crm/salesforce/api_source.py) extracting the tiny demo CRM through the
local Salesforce server into raw_salesforce."""

from __future__ import annotations

import logging
import time

import psycopg
import pytest

from crm.check import check_crm
from crm.connectors import crm_source
from crm.salesforce.api_source import SalesforceApiSource
from crm.salesforce.errors import SalesforceApiLimitReached, SalesforceFieldMissing, SalesforceSetupError
from crm.salesforce.fields import OBJECTS_BY_API_NAME
from crm.salesforce.ids import to_18
from extract.load import extract_crm
from orchestration.failures import explain
from simulator.salesforce_org import SALESFORCE_SELECTS
from tests.crm.salesforce_api.conftest import DEMO_TODAY, api_source
from warehouse.settings import load_settings

OPPORTUNITY = (OBJECTS_BY_API_NAME["Opportunity"].crm_object(),)


def _one(url: str, query: str, params: tuple = ()):
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchone()[0]


def _demo_counts(url: str) -> dict[str, int]:
    return {
        api_name.lower(): _one(url, f"select count(*) from ({select}) s")
        for api_name, select in SALESFORCE_SELECTS.items()
    }


@pytest.mark.parametrize("bulk_threshold", [0, 1_000_000], ids=["bulk", "rest"])
def test_the_whole_demo_crm_lands_in_raw_salesforce_with_the_demos_counts(
    salesforce, demo_crm, bulk_threshold
):
    results = extract_crm(api_source(salesforce, bulk_threshold=bulk_threshold), demo_crm)

    assert {r.object_name: r.loaded for r in results} == _demo_counts(demo_crm)
    assert all(r.rejected == 0 for r in results)
    # Values survive the trip: amounts, 18-character ids, timestamps.
    opportunity_id, amount, modstamp = _one_row(
        demo_crm, "select opportunity_id, amount, system_modstamp from crm.opportunity order by 1 limit 1"
    )
    assert _one_row(
        demo_crm,
        "select amount, systemmodstamp from raw_salesforce.opportunity where id = %s",
        (to_18(opportunity_id),),
    ) == (amount, modstamp)


def _one_row(url: str, query: str, params: tuple = ()):
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchone()


@pytest.mark.parametrize("bulk_threshold", [0, 1_000_000], ids=["bulk", "rest"])
def test_text_with_newlines_quotes_tabs_and_backslashes_arrives_intact(salesforce, demo_crm, bulk_threshold):
    # A description spanning lines, in the middle of small Bulk pages: the server's locator must not cut
    # a quoted CSV value, and the source must escape it for COPY.
    text = 'Called twice.\nSaid "call back"\tafter Q4; path C:\\deals\\'
    with psycopg.connect(demo_crm, autocommit=True) as conn:
        task_id = conn.execute(
            "update crm.task set description = %s where task_id = (select task_id from crm.task order by task_id "
            "offset 5 limit 1) returning task_id",
            (text,),
        ).fetchone()[0]
    task = (OBJECTS_BY_API_NAME["Task"].crm_object(),)

    (result,) = extract_crm(
        api_source(salesforce, bulk_threshold=bulk_threshold, bulk_page_records=4), demo_crm, objects=task
    )

    assert result.loaded == _one(demo_crm, "select count(*) from crm.task")
    assert (
        _one(demo_crm, "select description from raw_salesforce.task where id = %s", (to_18(task_id),)) == text
    )


def test_bulk_is_used_for_large_objects_and_rest_for_small_ones(salesforce, demo_crm):
    extract_crm(api_source(salesforce, bulk_threshold=0), demo_crm)

    # One Bulk 2.0 job per large object (7), and one listing the live ids of each that tracks deletions
    # (Opportunity, Account, Contact, OpportunityContactRole); everything else went through REST.
    jobs = [r for r in salesforce.api.requests if r.method == "POST"]
    assert [r.path.rsplit("/", 2)[-2:] for r in jobs] == [["jobs", "query"]] * (7 + 4)
    assert any("/query/" in r.path and "jobs" not in r.path for r in salesforce.api.requests)  # REST pages


def test_an_incremental_extract_picks_up_a_change(salesforce, demo_crm):
    extract_crm(api_source(salesforce), demo_crm, objects=OPPORTUNITY)
    with psycopg.connect(demo_crm, autocommit=True) as conn:
        opportunity_id = conn.execute(
            "update crm.opportunity set amount = 12345, system_modstamp = crm.system_now() + interval '1 hour' "
            "where opportunity_id = (select min(opportunity_id) from crm.opportunity) returning opportunity_id"
        ).fetchone()[0]

    (result,) = extract_crm(api_source(salesforce), demo_crm, objects=OPPORTUNITY)

    assert 1 <= result.received < _one(demo_crm, "select count(*) from crm.opportunity")
    assert (
        _one(
            demo_crm, "select amount from raw_salesforce.opportunity where id = %s", (to_18(opportunity_id),)
        )
        == 12345
    )


def test_field_history_is_read_incrementally_on_created_date_and_holds_forecast_category_changes(
    salesforce, demo_crm
):
    field_history = (OBJECTS_BY_API_NAME["OpportunityFieldHistory"].crm_object(),)
    (first,) = extract_crm(api_source(salesforce), demo_crm, objects=field_history)
    assert first.loaded > 0  # the tiny demo's reps change forecast categories without moving stage
    # GIVEN a rep who then moves a deal to Commit, and nothing else
    with psycopg.connect(demo_crm, autocommit=True) as conn:
        opportunity_id = conn.execute("""
            insert into crm.opportunity_history
            select '008Dm9999999999', opportunity_id, crm.system_now() + interval '1 hour', stage_name, amount,
                close_date, probability, 'Commit', crm.system_now() + interval '1 hour'
            from (
                select distinct on (opportunity_id) * from crm.opportunity_history
                order by opportunity_id, created_date desc, history_id desc
            ) as latest
            where forecast_category <> 'Commit'
                and stage_name in (select stage_name from crm.opportunity_stage where not is_closed)
            limit 1
            returning opportunity_id
        """).fetchone()[0]  # fmt: skip

    # WHEN the org is read again (field history has no SystemModstamp: CreatedDate is its watermark)
    history = (OBJECTS_BY_API_NAME["OpportunityHistory"].crm_object(),)
    (second, _) = extract_crm(api_source(salesforce), demo_crm, objects=field_history + history)

    # THEN only the new change arrives, as Salesforce's field history of ForecastCategoryName
    assert 1 <= second.received < first.loaded
    newest = "select opportunityid, field, newvalue from raw_salesforce.opportunityfieldhistory order by createddate desc limit 1"  # fmt: skip
    with psycopg.connect(demo_crm) as conn:
        assert conn.execute(newest).fetchone() == (to_18(opportunity_id), "ForecastCategoryName", "Commit")
    # ... and OpportunityHistory, which Salesforce writes only for stage, amount, probability or close date, has none
    assert _one(demo_crm, "select count(*) from raw_salesforce.opportunityhistory") > 0
    assert _one(demo_crm, "select count(*) from raw_salesforce.opportunityhistory where left(id, 15) = '008Dm9999999999'") == 0  # fmt: skip


def test_a_deleted_record_is_marked_deleted(salesforce, demo_crm):
    extract_crm(api_source(salesforce), demo_crm, objects=OPPORTUNITY)
    with psycopg.connect(demo_crm, autocommit=True) as conn:
        conn.execute(
            "delete from crm.opportunity_history where opportunity_id = (select min(opportunity_id) from crm.opportunity)"
        )
        conn.execute(
            "delete from crm.opportunity_contact_role where opportunity_id = (select min(opportunity_id) from crm.opportunity)"
        )
        conn.execute("delete from crm.task where what_id = (select min(opportunity_id) from crm.opportunity)")
        conn.execute(
            "delete from crm.event where what_id = (select min(opportunity_id) from crm.opportunity)"
        )
        opportunity_id = conn.execute(
            "delete from crm.opportunity where opportunity_id = (select min(opportunity_id) from crm.opportunity) "
            "returning opportunity_id"
        ).fetchone()[0]

    (result,) = extract_crm(api_source(salesforce, bulk_threshold=0), demo_crm, objects=OPPORTUNITY)

    assert result.deleted == 1
    assert _one(
        demo_crm,
        "select _deleted_at is not null from raw_salesforce.opportunity where id = %s",
        (to_18(opportunity_id),),
    )


def test_429_and_503_are_retried_with_backoff_honouring_retry_after(salesforce, demo_crm):
    salesforce.api.fail_next(429, count=1, retry_after=1)
    salesforce.api.fail_next(503, count=1, retry_after=1)
    started = time.monotonic()

    (result,) = extract_crm(api_source(salesforce), demo_crm, objects=OPPORTUNITY)

    assert result.loaded == _one(demo_crm, "select count(*) from crm.opportunity")
    statuses = [r.status for r in salesforce.api.requests]
    assert statuses[:3] == [429, 503, 200]  # the same first request, answered at the third attempt
    assert time.monotonic() - started >= 2  # each Retry-After of 1 s was waited


def test_a_bulk_job_creation_refused_with_503_is_retried(salesforce, demo_crm):
    # POST is not among urllib3's retried methods by default: a query job's creation is idempotent, so
    # the session retries it too.
    salesforce.api.fail_next(503, count=2, retry_after=0, method="POST")

    (result,) = extract_crm(api_source(salesforce, bulk_threshold=0), demo_crm, objects=OPPORTUNITY)

    assert result.loaded == _one(demo_crm, "select count(*) from crm.opportunity")
    posts = [r.status for r in salesforce.api.requests if r.method == "POST"]
    assert posts[:3] == [503, 503, 200]


def test_retries_give_up_after_the_configured_attempts(salesforce, demo_crm):
    salesforce.api.fail_next(503, count=10, retry_after=0)

    with pytest.raises(Exception, match="503"):
        extract_crm(api_source(salesforce, retries=2, backoff_factor=0), demo_crm, objects=OPPORTUNITY)
    assert [r.status for r in salesforce.api.requests] == [503, 503, 503]


def test_the_daily_limit_refusal_stops_at_once_with_a_clear_message(salesforce, demo_crm):
    # GIVEN a first object extracted, then the org's daily API limit reached
    account = (OBJECTS_BY_API_NAME["Account"].crm_object(),)
    extract_crm(api_source(salesforce), demo_crm, objects=account)
    salesforce.api.exhaust_daily_limit()
    seen_before = len(salesforce.api.requests)

    # WHEN the next extract runs, THEN it stops with one clear line, and asked only once
    with pytest.raises(SalesforceApiLimitReached, match="daily API limit is reached.*next run resumes"):
        extract_crm(api_source(salesforce), demo_crm, objects=OPPORTUNITY)
    assert [r.status for r in list(salesforce.api.requests)[seen_before:]] == [403]
    # what was extracted stays
    assert _one(demo_crm, "select count(*) from raw_salesforce.account") > 0


def test_the_extract_stops_at_the_configured_api_ceiling(salesforce, demo_crm):
    ceiling = salesforce.api.api_used + 3

    with pytest.raises(SalesforceApiLimitReached, match="MOMENTUM_SALESFORCE_DAILY_API_CEILING"):
        extract_crm(api_source(salesforce, daily_api_ceiling=ceiling), demo_crm)
    assert salesforce.api.api_used == ceiling


def test_a_hidden_optional_field_gives_a_warning_and_the_extract_goes_on(salesforce, demo_crm, caplog):
    salesforce.api.hide_field("Opportunity", "NextStep")

    with caplog.at_level(logging.WARNING):
        (result,) = extract_crm(api_source(salesforce), demo_crm, objects=OPPORTUNITY)

    assert result.loaded == _one(demo_crm, "select count(*) from crm.opportunity")
    assert "Opportunity.NextStep is not visible to the integration user" in caplog.text
    assert (
        _one(
            demo_crm,
            "select count(*) from information_schema.columns where table_schema = 'raw_salesforce' "
            "and table_name = 'opportunity' and column_name = 'nextstep'",
        )
        == 0
    )


def test_a_hidden_required_field_is_a_clear_error_naming_object_and_field(salesforce, demo_crm):
    salesforce.api.hide_field("Opportunity", "StageName")

    with pytest.raises(SalesforceFieldMissing, match=r"Salesforce Opportunity\.StageName not visible"):
        extract_crm(api_source(salesforce), demo_crm, objects=OPPORTUNITY)


def test_momentum_crm_salesforce_settings_build_the_source_that_extracts_the_org(salesforce, demo_crm):
    settings = load_settings({"MOMENTUM_CRM": "salesforce", **salesforce.environment()})

    results = extract_crm(crm_source(settings, demo_crm), demo_crm, objects=OPPORTUNITY)

    assert results[0].loaded == _one(demo_crm, "select count(*) from crm.opportunity")


def test_a_wrong_access_token_names_the_setting_to_fix(salesforce, demo_crm):
    source = SalesforceApiSource(
        {"instance_url": salesforce.instance_url, "session_id": "expired"}, ca_bundle=str(salesforce.ca_file)
    )

    with pytest.raises(SalesforceSetupError, match="MOMENTUM_SALESFORCE_ACCESS_TOKEN is wrong or expired"):
        extract_crm(source, demo_crm, objects=OPPORTUNITY)


def test_the_api_usage_is_logged_each_run(salesforce, demo_crm, caplog):
    with caplog.at_level(logging.INFO, logger="crm.salesforce"):
        extract_crm(api_source(salesforce), demo_crm, objects=OPPORTUNITY)

    assert "Salesforce API usage before this extract: 1/100000 daily API requests" in caplog.text
    assert f"after this extract: {salesforce.api.api_used}/100000" in caplog.text


def test_crm_check_names_a_hidden_required_field_and_the_api_budget(salesforce, demo_crm):
    salesforce.api.hide_field("Opportunity", "StageName")

    report = check_crm(api_source(salesforce))

    assert "opportunity: required fields missing: stagename" in report.problems
    assert {o.name: o.rows for o in report.objects}["account"] == _one(
        demo_crm, "select count(*) from crm.account"
    )
    assert "daily API requests" in report.budget


def test_today_is_the_orgs_server_date(salesforce):
    with api_source(salesforce) as source:
        assert source.today() == DEMO_TODAY


@pytest.mark.parametrize(
    "credentials",
    [{}, {"instance_url": "https://example.my.salesforce.com"}, {"username": "a@b.c", "password": "x"}],
)
def test_incomplete_credentials_name_the_settings_to_set(credentials):
    with pytest.raises(
        SalesforceSetupError, match="MOMENTUM_SALESFORCE_INSTANCE_URL and MOMENTUM_SALESFORCE_ACCESS_TOKEN"
    ):
        SalesforceApiSource.from_settings(credentials)


def test_the_cli_says_a_settings_error_in_one_line():
    with pytest.raises(SalesforceSetupError) as raised:
        SalesforceApiSource.from_settings({})

    assert explain(raised.value) == str(raised.value)


def test_settings_give_the_login_and_options():
    source = SalesforceApiSource.from_settings(
        {
            "instance_url": "https://x.my.salesforce.com",
            "access_token": "t",
            "bulk_threshold": "5",
            "api_version": "60.0",
        }
    )
    assert (source.bulk_threshold, source.api_version) == (5, "60.0")
    with pytest.raises(SalesforceSetupError, match="MOMENTUM_SALESFORCE_DAILY_API_CEILING='lots'"):
        SalesforceApiSource.from_settings(
            {"instance_url": "u", "access_token": "t", "daily_api_ceiling": "lots"}
        )
