from datetime import date

import numpy as np
import pandas as pd
import pytest

from actions.coverage import NO_AMOUNT, NO_PLAY_TRIGGERED, gap_lines, tmva_gaps
from actions.playbook import load_playbook
from actions.ranking import is_holdout, select_top_actions
from actions.valuation import fiscal_quarter_end, value_candidates, value_candidates_or_priors

AS_OF = date(2026, 11, 23)


def _deals(count: int, owners: int = 2) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "opportunity_id": [f"opp{i}" for i in range(count)],
            "owner_id": [f"rep{i % owners}" for i in range(count)],
            "amount": [10_000.0 * (i + 1) for i in range(count)],
            "close_date": [date(2027, 1, 15)] * count,
            "days_in_stage": [30] * count,
            "days_since_last_activity": [20] * count,
            "activities_7d": [0] * count,
            "activities_30d": [0] * count,
            "is_close_date_past": [False] * count,
            "days_to_close": [53] * count,
            "has_economic_buyer": [False] * count,
            "stage_sort_order": [4] * count,
            "contact_role_count": [1] * count,
            "contacts_engaged_90d": [1] * count,
        }
    )


def _recency_model(frame: pd.DataFrame) -> np.ndarray:
    """A stand-in model where only activity recency matters: fresh contact lifts P(win) from 0.2 to 0.5."""
    return np.where(frame["days_since_last_activity"] < 10, 0.5, 0.2)


def test_the_model_decides_which_play_is_worth_most():
    candidates = value_candidates(_deals(1), load_playbook(), _recency_model, AS_OF)

    by_play = candidates.set_index("play_id")["expected_impact_amount"]
    assert by_play["re_engage_quiet_deal"] == pytest.approx(10_000 * 0.3)
    # Plays whose counterfactual the model does not respond to are worth nothing, not negative.
    assert by_play.drop("re_engage_quiet_deal").eq(0).all()


def test_without_a_model_the_playbook_priors_value_the_actions():
    candidates = value_candidates(_deals(1), load_playbook(), None, AS_OF)

    prior = {play.id: play.prior_uplift for play in load_playbook().plays}
    for row in candidates.itertuples():
        assert row.uplift == prior[row.play_id]


def test_each_rep_gets_at_most_three_actions_one_per_deal_holdout_excluded():
    deals = _deals(40, owners=3)
    candidates = value_candidates(deals, load_playbook(), None, AS_OF)

    top = select_top_actions(candidates, per_rep=3, holdout_share=0.1)

    assert top.groupby("owner_id").size().max() == 3
    assert top["opportunity_id"].is_unique
    assert not top["opportunity_id"].map(lambda oid: is_holdout(oid, 0.1)).any()
    assert list(top.groupby("owner_id")["rank"].apply(list)) == [[1, 2, 3]] * 3


def test_the_biggest_expected_impact_comes_first():
    candidates = value_candidates(_deals(12, owners=1), load_playbook(), _recency_model, AS_OF)

    top = select_top_actions(candidates, per_rep=3, holdout_share=0.0)

    assert list(top["opportunity_id"]) == ["opp11", "opp10", "opp9"]
    assert top["expected_impact_amount"].is_monotonic_decreasing


def test_holdout_is_stable_and_close_to_its_share():
    ids = [f"006{i:012d}" for i in range(5000)]
    share = sum(is_holdout(oid, 0.1) for oid in ids) / len(ids)

    assert 0.08 < share < 0.12
    assert [is_holdout(oid, 0.1) for oid in ids[:50]] == [is_holdout(oid, 0.1) for oid in ids[:50]]


def test_a_play_with_a_bad_trigger_is_named_in_the_error(tmp_path):
    playbook = tmp_path / "playbook.yml"
    playbook.write_text(
        "plays:\n  - {id: broken, trigger: 'no_such_column > 3', action_type: call, counterfactual: {}, "
        "prior_uplift: 0.1, title: t, context: c, script: s}\n"
    )

    with pytest.raises(ValueError, match="play 'broken'"):
        value_candidates(_deals(1), load_playbook(playbook), None, AS_OF)


def test_an_unknown_action_type_is_refused_when_the_playbook_loads(tmp_path):
    playbook = tmp_path / "playbook.yml"
    playbook.write_text(
        "plays:\n  - {id: fax, trigger: 'amount > 0', action_type: fax, counterfactual: {}, "
        "prior_uplift: 0.1, title: t, context: c, script: s}\n"
    )

    with pytest.raises(ValueError, match="action_type 'fax'"):
        load_playbook(playbook)


def test_no_action_with_positive_impact_gives_no_tmva_and_keeps_the_columns():
    # Regression: with nothing eligible, the holdout filter indexed columns and dropped all of them.
    candidates = pd.DataFrame(
        {"opportunity_id": ["o1", "o2"], "owner_id": ["u1", "u1"], "play_id": ["p", "p"], "uplift": [0.0, 0.0],
         "expected_impact_amount": [0.0, 0.0]}
    )  # fmt: skip

    top = select_top_actions(candidates, per_rep=3, holdout_share=0.1)

    assert top.empty and {"owner_id", "rank", "expected_impact_amount"} <= set(top.columns)


def test_the_quarter_end_urgency_follows_the_fiscal_year():
    # A February fiscal year: 2026-01-20 is 11 days before its quarter ends (2026-01-31); with calendar
    # quarters it would be 70 days away and get no urgency.
    assert fiscal_quarter_end(date(2026, 1, 20), 2) == date(2026, 1, 31)
    assert fiscal_quarter_end(date(2026, 1, 20), 1) == date(2026, 3, 31)
    assert fiscal_quarter_end(date(2026, 12, 5), 11) == date(2027, 1, 31)


