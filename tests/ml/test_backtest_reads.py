"""The backtest reads the warehouse in bounded pieces (ml/backtest/history.py) and writes scores quarter by
quarter (ml/backtest/store.py): a sampled training read that stays point in time, one quarter's snapshots,
and a table replaced whole only when every quarter is written."""

from datetime import timedelta

import pandas as pd
import psycopg
import pytest

from ml.backtest.history import (
    read_quarter_snapshots,
    read_snapshots,
    read_training_rows,
    training_sample_step,
)
from ml.backtest.store import STORED_COLUMNS, BacktestScoresWriter
from tests.ml.synthetic_marts import TODAY, build_synthetic_marts


@pytest.fixture
def marts_url(warehouse_url):
    build_synthetic_marts(warehouse_url, deals=600, weeks=40)
    return warehouse_url


def test_the_training_sample_keeps_one_weekly_row_in_k_of_deals_closed_before_the_day(marts_url):
    day = TODAY - timedelta(weeks=8)
    everything = read_training_rows(marts_url, day, step=1)
    sample = read_training_rows(marts_url, day, step=3)

    for rows in (everything, sample):
        assert (rows["as_of_date"] < day).all()
        assert (rows["closed_date"] < day).all(), "a deal still open on the day reached the training rows"
    # About a third of the rows, every one of them a row of the full read, spread over most deals
    assert 0.25 < len(sample) / len(everything) < 0.42
    key = ["opportunity_id", "as_of_date"]
    assert len(sample.merge(everything[key], on=key)) == len(sample)
    assert sample["opportunity_id"].nunique() > 0.6 * everything["opportunity_id"].nunique()
    # and a deal keeps rows 3 weeks apart (the same weeks on every run)
    dated = sample.assign(as_of_date=pd.to_datetime(sample["as_of_date"])).sort_values(key)
    gaps = dated.groupby("opportunity_id")["as_of_date"].diff().dropna()
    assert (gaps.dt.days % 21 == 0).all()
    assert read_training_rows(marts_url, day, step=3).equals(sample)


def test_the_sample_step_keeps_the_training_rows_under_the_cap(marts_url):
    rows = len(read_training_rows(marts_url, TODAY, step=1))
    assert training_sample_step(marts_url, TODAY, cap=rows) == 1
    step = training_sample_step(marts_url, TODAY, cap=rows // 4)
    assert step in (4, 5)
    assert len(read_training_rows(marts_url, TODAY, step=step)) < 0.4 * rows


def test_a_quarter_read_holds_every_snapshot_of_its_dates_open_deals_included(marts_url):
    start, end = TODAY - timedelta(weeks=12), TODAY - timedelta(days=1)
    quarter = read_quarter_snapshots(marts_url, start, end)
    everything = read_snapshots(marts_url, before=TODAY + timedelta(days=1))
    expected = everything[(everything["as_of_date"] >= start) & (everything["as_of_date"] <= end)]
    assert len(quarter) == len(expected) > 0
    assert quarter["closed_date"].isna().any() and quarter["label_won"].isna().any()
    # Compact types: the numbers as float32, the categoricals as categories
    assert quarter["days_in_stage"].dtype == "float32"
    assert isinstance(quarter["segment"].dtype, pd.CategoricalDtype)


def _scores(day, ids):
    return pd.DataFrame(
        {
            "opportunity_id": ids,
            "as_of_date": day,
            "p_win": 0.4,
            "p_slip": [None] * len(ids),
            "p_close_in_quarter": [None] * len(ids),
            "p_won_in_quarter": [None] * len(ids),
            "score_source": "model",
            "trained_as_of": day,
            "backtest_run_id": "run",
        }
    )[list(STORED_COLUMNS)]


def test_scores_written_quarter_by_quarter_replace_the_table_only_at_commit(warehouse_url):
    with BacktestScoresWriter(warehouse_url) as writer:
        writer.write(_scores(TODAY, ["old"]))
        writer.commit()

    with BacktestScoresWriter(warehouse_url) as writer:
        writer.write(_scores(TODAY - timedelta(weeks=14), ["a", "b"]))
        writer.write(_scores(TODAY, ["c"]))
        with psycopg.connect(warehouse_url) as conn:  # another session still reads the previous backtest
            assert conn.execute("select opportunity_id from ml.deal_scores_backtest").fetchall() == [("old",)]
        assert writer.commit() == 3

    with psycopg.connect(warehouse_url) as conn:
        rows = conn.execute(
            "select opportunity_id, p_win, p_slip from ml.deal_scores_backtest order by opportunity_id"
        ).fetchall()
    assert rows == [("a", 0.4, None), ("b", 0.4, None), ("c", 0.4, None)]
