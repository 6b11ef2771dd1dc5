from datetime import date, timedelta

import pandas as pd

from ml.data.splits import split_by_last_snapshot
from tests.ml.synthetic_marts import synthetic_snapshots


def _labelled(deals: int = 400) -> pd.DataFrame:
    frame = synthetic_snapshots(deals=deals, weeks=60, seed=3)
    frame = frame[frame["label_won"].notna()].copy()
    frame["last_as_of_date"] = frame.groupby("opportunity_id")["as_of_date"].transform("max")
    frame["label_won"] = frame["label_won"].astype(int)
    return frame


def test_split_never_puts_one_deal_on_both_sides():
    # GIVEN labelled weekly snapshots where most deals have many snapshots spanning several slices' dates
    snapshots = _labelled()
    # WHEN split by time
    split = split_by_last_snapshot(snapshots, "label_won")
    # THEN every deal is in exactly one slice and no snapshot is lost
    deal_sets = [set(rows["opportunity_id"]) for rows in split.slices().values()]
    for i, first in enumerate(deal_sets):
        for second in deal_sets[i + 1 :]:
            assert not first & second
    assert sum(len(rows) for rows in split.slices().values()) == len(snapshots)
    assert split.problem() is None


def test_slices_are_ordered_by_each_deals_last_snapshot_with_the_newest_deals_held_out():
    split = split_by_last_snapshot(_labelled(), "label_won")
    slices = list(split.slices().values())
    for older, newer in zip(slices, slices[1:], strict=False):
        assert older["last_as_of_date"].max() < newer["last_as_of_date"].min()
    holdout_deals = split.holdout["opportunity_id"].nunique()
    all_deals = sum(rows["opportunity_id"].nunique() for rows in slices)
    assert 0.15 <= holdout_deals / all_deals <= 0.30


def test_a_history_of_three_quarters_or_more_is_split_into_whole_quarters():
    # GIVEN 60 weeks of weekly snapshots (deals' last snapshots span more than three quarters)
    split = split_by_last_snapshot(_labelled(), "label_won")
    newest = split.holdout["last_as_of_date"].max()
    # THEN the holdout is the deals whose last snapshot is in the newest 13 weeks, and early stopping plus
    # calibration (the calibrator's rows) the 13 weeks before, halved by date
    assert split.method == "quarters"
    assert split.holdout["last_as_of_date"].min() > newest - timedelta(weeks=13)
    assert split.calibration["last_as_of_date"].max() <= newest - timedelta(weeks=13)
    assert split.early_stopping["last_as_of_date"].min() > newest - timedelta(weeks=26)
    assert split.fit["last_as_of_date"].max() <= newest - timedelta(weeks=26)
    halves = [
        split.early_stopping["last_as_of_date"].nunique(),
        split.calibration["last_as_of_date"].nunique(),
    ]
    assert halves in ([6, 7], [7, 6])


def test_a_history_shorter_than_three_quarters_is_split_by_shares_of_deals():
    snapshots = _labelled()
    newest = snapshots["last_as_of_date"].max()
    recent = snapshots[snapshots["last_as_of_date"] > newest - timedelta(weeks=30)]
    split = split_by_last_snapshot(recent, "label_won")
    assert split.method == "deal_shares"
    holdout_share = split.holdout["opportunity_id"].nunique() / recent["opportunity_id"].nunique()
    assert 0.15 <= holdout_share <= 0.25


def test_history_of_a_single_week_is_reported_as_too_short_to_split():
    monday = date(2026, 1, 5)
    snapshots = pd.DataFrame(
        {
            "opportunity_id": [f"d{i}" for i in range(40)],
            "as_of_date": monday,
            "last_as_of_date": monday,
            "label_won": [i % 2 for i in range(40)],
        }
    )
    problem = split_by_last_snapshot(snapshots, "label_won").problem()
    assert problem is not None and "too few weeks" in problem
    # Two weeks are still too few for four slices.
    snapshots.loc[:19, "last_as_of_date"] = monday - timedelta(weeks=1)
    assert split_by_last_snapshot(snapshots, "label_won").problem() is not None
