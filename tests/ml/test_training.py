from datetime import date

import psycopg
from mlflow import MlflowClient

from ml.data.targets import WIN
from ml.registry.client import CHALLENGER, CHAMPION
from ml.training.fitting import TREE_SHAPES
from ml.training.train import train_win_model
from tests.ml.synthetic_marts import SNAPSHOT_DDL, TODAY, build_synthetic_marts


def test_training_logs_params_metrics_and_artifacts_and_registers_challenger_and_champion(trained):
    # GIVEN 800 deals of synthetic history whose outcome depends on the features
    # WHEN the first model was trained (the shared `trained` fixture, tagged with a Dagster run id)
    result = trained.result
    # THEN one finished run holds tags, params, metrics for the model and the baseline, plots, card and model
    assert result.trained and result.model_version == "1", result.message
    client = MlflowClient(tracking_uri=trained.tracking_uri, registry_uri=trained.tracking_uri)
    run = client.get_run(result.run_id)
    assert run.info.status == "FINISHED"
    assert run.data.tags["dagster_run_id"] == "run-42"
    assert run.data.tags["data_window.trained_as_of"] == TODAY.isoformat()
    # The tree shape the bounded tuning chose, and the shared LightGBM parameters
    assert run.data.params["num_leaves"] in {str(shape["num_leaves"]) for shape in TREE_SHAPES}
    assert run.data.params["lgb_learning_rate"] == "0.05"
    for metric in ("auc", "log_loss", "brier", "ece", "lift_top_decile"):
        assert f"holdout_{metric}" in run.data.metrics
        assert f"baseline_stage_{metric}" in run.data.metrics
        assert f"baseline_crm_probability_{metric}" in run.data.metrics
    artifacts = {item.path for item in client.list_artifacts(result.run_id)}
    assert {
        "calibration.png",
        "feature_importance.png",
        "model_card.md",
        "features.json",
        "feature_profile.json",
        "model",
    } <= artifacts
    assert "model/MLmodel" in {item.path for item in client.list_artifacts(result.run_id, "model")}
    # AND the version carries both aliases, with the decision recorded on it
    aliases = client.get_registered_model(WIN.model_name).aliases
    assert str(aliases[CHALLENGER]) == str(aliases[CHAMPION]) == "1"
    assert client.get_model_version(WIN.model_name, "1").tags["promotion.decision"] == "promoted"
    # AND the model learned something the stage probability does not know
    assert result.metrics["model"]["auc"] > result.metrics["stage_probability"]["auc"] + 0.1
    assert result.metrics["model"]["log_loss"] < result.metrics["stage_probability"]["log_loss"]


def test_too_few_closed_deals_trains_nothing_and_says_why_in_one_line(
    warehouse_url, tracking_uri, artifact_root
):
    # GIVEN a young CRM: 40 deals, of which fewer than 30 won and 30 lost
    marts = build_synthetic_marts(warehouse_url, deals=40)
    assert min(marts.won_deals, marts.lost_deals) < 30
    # WHEN training is asked for
    result = train_win_model(
        warehouse_url, tracking_uri, artifact_root, as_of_date=TODAY, min_closed_per_class=30, tags={}
    )
    # THEN nothing is trained or registered, and the message counts DEALS and names the fallback
    assert not result.trained and result.run_id is None
    assert result.message == (
        f"not enough closed deals to train: {marts.won_deals} won, {marts.lost_deals} lost, need 30 of each;"
        " scores fall back to stage probability"
    )
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    assert client.search_registered_models() == []


def _closed_deals_without_stage_history(warehouse_url: str, *, won: int, lost: int, history: bool) -> None:
    """The shape of a real CRM import with no OpportunityHistory: closed deals in marts.fct_win_loss, each
    with only the history-less version int_opportunity_history_versioned gives such a deal, no activities,
    and no labelled snapshot (a deal without history appears only in today's snapshot, open deals only)."""
    ids = [(f"006{n:06d}", n < won) for n in range(won + lost)]
    with psycopg.connect(warehouse_url) as conn:
        conn.execute(SNAPSHOT_DDL)
        conn.execute(
            "create table marts.fct_win_loss (opportunity_id text, is_won boolean, closed_date date);"
            "create schema intermediate;"
            "create table intermediate.int_opportunity_history_versioned (opportunity_id text, is_from_history boolean);"
            "create table intermediate.int_activities_unioned (activity_id text)"
        )
        with conn.cursor() as cursor:
            cursor.executemany(
                "insert into marts.fct_win_loss values (%s, %s, %s)",
                [(i, w, date(2026, 6, 1)) for i, w in ids],
            )
            cursor.executemany(
                "insert into intermediate.int_opportunity_history_versioned values (%s, %s)",
                [(i, history) for i, _ in ids],
            )


def test_closed_deals_without_stage_history_are_named_as_missing_history_not_missing_deals(
    warehouse_url, tracking_uri, artifact_root
):
    # Regression: with 4,238 won and 2,473 lost deals but no stage history, retrain said only "not enough
    # closed deals to train: 0 won, 0 lost": true of the snapshots, wrong for the user.
    _closed_deals_without_stage_history(warehouse_url, won=60, lost=40, history=False)

    result = train_win_model(
        warehouse_url, tracking_uri, artifact_root, as_of_date=TODAY, min_closed_per_class=30, tags={}
    )

    assert not result.trained
    assert result.message == (
        "not enough closed deals to train: 0 won, 0 lost, need 30 of each; stage history is missing: the CRM "
        "has 60 won and 40 lost deals, but opportunity_history is empty (training needs each deal's stage as it "
        "stood week by week; import OpportunityHistory or the deal stage history; a HubSpot export carries it "
        'only in its "Date entered" stage properties); no activities (tasks, events) '
        "either: activity features will all be zero; scores fall back to stage probability"
    )


def test_closed_deals_with_stage_history_are_not_called_missing_history(
    warehouse_url, tracking_uri, artifact_root
):
    _closed_deals_without_stage_history(warehouse_url, won=60, lost=40, history=True)

    result = train_win_model(
        warehouse_url, tracking_uri, artifact_root, as_of_date=TODAY, min_closed_per_class=30, tags={}
    )

    assert "stage history" not in result.message and "no activities" in result.message
