"""CRM payload suites: only allow-listed fields, no null over a value the CRM holds, a bounded share of
records changing under the same model, and at most 3 tasks per rep, one per deal."""

import psycopg
import pytest

from expectations.runner import run_validation
from reverse_etl import diff
from reverse_etl.mapping import load_mappings
from tests.expectations.outputs_fixture import REGISTRY, execute, validate

PAYLOAD_SUITES = (
    "payload_opportunity_fields",
    "payload_opportunity_fields__warnings",
    "payload_tasks",
    "payload_tasks__warnings",
)
FIELDS = "reverse_etl.sync_crm__opportunity_fields"


def test_yesterdays_payload_synced_and_extracted_passes_every_payload_suite(outputs):
    with psycopg.connect(outputs) as conn:
        crm_values = conn.execute(
            "select count(*) from raw_crm.opportunity where ai_win_probability = 0.30 and ai_model_version is not null"
        ).fetchone()
    assert crm_values == (40,)
    for name in PAYLOAD_SUITES:
        outcome = validate(outputs, name)
        assert outcome.success, outcome.failures


def test_a_payload_column_outside_the_allow_list_blocks_naming_it(outputs):
    # GIVEN a payload model that started carrying a field reps own
    execute(outputs, f"alter table {FIELDS} add column stage_name text")

    outcome = validate(outputs, "payload_opportunity_fields")

    assert outcome.validation.blocking
    assert outcome.failures == [
        "momentum_payload_columns_allowed failed (only allow-listed opportunity fields (ai_*) besides "
        "opportunity_id) (observed: 1, e.g. stage_name)"
    ]


def test_a_probability_outside_zero_and_one_blocks(outputs):
    execute(outputs, f"update {FIELDS} set ai_win_probability = 1.2 where opportunity_id = 'opp1'")

    assert validate(outputs, "payload_opportunity_fields").failures == [
        "expect_column_values_to_be_between on ai_win_probability failed (observed: 1)"
    ]


def test_scores_vanishing_from_more_than_five_percent_of_deals_block(outputs):
    # GIVEN 3 of 40 deals (7.5%) whose score the CRM shows but today's payload lacks
    execute(
        outputs,
        f"update {FIELDS} set ai_win_probability = null where opportunity_id in ('opp1', 'opp2', 'opp3')",
    )

    outcome = validate(outputs, "payload_opportunity_fields")

    assert outcome.failures == [
        "momentum_no_null_over_crm_value on ai_win_probability failed (a null ai_win_probability where "
        "staging.stg_crm__opportunities holds a value on at most 5% of records) (observed: 3, e.g. opp1; opp2; opp3)"
    ]


def test_one_vanished_score_only_warns(outputs):
    execute(outputs, f"update {FIELDS} set ai_win_probability = null where opportunity_id = 'opp1'")

    assert validate(outputs, "payload_opportunity_fields").success
    warned = validate(outputs, "payload_opportunity_fields__warnings")
    assert [failure.split(" (")[0] for failure in warned.failures] == [
        "momentum_no_null_over_crm_value on ai_win_probability failed"
    ]


def test_most_numbers_moving_under_the_same_model_block(outputs):
    # GIVEN 30 of the 40 synced deals with a new probability from the same model version
    execute(
        outputs, f"update {FIELDS} set ai_win_probability = 0.55 where substr(opportunity_id, 4)::int <= 30"
    )

    outcome = validate(outputs, "payload_opportunity_fields")

    (failure,) = outcome.failures
    assert failure.startswith(
        "momentum_change_share failed (at most 60% of the records synced before change today under an "
        "unchanged ai_model_version; check upstream; see what would change with `momentum run --dry-run`, "
        'then release it with `momentum run --force-sync opportunity_fields --reason "..."`) '
        "(observed: 30, e.g. opp1; opp10; opp11)"
    )
    # AND it counts what the sync itself would send
    with psycopg.connect(outputs) as conn:
        assert diff.build_diff(conn, load_mappings()["opportunity_fields"]).changed_existing == 30


