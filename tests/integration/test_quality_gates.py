"""Data-quality gates on the real chain: a tiny demo CRM, a trained champion, one clean morning run, then
bad scores and a bad CRM payload. Each must stop both CRM syncs in the same run and leave the CRM as it
was; every run leaves Data Docs listing every suite.

One demo warehouse for the module, a copy of the shared tiny demo after its retrain and clean morning run
(tests/integration/conftest.py: they take ~2 minutes); each test states the defect it adds and compares the
CRM before and after its own run.
"""

import dagster as dg
import psycopg
import pytest

from expectations.suites import for_raw_schema, load_registry
from orchestration.definitions import defs
from orchestration.resources import AS_OF_TAG
from orchestration.runner import run_job
from warehouse.settings import load_settings

SCORES = dg.AssetKey(["ml", "deal_scores"])
# Sync state restored from an old backup: every record's last-written hash is stale, so the same champion
# would rewrite every deal's fields tonight, firing every CRM trigger: what the change-share suite stops.
STALE_SYNC_STATE = """
update reverse_etl.sync_state set payload_hash = md5('restored from an old backup ' || record_key)
where sync_name = 'opportunity_fields'
"""
CRM_SYNCS = {
    dg.AssetKey(["reverse_etl", name]) for name in ("opportunity_fields", "tasks", "momentum_forecast")
}


@pytest.fixture(scope="module")
def demo(tiny_demo, tmp_path_factory):
    """(warehouse URL, as-of date, the clean morning run's report): a copy of the shared tiny demo
    (tests/integration/conftest.py) after its retrain and clean morning run."""
    home = tmp_path_factory.mktemp("gates") / "home"
    with tiny_demo.copy(home) as url, pytest.MonkeyPatch.context() as env:
        env.setenv("MOMENTUM_WAREHOUSE_URL", url)
        env.setenv("MOMENTUM_HOME", str(home))
        env.setenv("MOMENTUM_MIN_CLOSED_DEALS", "8")  # the tiny CRM has a few dozen closed deals
        yield url, tiny_demo.as_of, tiny_demo.morning


def _query(url: str, statement: str, params=None):
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(statement, params).fetchall()


def _execute(url: str, statement: str, params=None) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement, params)


def _crm_fingerprint(url: str):
    """Every column of every opportunity and task: any CRM write changes it."""
    return _query(
        url,
        "select (select md5(string_agg(o::text, ',' order by opportunity_id)) from crm.opportunity o),"
        " (select md5(string_agg(t::text, ',' order by task_id)) from crm.task t)",
    )


def test_the_clean_run_leaves_data_docs_listing_every_suite(demo):
    url, _, report = demo

    assert report.data_docs is not None and report.data_docs.name == "index.html"
    index = report.data_docs.read_text()
    for validation in for_raw_schema(load_registry(), "raw_crm"):
        assert f"validations/{validation.suite}/" in index, validation.suite
    # AND the CRM got today's scores, which the next tests must leave alone
    assert _query(url, "select count(*) > 0 from crm.opportunity where ai_win_probability is not null") == [
        (True,)
    ]


def test_bad_scores_stop_the_tmvas_the_payloads_and_both_crm_syncs(demo):
    url, as_of, _ = demo
    # GIVEN a scoring bug that wrote a probability of 1.7 into today's scores
    _execute(
        url,
        "update ml.deal_scores set p_win = 1.7 where as_of_date = %s "
        "and opportunity_id = (select min(opportunity_id) from ml.deal_scores where as_of_date = %s)",
        (as_of, as_of),
    )
    before = _crm_fingerprint(url)

    # WHEN the morning job runs from the scores' checks on: everything downstream of deal_scores, as after
    # the scoring step of a full run (which would have rewritten the bad row before checking it)
    graph = defs.resolve_asset_graph()
    downstream = dg.AssetSelection.assets(SCORES).downstream(include_self=False).resolve(graph)
    checks = {dg.AssetCheckKey(SCORES, v.suite) for v in load_registry() if v.asset == "ml/deal_scores"}
    job = defs.resolve_job_def("morning").get_subset(asset_selection=downstream, asset_check_selection=checks)
    result = job.execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), tags={AS_OF_TAG: as_of.isoformat()}, raise_on_error=False
    )

    # THEN the blocking scores suite fails naming the column, nothing downstream runs, the CRM is untouched
    assert not result.success
    failed = [e.check_name for e in result.get_asset_check_evaluations() if not e.passed]
    assert failed == ["ml__deal_scores"]
    (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "ml__deal_scores"]
    assert "expect_column_values_to_be_between on p_win failed (observed: 1)" in evaluation.description
    materialized = {event.asset_key for event in result.get_asset_materialization_events()}
    assert not materialized & (CRM_SYNCS | {dg.AssetKey(["actions", "tmva_daily"])})
    assert _crm_fingerprint(url) == before
    assert _query(
        url, "select count(*) from reverse_etl.sync_log where dagster_run_id = %s", (result.run_id,)
    ) == [(0,)]


def test_a_mass_change_of_the_opportunity_payload_stops_both_crm_syncs_and_the_summary_says_why(demo):
    url, as_of, _ = demo
    # GIVEN a sync state that no longer matches what the CRM holds (restored from an old backup): the same
    # champion would now send every open deal again, which the opportunity payload's blocking suite stops
    _execute(url, STALE_SYNC_STATE, {})
    before = _crm_fingerprint(url)

    # WHEN the full morning job runs
    report = run_job(load_settings(), "morning", as_of, instance=dg.DagsterInstance.ephemeral())

    # THEN it fails on the payload suite, naming the expectation and the table
    assert not report.success
    assert len(report.failed_checks) == 1
    assert report.failed_checks[0].startswith(
        "reverse_etl__sync_crm__opportunity_fields on reverse_etl/sync_crm__opportunity_fields: momentum_change_share failed "
        "(at most 60% of the records synced before change today under an unchanged ai_model_version; check upstream; "
        "see what would change with `momentum run --dry-run`, then release it with "
        '`momentum run --force-sync opportunity_fields --reason "..."`)'
    )
    # AND neither sync ran (the tasks payload was fine), so the CRM is exactly as the admin left it
    assert _query(
        url, "select count(*) from reverse_etl.sync_log where dagster_run_id = %s", (report.run_id,)
    ) == [(0,)]
    assert _crm_fingerprint(url) == before
    # AND the Data Docs of this failed run show the failed suite
    assert "reverse_etl__sync_crm__opportunity_fields" in report.data_docs.read_text()
