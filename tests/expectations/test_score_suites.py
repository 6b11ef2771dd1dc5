"""Score suites: today's deal_scores, every open deal scored once, numbers in [0, 1], a model version on each."""

import pytest

from tests.expectations.outputs_fixture import execute, validate


def test_clean_scores_pass_both_score_suites(outputs):
    for name in ("scores", "scores__warnings"):
        outcome = validate(outputs, name)
        assert outcome.success, outcome.failures


@pytest.mark.parametrize(
    ("defect", "failure"),
    [
        (
            "update ml.deal_scores set p_win = 1.3 where opportunity_id = 'opp1'",
            "expect_column_values_to_be_between on p_win failed (observed: 1)",
        ),
        (
            "update ml.deal_scores set p_close_in_quarter = -0.1 where opportunity_id = 'opp1'",
            "expect_column_values_to_be_between on p_close_in_quarter failed (observed: 1)",
        ),
        (
            "delete from ml.deal_scores where opportunity_id = 'opp5'",
            "momentum_one_row_per_row_of on opportunity_id failed (exactly one row per opportunity_id of "
            "marts.ml_open_deals__features, on its as_of_date) (observed: 1, e.g. opp5 / 0 / True)",
        ),
        # A deal closed since the features were built, scored anyway.
        (
            "insert into ml.deal_scores (opportunity_id, as_of_date, p_win, score_source, model_name, "
            "model_version, scored_at) values ('opp99', '2026-12-01', 0.5, 'model', 'momentum_win', '3', now())",
            "momentum_one_row_per_row_of on opportunity_id failed (exactly one row per opportunity_id of "
            "marts.ml_open_deals__features, on its as_of_date) (observed: 1, e.g. opp99 / 1 / False)",
        ),
        (
            "update ml.deal_scores set model_name = ' ' where opportunity_id = 'opp2'",
            "model_version_present on model_version failed (model_name and model_version set on every score) "
            "(observed: 1, e.g. opp2 /   / 3)",
        ),
        (
            "update ml.deal_scores set slip_model_version = null where opportunity_id = 'opp2'",
            "slip_model_version_present on slip_model_version failed (p_slip and slip_model_version present "
            "together) (observed: 1, e.g. opp2 / 0.2 / None)",
        ),
        (
            "update ml.deal_scores set score_source = 'oracle' where opportunity_id = 'opp2'",
            "expect_column_values_to_be_in_set on score_source failed (observed: 1)",
        ),
    ],
)
def test_a_defect_in_todays_scores_blocks_naming_it(outputs, defect, failure):
    execute(outputs, defect)

    outcome = validate(outputs, "scores")

    assert outcome.validation.blocking and outcome.validation.asset == "ml/deal_scores"
    assert outcome.failures == [failure]


def test_the_model_version_of_a_model_score_is_a_registry_version(outputs):
    execute(outputs, "update ml.deal_scores set model_version = 'latest' where opportunity_id = 'opp4'")

    outcome = validate(outputs, "scores")

    assert outcome.failures == [
        "model_version_registered on model_version failed (model scores carry a registry version number "
        "(models:/momentum_win@champion)) (observed: 1, e.g. opp4 / latest)"
    ]


def test_yesterdays_scores_are_not_todays_concern(outputs):
    # GIVEN a bad score from yesterday, checked (and failed) yesterday
    execute(
        outputs,
        "insert into ml.deal_scores (opportunity_id, as_of_date, p_win, score_source, model_name, "
        "model_version, scored_at) values ('opp1', '2026-11-30', 7, 'model', 'momentum_win', '', now())",
    )

    # THEN today's validation reads today's rows only
    outcome = validate(outputs, "scores")
    assert outcome.success, outcome.failures


@pytest.mark.parametrize(
    ("defect", "failure"),
    [
        (
            "update ml.deal_scores set model_version = '4' where opportunity_id in ('opp1', 'opp2')",
            "expect_column_unique_value_count_to_be_between on model_version failed (observed: 2)",
        ),
        (
            "update ml.deal_scores set p_win = 0.42",
            "expect_column_stdev_to_be_between on p_win failed (observed: 0.0)",
        ),
    ],
)
def test_odd_but_valid_scores_warn(outputs, defect, failure):
    execute(outputs, defect)

    assert validate(outputs, "scores").success
    warned = validate(outputs, "scores__warnings")
    assert warned.failures == [failure] and not warned.validation.blocking
