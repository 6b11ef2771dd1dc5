"""The quarter-win model is fitted once per training set and loaded from MLflow after that (ml/quarter_wins/store.py)."""

import numpy as np
import psycopg
from mlflow import MlflowClient

from ml.data.dataset import read_deals_to_score
from ml.quarter_wins import store
from ml.quarter_wins.store import EXPERIMENT_NAME, quarter_win_model_before
from tests.ml.synthetic_marts import TODAY, build_synthetic_marts


def _runs(tracking_uri: str) -> list:
    client = MlflowClient(tracking_uri=tracking_uri)
    experiment = client.get_experiment_by_name(EXPERIMENT_NAME)
    return client.search_runs([experiment.experiment_id]) if experiment else []


def _no_refit(rows):
    raise AssertionError("the model of an unchanged training set was fitted again")


def test_a_training_set_is_fitted_once_then_loaded_and_a_changed_one_is_fitted_anew(
    warehouse_url, tracking_uri, artifact_root, monkeypatch
):
    # GIVEN a history whose ended quarters hold enough wins inside their quarter, and today's open deals
    build_synthetic_marts(warehouse_url, deals=800)
    deals = read_deals_to_score(warehouse_url)
    # WHEN the model of the quarters ended before today is asked for, then asked for again with fitting disabled
    fitted = quarter_win_model_before(warehouse_url, tracking_uri, artifact_root, TODAY)
    fit = store.fit_quarter_win_model
    monkeypatch.setattr(store, "fit_quarter_win_model", _no_refit)
    loaded = quarter_win_model_before(warehouse_url, tracking_uri, artifact_root, TODAY)
    # THEN one run holds it, and the loaded model is the fitted one: same rows, wins and probabilities
    assert fitted is not None and loaded is not None
    assert len(_runs(tracking_uri)) == 1
    assert (loaded.rows, loaded.wins) == (fitted.rows, fitted.wins)
    np.testing.assert_array_equal(loaded.predict(deals), fitted.predict(deals))
    # AND once the training rows change (a snapshot of an ended quarter is gone), the model is fitted and logged anew
    monkeypatch.setattr(store, "fit_quarter_win_model", fit)
    with psycopg.connect(warehouse_url) as conn:
        conn.execute(
            "delete from marts.fct_deal_snapshots where ctid = (select ctid from marts.fct_deal_snapshots"
            " where as_of_date + days_left_in_quarter < %s limit 1)",
            (TODAY,),
        )
    refitted = quarter_win_model_before(warehouse_url, tracking_uri, artifact_root, TODAY)
    assert refitted is not None and refitted.rows == fitted.rows - 1
    assert len(_runs(tracking_uri)) == 2
