from datetime import UTC, datetime

import mlflow
import numpy as np
import psycopg
from mlflow import MlflowClient

from ml.data.dataset import read_deals_to_score
from ml.data.targets import WIN
from ml.registry.client import load_champion
from ml.scoring.score import score_open_deals
from tests.ml.synthetic_marts import TODAY, build_synthetic_marts

SCORED_AT = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)


def _scores(warehouse_url: str) -> list[tuple]:
    with psycopg.connect(warehouse_url) as conn:
        return conn.execute(
            "select opportunity_id, p_win, score_source, model_name, model_version, top_factors_for,"
            " top_factors_against from ml.deal_scores where as_of_date = %s order by opportunity_id",
            (TODAY,),
        ).fetchall()


def test_scoring_writes_one_row_per_open_deal_with_p_win_and_factors_in_words(trained):
    # GIVEN a champion and today's open deals
    warehouse_url, tracking_uri, marts = trained.warehouse_url, trained.tracking_uri, trained.marts
    # WHEN today's deals are scored twice (a re-run of the morning job)
    first = score_open_deals(
        warehouse_url,
        tracking_uri,
        artifact_root=trained.artifact_root,
        as_of_date=TODAY,
        scored_at=SCORED_AT,
    )
    rows_after_first = _scores(warehouse_url)
    second = score_open_deals(
        warehouse_url,
        tracking_uri,
        artifact_root=trained.artifact_root,
        as_of_date=TODAY,
        scored_at=SCORED_AT,
    )
    rows = _scores(warehouse_url)
    # THEN exactly one row per open deal, the same rows both times (deterministic, replaced not appended)
    assert first.rows_written == second.rows_written == marts.open_deals == len(rows)
    assert len({row[0] for row in rows}) == len(rows)
    assert rows == rows_after_first
    assert all(0.0 <= row[1] <= 1.0 and round(row[1], 4) == row[1] for row in rows)
    assert {row[2:5] for row in rows} == {("model", WIN.model_name, "1")}
    # AND the factors read as words with numbers, never as column names
    factors = [text for row in rows for text in row[5:7] if text]
    assert len(factors) > len(rows)  # most deals have factors on both sides
    assert all("_" not in text and len(text.split("; ")) <= 3 for text in factors)
    assert any(word in " ".join(factors) for word in ("no activity in", "contacts engaged", "economic buyer"))


def test_without_a_champion_scores_fall_back_to_the_stage_probability(
    warehouse_url, tracking_uri, artifact_root
):
    marts = build_synthetic_marts(warehouse_url, deals=60)
    summary = score_open_deals(
        warehouse_url, tracking_uri, artifact_root=artifact_root, as_of_date=TODAY, scored_at=SCORED_AT
    )
    rows = _scores(warehouse_url)
    stage = read_deals_to_score(warehouse_url).set_index("opportunity_id")["stage_default_probability"]
    assert summary.score_source == "stage_probability" and summary.rows_written == marts.open_deals == len(
        rows
    )
    assert all(row[1] == stage[row[0]] and row[2:5] == ("stage_probability", "stage_default_probability",
               "stage-default") for row in rows)  # fmt: skip


def test_the_champion_rescores_a_counterfactual_and_matches_the_registered_pyfunc(trained, tmp_path):
    # GIVEN the champion and today's deals, with the economic buyer engaged and answering on every deal
    champion = load_champion(trained.tracking_uri, model_name=WIN.model_name)
    deals = read_deals_to_score(trained.warehouse_url)
    engaged = deals.assign(has_economic_buyer=1, two_way_touch_share=0.9)
    # WHEN both frames are scored
    now, counterfactual = champion.predict_proba(deals), champion.predict_proba(engaged)
    # THEN p_win rises on average (the synthetic truth rewards a buyer who engages)
    assert champion.version == "1" and len(now) == len(deals)
    assert counterfactual.mean() > now.mean()
    # AND the registered pyfunc, loaded the way any MLflow user would, gives the same probabilities
    client = MlflowClient(tracking_uri=trained.tracking_uri, registry_uri=trained.tracking_uri)
    version = client.get_model_version_by_alias(WIN.model_name, "champion")
    local = client.download_artifacts(version.run_id, "model", str(tmp_path))
    pyfunc = mlflow.pyfunc.load_model(local)
    np.testing.assert_allclose(pyfunc.predict(champion.predictor.inputs(deals))["p_win"].to_numpy(), now)


def test_scoring_gives_every_deal_its_probability_of_a_win_inside_the_quarter(trained):
    warehouse_url, tracking_uri = trained.warehouse_url, trained.tracking_uri
    summary = score_open_deals(
        warehouse_url,
        tracking_uri,
        artifact_root=trained.artifact_root,
        as_of_date=TODAY,
        scored_at=SCORED_AT,
    )
    with psycopg.connect(warehouse_url) as conn:
        rows = conn.execute(
            "select p_won_in_quarter, p_win from ml.deal_scores where as_of_date = %s", (TODAY,)
        ).fetchall()
    # the synthetic history holds ended quarters with plenty of wins: a model was fitted on them
    assert summary.quarter_model_training_rows and summary.quarter_model_training_rows > 0
    assert rows and all(p is not None and 0 < p < 1 for p, _ in rows)
    # its own probabilities, not a product of the win model's
    assert any(abs(p - p_win) > 0.05 for p, p_win in rows)
