import pandas as pd

from ml.scoring.explanations import phrase, top_factors


def test_each_factor_is_phrased_with_the_deals_actual_value():
    row = {"stage_name": "Negotiation"}
    assert phrase("days_since_last_activity", 21.0, row) == "no activity in 21 days"
    assert phrase("has_economic_buyer", 1.0, row) == "economic buyer engaged"
    assert phrase("close_date_push_count", 3.0, row) == "close date pushed 3 times"
    assert phrase("deal_age_days", 140.0, row) == "deal open 140 days"
    assert phrase("contacts_engaged_90d", 3.0, row) == "3 contacts engaged in 90 days"
    assert phrase("stage_progress", 1.0, row) == "at the Negotiation stage"
    assert phrase("days_to_close_quarter_end", 20.0, row) == "close date's quarter ends in 20 days"
    assert phrase("two_way_touch_share", 0.25, row | {"calls_total": 6, "emails_total": 2}) == (
        "buyer answered 25% of 8 touches"
    )
    assert phrase("forecast_category", "Commit", row) == "rep calls it Commit"
    assert phrase("days_to_close", -12.0, row) == "close date passed 12 days ago"
    assert phrase("meetings_30d", 1.0, row) == "1 meeting in the last 30 days"
    assert phrase("segment", "ENT", row) == "enterprise segment"
    assert phrase("days_since_last_activity", float("nan"), row) == "no activity logged yet"


def test_top_factors_split_by_sign_keep_at_most_three_and_ignore_tiny_ones():
    # GIVEN one deal whose contributions push both ways, plus one negligible contribution
    contributions = pd.DataFrame(
        [
            {
                "has_economic_buyer": 0.9,
                "contacts_engaged_90d": 0.4,
                "meetings_30d": 0.3,
                "deal_age_days": 0.2,
                "days_since_last_activity": -0.8,
                "close_date_push_count": -0.01,
            }
        ]
    )
    deals = pd.DataFrame(
        [
            {
                "has_economic_buyer": True,
                "contacts_engaged_90d": 4,
                "meetings_30d": 2,
                "deal_age_days": 30,
                "days_since_last_activity": 21,
                "close_date_push_count": 0,
            }
        ]
    )
    # WHEN the top factors are chosen
    raised, lowered = top_factors(contributions, deals)
    # THEN the three largest positive ones, strongest first; the tiny push count is not mentioned
    assert raised == ["economic buyer engaged; 4 contacts engaged in 90 days; 2 meetings in the last 30 days"]
    assert lowered == ["no activity in 21 days"]


def test_stage_and_close_date_are_each_one_factor_even_though_two_features_describe_them():
    contributions = pd.DataFrame(
        [
            {
                "stage_progress": 0.3,
                "stage_default_probability": 0.2,
                "days_to_close": -0.4,
                "is_close_date_past": -0.3,
            }
        ]
    )
    deals = pd.DataFrame(
        [{"stage_progress": 0.75, "stage_default_probability": 0.6, "stage_name": "Proposal", "days_to_close": -9,
          "is_close_date_past": True}]
    )  # fmt: skip
    raised, lowered = top_factors(contributions, deals)
    assert raised == ["at the Proposal stage"]
    assert lowered == ["close date passed 9 days ago"]


def test_a_deal_without_an_account_is_not_called_a_new_logo():
    # Regression: with no account on the deal the mart counted 0 prior wins, and the factor read "new logo:
    # the account never bought". The mart now leaves it null (fct_deal_snapshots) and the phrase says why.
    assert phrase("account_prior_won_deals", None, {}) == "no account on the deal"
    assert phrase("account_prior_won_deals", 0, {}) == "new logo: the account never bought"
