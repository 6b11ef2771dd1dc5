import dataclasses

import numpy as np
import pytest
from mlflow import MlflowClient

from ml.data.dataset import read_labelled_snapshots
from ml.data.splits import split_by_last_snapshot
from ml.data.targets import WIN
from ml.registry.challenger import (
    RUN_TAG,
    challenger_of_run,
    compare_challenger,
    promote_this_runs_challenger,
)
from ml.registry.champion import (
    PromotionDecision,
    apply_decision,
    champion_history,
    promote_if_not_worse,
    recorded_decision,
    rollback,
)
from ml.registry.client import (
    CHAMPION,
    alias_version,
    ensure_experiment,
    load_version,
    mlflow_client,
    register_challenger,
)
from ml.training.calibration import Calibrator
from ml.training.tracking import log_training_run
from ml.training.train import train_win_model
from tests.ml.synthetic_marts import TODAY, build_synthetic_marts


def _train(warehouse_url, tracking_uri, artifact_root):
    return train_win_model(
        warehouse_url, tracking_uri, artifact_root, as_of_date=TODAY, min_closed_per_class=30, tags={}
    )


def test_promotion_refuses_a_clearly_worse_challenger(warehouse_url, tracking_uri, artifact_root):
    # GIVEN a champion trained on the synthetic history
    build_synthetic_marts(warehouse_url, deals=800)
    assert _train(warehouse_url, tracking_uri, artifact_root).promotion.promoted
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    # AND a challenger that ranks deals backwards (same trees, calibration slope flipped)
    champion = load_version(client, WIN.model_name, "1")
    backwards = dataclasses.replace(
        champion.predictor, calibrator=Calibrator("platt", {"slope": [-1.0], "intercept": [0.0]})
    )
    holdout = split_by_last_snapshot(
        read_labelled_snapshots(warehouse_url, before=TODAY, label="label_won"), "label_won"
    ).holdout
    run_id = log_training_run(
        client, ensure_experiment(client, artifact_root, WIN.experiment_name), target=WIN, run_name="backwards", tags={}, params={}, metrics={},
        predictor=backwards, calibration_curves={}, model_card="# backwards", input_example=holdout,
        feature_profile={},
    )  # fmt: skip
    challenger = str(
        register_challenger(client, run_id, model_name=WIN.model_name, description=WIN.predicts).version
    )
    # WHEN it is compared with the champion on the same holdout
    decision = promote_if_not_worse(
        tracking_uri, challenger, holdout, model_name=WIN.model_name, label="label_won"
    )
    # THEN it is refused, the champion stays, and the refusal is recorded on the version
    assert not decision.promoted
    assert decision.challenger_log_loss > decision.champion_log_loss
    assert str(client.get_registered_model(WIN.model_name).aliases[CHAMPION]) == "1"
    tags = client.get_model_version(WIN.model_name, challenger).tags
    assert tags["promotion.decision"] == "rejected"
    assert tags["promotion.compared_with"] == "1"


def test_an_equally_good_retrain_is_promoted_and_rollback_moves_champion_back(
    warehouse_url, tracking_uri, artifact_root
):
    # GIVEN two trainings on the same data (deterministic, so the second is exactly as good)
    build_synthetic_marts(warehouse_url, deals=800)
    _train(warehouse_url, tracking_uri, artifact_root)
    second = _train(warehouse_url, tracking_uri, artifact_root)
    assert second.promotion.promoted and second.promotion.previous_champion_version == "1"
    assert champion_history(tracking_uri, WIN.model_name) == ["1", "2"]
    # WHEN the new champion is rolled back
    restored = rollback(tracking_uri, WIN.model_name)
    # THEN version 1 is champion again, the history forgets version 2, and a second rollback has nowhere to go
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    assert restored == "1"
    assert str(client.get_registered_model(WIN.model_name).aliases[CHAMPION]) == "1"
    assert champion_history(tracking_uri, WIN.model_name) == ["1"]
    assert "rollback" in client.get_model_version(WIN.model_name, "2").tags
    with pytest.raises(ValueError, match="no earlier champion"):
        rollback(tracking_uri, WIN.model_name)


def test_a_challenger_trained_without_promotion_is_decided_by_its_recorded_comparison(
    warehouse_url, tracking_uri, artifact_root
):
    # GIVEN a champion, and a second training registered as challenger only (as the Dagster retrain does)
    build_synthetic_marts(warehouse_url, deals=800)
    _train(warehouse_url, tracking_uri, artifact_root)
    second = train_win_model(
        warehouse_url, tracking_uri, artifact_root, as_of_date=TODAY, min_closed_per_class=30,
        tags={RUN_TAG: "run-2"}, promote=False,
    )  # fmt: skip
    assert second.promotion is None and "registered as challenger" in second.message
    assert alias_version(mlflow_client(tracking_uri), WIN.model_name, CHAMPION) == "1"
    # WHEN the run's challenger is found, compared on its own training holdout, and the decision applied
    assert challenger_of_run(tracking_uri, WIN, "run-1") is None  # another run trained nothing
    assert challenger_of_run(tracking_uri, WIN, "run-2") == "2"
    decision = compare_challenger(WIN, warehouse_url, tracking_uri, "2")
    recorded = recorded_decision(tracking_uri, WIN.model_name, "2")
    assert (recorded.promoted, recorded.previous_champion_version) == (decision.promoted, "1")
    assert abs(recorded.challenger_log_loss - decision.challenger_log_loss) < 1e-6
    outcome = promote_this_runs_challenger(WIN, warehouse_url, tracking_uri, "run-2")
    # THEN the equally good challenger becomes champion, and applying the decision again changes nothing
    assert decision.promoted and outcome.moved and outcome.champion_version == "2"
    assert not apply_decision(tracking_uri, decision, model_name=WIN.model_name)


