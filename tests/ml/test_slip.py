import numpy as np
import psycopg
from mlflow import MlflowClient

from ml.data.targets import SLIP, WIN
from ml.registry.champion import rollback
from ml.registry.client import CHAMPION, load_version
from ml.scoring.score import DEAL_SCORES_DDL, score_open_deals
from ml.training.calibration import fit_calibrator
from ml.training.fitting import best_round
from ml.training.train import train_slip_model, train_win_model
from tests.ml.synthetic_marts import TODAY, build_synthetic_marts
from tests.ml.test_scoring import SCORED_AT


def _train(trainer, warehouse_url, tracking_uri, artifact_root):
    return trainer(
        warehouse_url, tracking_uri, artifact_root, as_of_date=TODAY, min_closed_per_class=30, tags={}
    )


def _slip_scores(warehouse_url: str) -> list[tuple]:
    with psycopg.connect(warehouse_url) as conn:
        return conn.execute(
            "select p_win, p_slip, p_close_in_quarter, slip_model_version from ml.deal_scores"
            " where as_of_date = %s order by opportunity_id",
            (TODAY,),
        ).fetchall()


def test_slip_model_learns_from_won_deals_and_scoring_multiplies_it_into_p_close_in_quarter(
    warehouse_url, tracking_uri, artifact_root
):
    # GIVEN a history where won deals slip more often when the close date is near, past or pushed
    build_synthetic_marts(warehouse_url, deals=800)
    # WHEN both models are trained and the open deals scored
    win = _train(train_win_model, warehouse_url, tracking_uri, artifact_root)
    slip = _train(train_slip_model, warehouse_url, tracking_uri, artifact_root)
    summary = score_open_deals(
        warehouse_url, tracking_uri, artifact_root=artifact_root, as_of_date=TODAY, scored_at=SCORED_AT
    )
    # THEN the slip model is its own registered model and experiment, and beats its stage baseline
    assert win.trained and slip.trained, slip.message
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    assert str(client.get_registered_model(SLIP.model_name).aliases[CHAMPION]) == "1"
    assert client.get_experiment(client.get_run(slip.run_id).info.experiment_id).name == SLIP.experiment_name
    assert load_version(client, SLIP.model_name, "1").predictor.output_column == "p_slip"
    assert slip.metrics["model"]["auc"] > slip.metrics["stage_probability"]["auc"]
    assert slip.metrics["model"]["rows"] < win.metrics["model"]["rows"]  # won deals only
    # AND every open deal has p_close_in_quarter = p_win x (1 - p_slip), from slip champion v1
    rows = _slip_scores(warehouse_url)
    assert summary.slip_model_version == "1" and len(rows) == summary.rows_written > 0
    p_win, p_slip, p_close = (np.array([row[i] for row in rows]) for i in range(3))
    assert np.all((p_slip > 0) & (p_slip < 1))
    assert np.allclose(p_close, p_win * (1 - p_slip), atol=1e-4)
    assert {row[3] for row in rows} == {"1"}


def test_rolling_back_the_slip_champion_leaves_the_win_champion_alone(
    warehouse_url, tracking_uri, artifact_root
):
    build_synthetic_marts(warehouse_url, deals=800)
    _train(train_win_model, warehouse_url, tracking_uri, artifact_root)
    _train(train_slip_model, warehouse_url, tracking_uri, artifact_root)
    assert _train(train_slip_model, warehouse_url, tracking_uri, artifact_root).promotion.promoted
    assert rollback(tracking_uri, SLIP.model_name) == "1"
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    assert str(client.get_registered_model(SLIP.model_name).aliases[CHAMPION]) == "1"
    assert str(client.get_registered_model(WIN.model_name).aliases[CHAMPION]) == "1"


def test_without_a_slip_champion_p_slip_and_p_close_in_quarter_are_null_not_p_win(trained):
    score_open_deals(
        trained.warehouse_url,
        trained.tracking_uri,
        artifact_root=trained.artifact_root,
        as_of_date=TODAY,
        scored_at=SCORED_AT,
    )
    rows = _slip_scores(trained.warehouse_url)
    assert rows and all(row[0] is not None for row in rows)
    assert {row[1:] for row in rows} == {(None, None, None)}


def test_scoring_adds_the_slip_columns_to_a_deal_scores_table_created_before_them(
    warehouse_url, tracking_uri, artifact_root
):
    # GIVEN a deal_scores table as the first release created it (no slip columns)
    build_synthetic_marts(warehouse_url, deals=40)
    first_release_ddl = DEAL_SCORES_DDL.split(";\n-- Added with the slip model")[0]
    with psycopg.connect(warehouse_url) as conn:
        conn.execute("create schema if not exists ml")
        conn.execute(first_release_ddl)
    # WHEN today's deals are scored (no model: the stage probability fallback)
    score_open_deals(
        warehouse_url, tracking_uri, artifact_root=artifact_root, as_of_date=TODAY, scored_at=SCORED_AT
    )
    # THEN the new columns exist and are null
    assert {row[1:] for row in _slip_scores(warehouse_url)} == {(None, None, None)}


def test_a_calibration_slice_that_contradicts_the_trees_gives_the_base_rate_not_an_inverted_ranking():
    # Regression: on the demo preset 10 won deals calibrated the slip model with a negative slope (AUC 0.27).
    raw = np.linspace(-2, 2, 40)
    labels = (raw < -1).astype(int)  # high raw scores never happened: the slice says the opposite
    calibrator = fit_calibrator(raw, labels)
    probabilities = calibrator.apply(raw)
    assert calibrator.parameters["slope"] == [0.0]
    assert np.allclose(probabilities, labels.mean())


def test_early_stopping_never_keeps_fewer_trees_than_the_floor():
    rising = [0.60, 0.55] + [0.56 + 0.001 * i for i in range(198)]  # best at round 2, then worse
    assert best_round(rising, minimum=50) == 50
    falling_then_rising = [1.0 - 0.001 * i for i in range(120)] + [0.9] * 80
    assert best_round(falling_then_rising, minimum=50) == 120
    assert best_round([0.5, 0.4], minimum=50) == 2  # fewer rounds than the floor: keep them all
