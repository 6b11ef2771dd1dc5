"""The quarter-win model (ml/quarter_wins): what it learns from, that it learns, and where its probability goes."""

from datetime import date

import numpy as np
import pandas as pd
import psycopg

from ml.quarter_wins.history import LABEL, read_quarter_win_rows
from ml.quarter_wins.model import MIN_QUARTER_WINS, fit_quarter_win_model, quarter_win_probabilities
from tests.ml.synthetic_marts import SNAPSHOT_DDL, synthetic_snapshots

# (deal, as-of date, days left in its quarter, dated inside the quarter?, finally won?, closed date)
SNAPSHOTS = [
    ("pulled_in", "2026-02-02", 57, False, 1, "2026-03-10"),  # dated in Q2, won in Q1
    ("won_later", "2026-02-02", 57, False, 1, "2026-04-15"),  # won, but in Q2
    ("still_open", "2026-02-02", 57, False, None, None),  # open today, so not won in Q1: a row, label 0
    ("dated_inside", "2026-02-02", 57, True, 1, "2026-03-10"),  # dated in Q1, won in Q1
    ("lost", "2026-02-02", 57, True, 0, "2026-03-01"),
    ("q2_win", "2026-05-04", 57, True, 1, "2026-06-01"),  # Q2 ends 2026-06-30
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


def test_wins_inside_the_quarter_are_learned_from_ended_quarters_only_with_open_deals_as_misses(
    warehouse_url,
):
    _hand_built_marts(warehouse_url)
    # Q1 has ended on 2026-06-01, Q2 has not: only Q1's snapshots, wherever their close date lay, open deals too
    rows = read_quarter_win_rows(warehouse_url, before=date(2026, 6, 1))
    assert dict(zip(rows["opportunity_id"], rows[LABEL], strict=True)) == {
        "pulled_in": 1,
        "won_later": 0,
        "still_open": 0,
        "dated_inside": 1,
        "lost": 0,
    }
    # once Q2 is over, its win counts too
    later = read_quarter_win_rows(warehouse_url, before=date(2026, 7, 1))
    assert dict(zip(later["opportunity_id"], later[LABEL], strict=True))["q2_win"] == 1
    # over the cap, a fixed sample: one row in ceil(6 / 2) = 3, the same rows on every read
    sample = read_quarter_win_rows(warehouse_url, before=date(2026, 7, 1), cap=2)
    assert not sample.empty and set(sample["opportunity_id"]) < set(later["opportunity_id"])
    assert sample.equals(read_quarter_win_rows(warehouse_url, before=date(2026, 7, 1), cap=2))


def _labelled_history(wins_wanted: int) -> pd.DataFrame:
    """Synthetic snapshots where late-stage deals are won inside the quarter far more often than early ones."""
    frame = synthetic_snapshots(deals=800, weeks=70, seed=7)
    late = frame["stage_progress"].to_numpy() >= 0.75
    rng = np.random.default_rng(3)
    frame[LABEL] = (rng.random(len(frame)) < np.where(late, 0.5, 0.03)).astype("int64")
    positives = np.flatnonzero(frame[LABEL].to_numpy() == 1)
    frame.loc[frame.index[positives[wins_wanted:]], LABEL] = 0
    return frame


def test_the_model_learns_which_deals_are_won_inside_the_quarter():
    history = _labelled_history(wins_wanted=400)
    model = fit_quarter_win_model(history)
    assert model is not None and model.wins == 400 and model.rows == len(history)
    p = model.predict(history)
    late = history["stage_progress"].to_numpy() >= 0.75
    assert p[late].mean() > 3 * p[~late].mean()


def test_too_few_wins_leave_the_older_estimates_in_charge():
    assert fit_quarter_win_model(_labelled_history(wins_wanted=MIN_QUARTER_WINS - 1)) is None


def test_every_deal_gets_a_probability_from_a_model_and_none_without_one():
    deals = synthetic_snapshots(deals=60, weeks=20, seed=11).head(10).copy()
    p = quarter_win_probabilities(fit_quarter_win_model(_labelled_history(wins_wanted=400)), deals)
    assert ((p > 0) & (p < 1)).all()
    assert np.isnan(quarter_win_probabilities(None, deals)).all()
