"""Feature suites: the training snapshots (block training) and today's features (block scoring)."""

import pytest

from tests.expectations.outputs_fixture import execute, validate

FEATURE_SUITES = (
    "features_snapshots",
    "features_snapshots__warnings",
    "features_today",
    "features_today__warnings",
)


def test_clean_features_pass_every_feature_suite(outputs):
    for name in FEATURE_SUITES:
        outcome = validate(outputs, name)
        assert outcome.success, outcome.failures


@pytest.mark.parametrize(
    ("defect", "named_in_failure"),
    [
        (
            "update marts.fct_deal_snapshots set deal_age_days = -3 where snapshot_id = 'opp1@2026-10-05'",
            "expect_column_values_to_be_between on deal_age_days failed (observed: 1)",
        ),
        # Percent instead of share: the staging division by 100 went missing.
        (
            "update marts.fct_deal_snapshots set stage_default_probability = 10",
            "expect_column_values_to_be_between on stage_default_probability failed (observed: 360)",
        ),
        (
            "update marts.fct_deal_snapshots set has_next_step = true where snapshot_id = 'opp7@2026-11-23'",
            "no_next_step_on_past_snapshots on has_next_step failed (has_next_step known only on today's rows "
            "(the CRM keeps no history of it)) (observed: 1, e.g. opp7@2026-11-23)",
        ),
        (
            "update marts.fct_deal_snapshots set label_won = 2 where snapshot_id = 'opp1@2026-10-05'",
            "expect_column_values_to_be_in_set on label_won failed (observed: 1)",
        ),
        (
            "update marts.fct_deal_snapshots set activities_7d = 9 where snapshot_id = 'opp2@2026-10-12'",
            "activity_windows_nested on activities_7d failed (activities in 7 days never exceed activities in "
            "30 days) (observed: 1, e.g. opp2@2026-10-12 / 9 / 3)",
        ),
        (
            "update marts.fct_deal_snapshots set is_current = true where as_of_date = '2026-11-23'",
            "one_current_date on is_current failed (one as-of date is today's (is_current)) (observed: 1, e.g. 2)",
        ),
    ],
)
def test_a_defect_in_the_training_snapshots_blocks_naming_it(outputs, defect, named_in_failure):
    execute(outputs, defect)

    outcome = validate(outputs, "features_snapshots")

    assert outcome.validation.blocking and outcome.validation.asset == "marts/fct_deal_snapshots"
    assert outcome.failures == [named_in_failure]


@pytest.mark.parametrize(
    ("defect", "named_in_failure"),
    [
        # A join that lost half of one week's deals.
        (
            "delete from marts.fct_deal_snapshots where as_of_date = '2026-11-16' and deal_age_days > 40",
            "momentum_rows_per_date_stable on as_of_date failed",
        ),
        (
            "update marts.fct_deal_snapshots set label_won = 1 where label_won is not null",
            "expect_column_mean_to_be_between on label_won failed",
        ),
        (
            "update marts.fct_deal_snapshots set amount = null where deal_age_days < 26",
            "expect_column_values_to_not_be_null on amount failed",
        ),
        # An impossible probability field (percent scaled twice): it only feeds a baseline, so it warns.
        (
            "update marts.fct_deal_snapshots set crm_probability = 35 where snapshot_id = 'opp1@2026-10-05'",
            "expect_column_values_to_be_between on crm_probability failed",
        ),
    ],
)
def test_unusual_but_usable_snapshots_warn(outputs, defect, named_in_failure):
    execute(outputs, defect)

    assert validate(outputs, "features_snapshots").success
    warned = validate(outputs, "features_snapshots__warnings")
    assert not warned.success and not warned.validation.blocking
    assert [failure.split(" (")[0] for failure in warned.failures] == [named_in_failure]


@pytest.mark.parametrize(
    ("defect", "named_in_failure"),
    [
        (
            "update marts.ml_open_deals__features set label_won = 1 where opportunity_id = 'opp3'",
            "expect_column_values_to_be_null on label_won failed (observed: 1)",
        ),
        (
            "update marts.ml_open_deals__features set as_of_date = '2026-11-23', is_current = true "
            "where opportunity_id = 'opp3'",
            "expect_column_unique_value_count_to_be_between on as_of_date failed (observed: 2)",
        ),
        (
            "update marts.ml_open_deals__features set is_current = false where opportunity_id = 'opp3'",
            "expect_column_values_to_be_in_set on is_current failed (observed: 1)",
        ),
    ],
)
def test_a_defect_in_todays_features_blocks_scoring(outputs, defect, named_in_failure):
    execute(outputs, defect)

    outcome = validate(outputs, "features_today")

    assert outcome.validation.blocking and outcome.validation.asset == "marts/ml_open_deals__features"
    assert named_in_failure in outcome.failures


def test_features_older_than_the_snapshots_block(outputs):
    # GIVEN today's features left over from yesterday: the snapshots moved on, the features did not
    execute(outputs, "update marts.ml_open_deals__features set as_of_date = as_of_date - 1")

    outcome = validate(outputs, "features_today")

    assert outcome.failures[0].startswith(
        "features_are_todays_snapshots on as_of_date failed (as of the newest snapshot date of "
        "fct_deal_snapshots) (observed: 40, e.g. opp1 / 2026-11-30"
    )