def test_a_decision_is_not_applied_over_a_champion_that_changed_since_the_comparison(
    warehouse_url, tracking_uri, artifact_root
):
    build_synthetic_marts(warehouse_url, deals=800)
    _train(warehouse_url, tracking_uri, artifact_root)
    _train(warehouse_url, tracking_uri, artifact_root)  # v2 is champion, v1 before it
    stale = PromotionDecision(True, "1", previous_champion_version=None, challenger_log_loss=0.5,
                              champion_log_loss=None, reason="compared when there was no champion")  # fmt: skip

    assert not apply_decision(tracking_uri, stale, model_name=WIN.model_name)
    assert alias_version(mlflow_client(tracking_uri), WIN.model_name, CHAMPION) == "2"


def _backwards_challenger(client, warehouse_url, artifact_root, holdout, dagster_run_id: str) -> str:
    """Version 1's trees with the calibration slope flipped: a model that ranks deals backwards, registered
    as this Dagster run's challenger."""
    backwards = dataclasses.replace(
        load_version(client, WIN.model_name, "1").predictor,
        calibrator=Calibrator("platt", {"slope": [-1.0], "intercept": [0.0]}),
    )
    run_id = log_training_run(
        client, ensure_experiment(client, artifact_root, WIN.experiment_name), target=WIN, run_name="backwards",
        tags={RUN_TAG: dagster_run_id, "data_window.trained_as_of": TODAY.isoformat()}, params={}, metrics={},
        predictor=backwards, calibration_curves={}, model_card="# backwards", input_example=holdout,
        feature_profile={},
    )  # fmt: skip
    return str(
        register_challenger(client, run_id, model_name=WIN.model_name, description=WIN.predicts).version
    )


def test_a_first_champion_must_beat_the_stage_baseline_and_the_outcome_says_why(
    warehouse_url, tracking_uri, artifact_root
):
    # GIVEN no champion yet, and this run's challenger ranking deals worse than the stage probability does
    build_synthetic_marts(warehouse_url, deals=800)
    train_win_model(
        warehouse_url, tracking_uri, artifact_root, as_of_date=TODAY, min_closed_per_class=30, tags={},
        promote=False,
    )  # fmt: skip
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    holdout = split_by_last_snapshot(
        read_labelled_snapshots(warehouse_url, before=TODAY, label="label_won"), "label_won"
    ).holdout
    version = _backwards_challenger(client, warehouse_url, artifact_root, holdout, "run-weak")
    # WHEN the run's champion asset decides
    outcome = promote_this_runs_challenger(WIN, warehouse_url, tracking_uri, "run-weak")
    # THEN nothing is promoted, scores stay on the stage probability, and the outcome gives both AUCs
    assert not outcome.moved and outcome.champion_version is None
    assert alias_version(client, WIN.model_name, CHAMPION) is None
    assert "not above the best baseline" in outcome.message
    assert "scores stay on the stage probability" in outcome.message
    assert recorded_decision(tracking_uri, WIN.model_name, version).promoted is False
    # AND without the floor (MOMENTUM_PROMOTION_FLOOR=none) the same model would have been promoted
    assert compare_challenger(WIN, warehouse_url, tracking_uri, version, stage_floor=False).promoted


def test_a_first_champion_that_beats_the_stage_baseline_is_promoted(
    warehouse_url, tracking_uri, artifact_root
):
    build_synthetic_marts(warehouse_url, deals=800)

    result = _train(warehouse_url, tracking_uri, artifact_root)

    assert result.promotion.promoted
    assert "beats the best baseline" in result.promotion.reason


def test_a_model_that_looks_too_good_to_be_true_is_not_promoted(warehouse_url, tracking_uri, artifact_root):
    # GIVEN a challenger, and a holdout whose outcomes it ranks perfectly (as a leaked feature would)
    build_synthetic_marts(warehouse_url, deals=800)
    train_win_model(
        warehouse_url, tracking_uri, artifact_root, as_of_date=TODAY, min_closed_per_class=30, tags={},
        promote=False,
    )  # fmt: skip
    holdout = split_by_last_snapshot(
        read_labelled_snapshots(warehouse_url, before=TODAY, label="label_won"), "label_won"
    ).holdout
    predicted = load_version(mlflow_client(tracking_uri), WIN.model_name, "1").predict_proba(holdout)
    leaked = holdout.assign(label_won=(predicted >= np.median(predicted)).astype(int))
    # WHEN it is compared (no champion, no floor: only the leak rule can refuse it)
    decision = promote_if_not_worse(tracking_uri, "1", leaked, model_name=WIN.model_name, label="label_won")
    # THEN it is refused as a likely leak
    assert not decision.promoted
    assert "too good to be true" in decision.reason
    assert alias_version(mlflow_client(tracking_uri), WIN.model_name, CHAMPION) is None
