"""The walk-forward backtest's models (ml/backtest/): point in time, and scored as the morning job scores."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

import ml.backtest.training as backtest_training
from ml.backtest.history import known_before
from ml.backtest.scoring import score_snapshots
from ml.backtest.training import QuarterModels, train_quarter_models
from ml.data.features import BOOLEAN_FEATURES
from tests.ml.synthetic_marts import TODAY, synthetic_snapshots


@pytest.fixture(scope="module")
def snapshots() -> pd.DataFrame:
    """Synthetic snapshots as ml/backtest/history.py reads them: booleans as 0/1, labels as floats, and
    each closed deal's closed date a few days after its last snapshot."""
    frame = synthetic_snapshots(deals=900, weeks=70, seed=7)
    for column in BOOLEAN_FEATURES:
        if column in frame:
            frame[column] = frame[column].astype("float64")
    for label in ("label_won", "label_slipped"):
        frame[label] = frame[label].astype("float64")
    last = frame.groupby("opportunity_id")["as_of_date"].transform("max")
    frame["closed_date"] = np.where(frame["label_won"].notna(), last + timedelta(days=3), None)
    return frame


def test_a_model_for_day_d_learns_only_labels_known_before_d(snapshots, monkeypatch):
    day = TODAY - timedelta(weeks=20)
    seen: list[pd.DataFrame] = []
    real_fit = backtest_training.fit_predictor

    def spy(split, output_column):
        seen.append(pd.concat(list(split.slices().values())))
        return real_fit(split, output_column)

    monkeypatch.setattr(backtest_training, "fit_predictor", spy)
    models = train_quarter_models(snapshots, day, min_closed_per_class=20)

    assert models.win is not None and models.slip is not None
    assert len(seen) == 2  # win and slip
    for rows in seen:
        assert (rows["as_of_date"] < day).all()
        assert (rows["closed_date"] < day).all(), "a label resolved on or after D reached the model"
    # The history does hold deals closed after D with snapshots before it: the filter is what kept them out.
    later = snapshots[(snapshots["as_of_date"] < day) & (snapshots["closed_date"] >= day)]
    assert not later.empty
    assert not set(later["opportunity_id"]) & set(seen[0]["opportunity_id"])


def test_known_before_splits_each_deal_at_its_last_known_snapshot(snapshots):
    day = TODAY - timedelta(weeks=30)
    rows = known_before(snapshots, "label_won", day)
    assert set(rows["label_won"].unique()) == {0, 1}
    last = rows.groupby("opportunity_id")["as_of_date"].max()
    assert (rows.set_index("opportunity_id")["last_as_of_date"] == last.reindex(rows["opportunity_id"])).all()


def test_without_models_scores_fall_back_as_the_morning_job_does(snapshots):
    day = TODAY - timedelta(weeks=20)
    in_quarter = snapshots[snapshots["as_of_date"] >= day].head(50)
    scores = score_snapshots(in_quarter, QuarterModels(day, None, None, {}, {"win": "too few"}))
    assert (scores["score_source"] == "stage_probability").all()
    assert np.allclose(scores["p_win"], in_quarter["stage_default_probability"])
    assert scores["p_close_in_quarter"].isna().all()


def test_with_models_p_close_in_quarter_is_p_win_times_one_minus_p_slip(snapshots):
    day = TODAY - timedelta(weeks=20)
    models = train_quarter_models(snapshots, day, min_closed_per_class=20)
    scores = score_snapshots(snapshots[snapshots["as_of_date"] >= day], models)
    assert (scores["score_source"] == "model").all()
    assert np.allclose(scores["p_close_in_quarter"], scores["p_win"] * (1 - scores["p_slip"]))
    assert scores["p_win"].between(0, 1).all()