def test_after_days_without_a_sync_the_check_allows_what_the_sync_guard_allows(outputs):
    # GIVEN the last sync 28 days ago, and 30 of the 40 synced deals moved since
    execute(outputs, "update reverse_etl.sync_log set started_at = started_at - interval '28 days'")
    execute(
        outputs, f"update {FIELDS} set ai_win_probability = 0.55 where substr(opportunity_id, 4)::int <= 30"
    )

    outcome = validate(outputs, "payload_opportunity_fields")

    assert outcome.success, outcome.failures


def test_a_run_that_releases_the_sync_or_runs_it_dry_is_not_stopped_by_the_check(outputs):
    execute(
        outputs, f"update {FIELDS} set ai_win_probability = 0.55 where substr(opportunity_id, 4)::int <= 30"
    )

    released = run_validation(
        outputs, REGISTRY["payload_opportunity_fields"], released_syncs=frozenset({"opportunity_fields"})
    )
    other = run_validation(
        outputs, REGISTRY["payload_opportunity_fields"], released_syncs=frozenset({"tasks"})
    )

    assert released.success, released.failures
    assert not other.success


def test_a_new_model_moving_every_number_passes(outputs):
    execute(outputs, f"update {FIELDS} set ai_win_probability = 0.55, ai_model_version = 'momentum_win v4'")

    outcome = validate(outputs, "payload_opportunity_fields")

    assert outcome.success, outcome.failures


@pytest.mark.parametrize(
    ("defect", "failure"),
    [
        (
            "insert into reverse_etl.sync_crm__tasks select 'tmva-99', 'opp20', null, 'u1', subject, type, status, "
            "priority, activity_date, description, ai_action_type, ai_context, ai_script, ai_recommended_at, "
            "ai_expected_impact_amount, ai_model_version from reverse_etl.sync_crm__tasks where ai_external_id = 'tmva-1'",
            "at_most_3_tasks_per_rep on owner_id failed (at most 3 tasks per rep) (observed: 1, e.g. u1 / 4)",
        ),
        (
            "update reverse_etl.sync_crm__tasks set what_id = 'opp1' where ai_external_id = 'tmva-5'",
            "one_task_per_deal on what_id failed (at most one task per rep and deal) (observed: 1, e.g. u1 / opp1 / 2)",
        ),
        (
            "update reverse_etl.sync_crm__tasks set ai_expected_impact_amount = 0 where ai_external_id = 'tmva-2'",
            "expect_column_values_to_be_between on ai_expected_impact_amount failed (observed: 1)",
        ),
        (
            "update reverse_etl.sync_crm__tasks set status = 'Completed' where ai_external_id = 'tmva-2'",
            "expect_column_values_to_be_in_set on status failed (observed: 1)",
        ),
        (
            "update reverse_etl.sync_crm__tasks set ai_script = null where ai_external_id in ('tmva-1', 'tmva-2')",
            "momentum_no_null_over_crm_value on ai_script failed (a null ai_script where staging.stg_crm__tasks holds a "
            "value on at most 5% of records) (observed: 2, e.g. tmva-1; tmva-2)",
        ),
    ],
)
def test_a_defect_in_the_task_payload_blocks_naming_it(outputs, defect, failure):
    execute(outputs, defect)

    outcome = validate(outputs, "payload_tasks")

    assert outcome.validation.blocking and outcome.validation.asset == "reverse_etl/sync_crm__tasks"
    assert outcome.failures == [failure]


def test_a_task_dated_weeks_ahead_warns(outputs):
    execute(
        outputs,
        "update reverse_etl.sync_crm__tasks set activity_date = '2026-12-24' where ai_external_id = 'tmva-3'",
    )

    assert validate(outputs, "payload_tasks").success
    assert validate(outputs, "payload_tasks__warnings").failures == [
        "activity_date_near_today on activity_date failed (activity_date between the day before today's as-of "
        "date and a week after it) (observed: 1, e.g. tmva-3 / 2026-12-24)"
    ]