def test_a_model_that_values_no_play_above_zero_hands_the_valuation_to_the_playbook_priors():
    def indifferent(frame: pd.DataFrame) -> np.ndarray:
        return np.full(len(frame), 0.3)

    by_priors, valued_by_model = value_candidates_or_priors(_deals(3), load_playbook(), indifferent, AS_OF)
    by_recency, recency_valued = value_candidates_or_priors(_deals(3), load_playbook(), _recency_model, AS_OF)

    assert not valued_by_model and (by_priors["expected_impact_amount"] > 0).any()
    assert by_priors.equals(value_candidates(_deals(3), load_playbook(), None, AS_OF))
    assert recency_valued and by_recency.equals(
        value_candidates(_deals(3), load_playbook(), _recency_model, AS_OF)
    )


def _deals_as_read_with_nulls() -> pd.DataFrame:
    """Three open deals as read_frame returns them from a real CRM: a boolean column with a null is an object
    column (True, None, False) and an integer column with a null is a float column with NaN."""
    deals = _deals(3)
    deals["close_date"] = [None, date(2026, 12, 20), date(2027, 3, 1)]
    deals["is_close_date_past"] = [None, False, False]
    deals["days_to_close"] = [np.nan, 5.0, 76.0]
    deals["has_economic_buyer"] = [None, False, True]
    deals["days_since_last_activity"] = [np.nan, 20.0, 20.0]
    return deals


def test_open_deals_without_a_close_date_are_valued_instead_of_crashing_the_run():
    # Regression: a real CRM's open deals without a close date crashed the TMVA step with "Cannot mask with
    # non-boolean array containing NA / NaN values" (the trigger `is_close_date_past`), then in the
    # quarter-end urgency (dates compared with NaT).
    as_of_near_quarter_end = date(2026, 12, 15)

    candidates = value_candidates(_deals_as_read_with_nulls(), load_playbook(), None, as_of_near_quarter_end)

    plays_by_deal = candidates.groupby("opportunity_id")["play_id"].apply(set)
    # A null means "not triggered": no close date has not passed, an unknown buyer is not a missing one.
    assert "confirm_past_close_date" not in plays_by_deal["opp0"]
    assert "reach_economic_buyer" not in plays_by_deal["opp0"]
    assert "re_engage_quiet_deal" not in plays_by_deal["opp0"]
    assert "reach_economic_buyer" in plays_by_deal["opp1"]
    # Only the deal closing this quarter gets the quarter-end urgency; the one without a close date does not.
    stalled = candidates[candidates["play_id"] == "revive_stalled_deal"].set_index("opportunity_id")
    assert stalled.loc["opp0", "expected_impact_amount"] == pytest.approx(10_000 * 0.04)
    assert stalled.loc["opp1", "expected_impact_amount"] == pytest.approx(20_000 * 0.04 * 1.25)


def test_a_trigger_that_asks_for_nulls_gets_them(tmp_path):
    playbook = tmp_path / "playbook.yml"
    playbook.write_text(
        "plays:\n  - {id: set_close_date, trigger: 'close_date.isna()', action_type: call, counterfactual: {}, "
        "prior_uplift: 0.1, title: t, context: c, script: s}\n"
    )

    candidates = value_candidates(_deals_as_read_with_nulls(), load_playbook(playbook), None, AS_OF)

    assert list(candidates["opportunity_id"]) == ["opp0"]


def test_deals_without_an_amount_are_valued_at_zero_and_the_reps_left_without_a_tmva_are_told_why():
    # Regression: a CRM whose open deals carry no amounts gave "TMVAs chosen: 0 for 0 reps" and no reason.
    deals = _deals(6, owners=3)
    deals.loc[deals["owner_id"] == "rep0", "amount"] = np.nan  # rep0: no amounts at all
    deals.loc[deals["owner_id"] == "rep1", "days_in_stage"] = 1  # rep1: deals with amounts that
    deals.loc[deals["owner_id"] == "rep1", "days_since_last_activity"] = 1  # trigger nothing but
    deals.loc[deals["owner_id"] == "rep1", "contacts_engaged_90d"] = (
        3  # (nothing stalled, quiet, single-threaded,
    )
    deals.loc[deals["owner_id"] == "rep1", "has_economic_buyer"] = True  # or missing its buyer)
    playbook = load_playbook()
    candidates = value_candidates(deals, playbook, None, AS_OF)
    top = select_top_actions(candidates, per_rep=3, holdout_share=0.0)

    gaps = tmva_gaps(deals, candidates, top, holdout_share=0.0)

    # No amount is invented: the deals are valued at zero and never chosen.
    no_amount = deals.loc[deals["amount"].isna(), "opportunity_id"]
    assert candidates[candidates["opportunity_id"].isin(no_amount)]["expected_impact_amount"].eq(0).all()
    assert set(top["owner_id"]) == {"rep2"}
    assert gaps.deals_without_amount == 2
    assert gaps.reps_without_tmva == {NO_AMOUNT: 1, NO_PLAY_TRIGGERED: 1}
    assert gap_lines(gaps.deals_without_amount, gaps.reps_without_tmva) == [
        "TMVAs: 2 open deals have no amount: no TMVA can be valued for them (a TMVA is worth amount x uplift); "
        "set Amount on them in the CRM",
        "TMVAs: 2 reps with open deals got none: 1 with only deals without an amount, 1 with no deal that "
        "triggers a play",
    ]
