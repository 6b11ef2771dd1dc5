"""The pull-in model (ml/pull_ins): what it learns from, that it learns, and where its probability goes."""

from datetime import date

import numpy as np
import pandas as pd
import psycopg

from ml.pull_ins.history import LABEL, read_pull_in_rows
from ml.pull_ins.model import MIN_PULL_IN_WINS, fit_pull_in_model, pull_in_probabilities
from tests.ml.synthetic_marts import SNAPSHOT_DDL, synthetic_snapshots

# (deal, as-of date, days left in its quarter, dated inside the quarter?, finally won?, closed date)
SNAPSHOTS = [
    ("won_inside", "2026-02-02", 57, False, 1, "2026-03-10"),  # dated in Q2, won in Q1: a pull-in
    ("won_later", "2026-02-02", 57, False, 1, "2026-04-15"),  # won, but in Q2: not one
    ("still_open", "2026-02-02", 57, False, None, None),  # open today, so not won in Q1: a row, label 0
    ("dated_inside", "2026-02-02", 57, True, 1, "2026-03-10"),  # the pipeline's, not a pull-in
    ("q2_pull_in", "2026-05-04", 57, False, 1, "2026-06-01"),  # Q2 ends 2026-06-30
]


def _hand_built_marts(url: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(SNAPSHOT_DDL)
        for deal, as_of, days_left, inside, won, closed in SNAPSHOTS:
            conn.execute(
                "insert into marts.fct_deal_snapshots (opportunity_id, as_of_date, days_left_in_quarter,"
                " is_close_date_in_current_quarter, label_won, amount, stage_name, forecast_category)"
                " values (%s, %s, %s, %s, %s, 1000, 'Negotiation', 'Commit')",
                (deal, as_of, days_left, inside, won),
            )
            conn.execute("insert into staging.stg_crm__opportunities values (%s, %s)", (deal, closed))


def test_pull_ins_are_learned_from_ended_quarters_only_with_open_deals_as_misses(warehouse_url):
    _hand_built_marts(warehouse_url)
    # Q1 has ended on 2026-06-01, Q2 has not: only Q1's snapshots dated outside Q1, open deals included
    rows = read_pull_in_rows(warehouse_url, before=date(2026, 6, 1))
    assert dict(zip(rows["opportunity_id"], rows[LABEL], strict=True)) == {
        "won_inside": 1,
        "won_later": 0,
        "still_open": 0,
    }
    # once Q2 is over, its pull-in counts too
    later = read_pull_in_rows(warehouse_url, before=date(2026, 7, 1))
    assert dict(zip(later["opportunity_id"], later[LABEL], strict=True))["q2_pull_in"] == 1
    # over the cap, a fixed sample: one row in ceil(4 / 2) = 2, the same rows on every read
    sample = read_pull_in_rows(warehouse_url, before=date(2026, 7, 1), cap=2)
    assert not sample.empty and set(sample["opportunity_id"]) < set(later["opportunity_id"])
    assert sample.equals(read_pull_in_rows(warehouse_url, before=date(2026, 7, 1), cap=2))


def _labelled_history(wins_wanted: int) -> pd.DataFrame:
    """Synthetic snapshots where late-stage deals are pulled in far more often than early ones."""
    frame = synthetic_snapshots(deals=800, weeks=70, seed=7)
    late = frame["stage_progress"].to_numpy() >= 0.75
    rng = np.random.default_rng(3)
    frame[LABEL] = (rng.random(len(frame)) < np.where(late, 0.5, 0.03)).astype("int64")
    positives = np.flatnonzero(frame[LABEL].to_numpy() == 1)
    frame.loc[frame.index[positives[wins_wanted:]], LABEL] = 0
    return frame


def test_the_model_learns_which_deals_get_pulled_in():
    history = _labelled_history(wins_wanted=400)
    model = fit_pull_in_model(history)
    assert model is not None and model.wins == 400 and model.rows == len(history)
    p = model.predict(history)
    late = history["stage_progress"].to_numpy() >= 0.75
    assert p[late].mean() > 3 * p[~late].mean()


def test_too_few_pull_ins_leave_the_stage_rates_in_charge():
    assert fit_pull_in_model(_labelled_history(wins_wanted=MIN_PULL_IN_WINS - 1)) is None


def test_only_deals_dated_outside_the_quarter_get_a_pull_in_probability():
    deals = synthetic_snapshots(deals=60, weeks=20, seed=11).head(10).copy()
    deals["is_close_date_in_current_quarter"] = [True, False] * 5
    model = fit_pull_in_model(_labelled_history(wins_wanted=400))
    p = pull_in_probabilities(model, deals)
    assert np.isnan(p[0::2]).all() and ((p[1::2] > 0) & (p[1::2] < 1)).all()
    assert np.isnan(pull_in_probabilities(None, deals)).all()
