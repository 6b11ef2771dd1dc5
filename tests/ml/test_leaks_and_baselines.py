"""Promotion on real-data shapes: a first model must beat the BEST baseline, and a model that looks leaked
(holdout AUC too good to be true, or one feature carrying most of the gain) is never promoted and the run
names the suspect feature (ml/evaluation/leakage.py, ml/registry/champion.py)."""

import lightgbm as lgb
import numpy as np
import pandas as pd
import psycopg
from mlflow import MlflowClient

from ml.data.targets import WIN
from ml.evaluation.leakage import DOMINANT_FEATURE_SHARE, leak_suspicion, top_feature
from ml.registry.client import CHAMPION, alias_version
from ml.training.train import train_win_model
from tests.ml.synthetic_marts import TODAY, build_synthetic_marts


def _train(warehouse_url, tracking_uri, artifact_root):
    return train_win_model(
        warehouse_url, tracking_uri, artifact_root, as_of_date=TODAY, min_closed_per_class=30, tags={}
    )


def _run_tags(tracking_uri: str, run_id: str) -> dict[str, str]:
    return MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri).get_run(run_id).data.tags


def test_a_first_model_that_does_not_beat_the_crm_probability_baseline_is_not_promoted(
    warehouse_url, tracking_uri, artifact_root
):
    # Regression: a first model at chance level was promoted because it beat the stage probability, though
    # the forecast category (the rep's own call) ranked deals better. Here the reps' typed probability is
    # sharper than anything the model can learn from the activity features.
    build_synthetic_marts(warehouse_url, deals=800)
    with psycopg.connect(warehouse_url) as conn:
        conn.execute(
            "update marts.fct_deal_snapshots set crm_probability = case when label_won = 1 then 0.9 else 0.1 end"
        )

    result = _train(warehouse_url, tracking_uri, artifact_root)

    assert result.trained and not result.promotion.promoted
    assert "not above the best baseline (crm_probability 1.000)" in result.promotion.reason
    assert "scores stay on the stage probability" in result.promotion.reason
    assert alias_version(MlflowClient(tracking_uri, tracking_uri), WIN.model_name, CHAMPION) is None


def test_a_model_on_a_leaked_label_is_not_promoted_and_the_run_names_the_suspect_feature(
    warehouse_url, tracking_uri, artifact_root
):
    # Regression: a model on the final amount (0 on every lost deal, as a CRM export carries it) scored a
    # holdout AUC of 1.000, was promoted, and wrote 0.01 to every open deal.
    build_synthetic_marts(warehouse_url, deals=800)
    with psycopg.connect(warehouse_url) as conn:
        conn.execute("update marts.fct_deal_snapshots set amount = 0 where label_won = 0")

    result = _train(warehouse_url, tracking_uri, artifact_root)

    assert result.trained and not result.promotion.promoted
    assert result.top_feature.name == "amount" and result.top_feature.dominates
    assert result.promotion.suspect_feature == "amount"
    assert "suspect feature: amount" in result.promotion.reason
    tags = _run_tags(tracking_uri, result.run_id)
    assert tags["suspect_feature"] == "amount" and tags["top_feature"] == "amount"
    assert alias_version(MlflowClient(tracking_uri, tracking_uri), WIN.model_name, CHAMPION) is None


def test_an_honest_model_spreads_its_gain_and_is_not_suspected(trained):
    # The synthetic history's model: its top feature stays well under the threshold.
    assert trained.result.promotion.promoted
    assert trained.result.top_feature.gain_share < DOMINANT_FEATURE_SHARE
    assert trained.result.promotion.suspect_feature is None


def _booster(columns: dict[str, np.ndarray], label: np.ndarray) -> lgb.Booster:
    data = lgb.Dataset(pd.DataFrame(columns), label=label)
    return lgb.train({"objective": "binary", "verbose": -1, "num_threads": 1}, data, num_boost_round=20)


def test_a_holdout_auc_of_098_is_too_good_to_be_true_and_one_leaning_feature_is_named():
    rng = np.random.default_rng(3)
    label = rng.integers(0, 2, 2000)
    spread = _booster({"a": label + rng.normal(0, 1.5, 2000), "b": label + rng.normal(0, 1.5, 2000)}, label)
    leaning = _booster({"leak": label + rng.normal(0, 0.3, 2000), "noise": rng.normal(size=2000)}, label)

    assert leak_suspicion(0.97, spread) is None
    assert "too good to be true (>= 0.98)" in leak_suspicion(0.98, spread)
    assert top_feature(leaning).name == "leak"
    assert leak_suspicion(0.90, leaning).startswith("suspect feature: leak carries")
