from crm.demo.source import DemoCrmSource
from expectations.suites import load_registry
from expectations.validate_all import validate_all
from extract.load import extract_crm
from tests.expectations.clean_crm import create_clean_crm, execute
from tests.expectations.outputs_fixture import create_marts, create_scores


def test_validation_runs_in_postgres_and_returns_no_table_to_python(warehouse_url):
    # GIVEN 5,000 extracted opportunities and their history
    create_clean_crm(warehouse_url)
    execute(
        warehouse_url,
        "insert into crm.opportunity (opportunity_id, account_id, owner_id, name, stage_name, amount, close_date, "
        "created_date, system_modstamp) select 'bulk' || g, 'a1', 'u1', 'Deal', 'Prospecting', 100, "
        "current_date + 30, '2026-01-01', now() from generate_series(1, 4980) g; "
        "insert into crm.opportunity_history (history_id, opportunity_id, created_date, stage_name, amount, "
        "system_modstamp) select 'hb' || g, 'bulk' || g, '2026-01-02', 'Prospecting', 100, now() "
        "from generate_series(1, 4980) g",
    )
    extract_crm(DemoCrmSource(warehouse_url), warehouse_url, run_id="bulk")
    suites = [
        v for v in load_registry() if v.relation in ("raw_crm.opportunity", "raw_crm.opportunity_history")
    ]

    # WHEN their four suites run
    timed = validate_all(warehouse_url, suites)

    # THEN every query GX sent returned at most its 200-row sample, never the 5,000 rows
    assert [t.outcome.validation.name for t in timed] == [v.name for v in suites]
    assert all(t.queries > 0 for t in timed)
    assert max(t.most_rows_returned for t in timed) <= 200


def test_validating_todays_scores_returns_none_of_them_to_python(outputs):
    # GIVEN 3,000 open deals scored today, and the same number yesterday (the suite reads today's)
    execute(outputs, "drop schema marts, ml cascade")
    create_marts(outputs, deals=3000)
    create_scores(outputs)
    execute(
        outputs,
        "insert into ml.deal_scores select opportunity_id, as_of_date - 1, p_win, score_source, model_name, "
        "model_version, top_factors_for, top_factors_against, scored_at, p_slip, p_close_in_quarter, "
        "slip_model_version from ml.deal_scores",
    )
    scores = [v for v in load_registry() if v.asset == "ml/deal_scores"]

    timed = validate_all(outputs, scores)

    assert all(t.outcome.success for t in timed), [t.outcome.failures for t in timed]
    assert max(t.most_rows_returned for t in timed) <= 200
