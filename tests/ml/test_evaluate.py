import json
import re
from pathlib import Path

import psycopg

from ml.evaluation.report import evaluate
from ml.evaluation.truth import truth_readable
from orchestration.evaluate_cli import render_table
from tests.ml.synthetic_marts import TODAY, build_synthetic_marts

METRICS = {"auc", "log_loss", "brier", "ece", "n"}
ML_DIR = Path(__file__).resolve().parents[2] / "ml"


def _add_truth(warehouse_url: str) -> None:
    """A simulator's truth for every snapshot, sharper than any model: P(win) 0.8 for deals that are won,
    and for won deals P(slip | won) 0.8 where they slipped, 0.1 where they did not."""
    with psycopg.connect(warehouse_url) as conn:
        conn.execute(
            "create schema if not exists sim_truth;"
            " create table if not exists sim_truth.deal_daily (opportunity_id text, as_of_date date,"
            " true_p_win double precision, true_p_win_in_quarter double precision,"
            " primary key (opportunity_id, as_of_date));"
            " truncate sim_truth.deal_daily;"
            " insert into sim_truth.deal_daily select opportunity_id, as_of_date, p_win,"
            " p_win * (1 - case label_slipped::int when 1 then 0.8 when 0 then 0.1 else 0.5 end)"
            " from (select *, case when label_won = 1 then 0.8 else 0.2 end as p_win"
            " from marts.fct_deal_snapshots) as s"
        )


def test_evaluate_reports_champion_baselines_and_oracle_in_the_documented_shape(trained):
    # GIVEN the shared win champion, no slip champion, and a readable truth
    _add_truth(trained.warehouse_url)
    assert truth_readable(trained.warehouse_url)
    # WHEN evaluated on the same holdout the champion was trained against
    report = evaluate(trained.warehouse_url, trained.tracking_uri, TODAY, truth_readable=True)
    # THEN win has the model, its three baselines and the oracle, each with the contract's metrics
    assert set(report) == {"win", "slip", "window"}
    scorers = {"model", "stage_baseline", "crm_probability_baseline", "forecast_category_baseline", "oracle"}
    assert set(report["win"]) == scorers | {"by_segment", "by_stage"}
    assert all(set(report["win"][scorer]) >= METRICS for scorer in scorers)
    # AND the breakdowns cover every holdout row once, per segment and per stage
    for breakdown in ("by_segment", "by_stage"):
        parts = report["win"][breakdown].values()
        assert sum(part["model"]["n"] for part in parts) == report["win"]["model"]["n"]
    assert set(report["win"]["by_segment"]) <= {"SMB", "MM", "ENT", "unknown"}
    assert report["win"]["model"]["version"] == "1"
    assert report["win"]["model"]["trained_as_of"] == TODAY.isoformat()
    # AND the numbers agree with training's own holdout metrics (same rows, same model)
    assert abs(report["win"]["model"]["auc"] - trained.result.metrics["model"]["auc"]) < 1e-9
    assert report["win"]["model"]["n"] == report["window"]["win"]["n"] == report["win"]["oracle"]["n"]
    assert report["win"]["oracle"]["auc"] > report["win"]["model"]["auc"]
    # AND the CRM field baseline scores the reps' typed numbers, not a copy of the stage default
    assert report["win"]["crm_probability_baseline"]["brier"] != report["win"]["stage_baseline"]["brier"]
    # AND slip has its baselines and the oracle (the true P(slip | won)) but no model (no slip champion)
    assert set(report["slip"]) == {
        "stage_baseline",
        "forecast_category_baseline",
        "oracle",
        "by_segment",
        "by_stage",
    }
    assert report["slip"]["oracle"]["auc"] == 1.0
    # AND it is valid JSON (no NaN) and renders for people
    json.dumps(report, allow_nan=False)
    table = render_table(report)
    assert "model v1" in table and "oracle" in table and "no slip champion yet" in table


def test_evaluate_leaves_out_the_oracle_where_the_truth_is_not_readable(warehouse_url, tracking_uri):
    build_synthetic_marts(warehouse_url, deals=800)
    assert not truth_readable(warehouse_url)  # a real warehouse has no sim_truth schema
    report = evaluate(warehouse_url, tracking_uri, TODAY, truth_readable=False)
    assert "oracle" not in report["win"] and "model" not in report["win"]
    assert report["window"]["truth_readable"] is False


def test_evaluate_says_why_when_there_is_no_history_to_hold_out(warehouse_url, tracking_uri):
    build_synthetic_marts(warehouse_url, deals=3, weeks=2)
    report = evaluate(warehouse_url, tracking_uri, TODAY, truth_readable=False)
    assert report["win"]["note"].startswith("no win holdout:")
    assert "no win holdout" in render_table(report)


def test_only_evaluation_code_reads_the_simulator_truth():
    # The truth must never reach training or scoring: one module reads it and only evaluation imports it.
    modules = {path.relative_to(ML_DIR).as_posix(): path.read_text() for path in ML_DIR.rglob("*.py")}
    readers = {name for name, text in modules.items() if re.search(r"sim_truth\.", text)}
    importers = {name for name, text in modules.items() if "ml.evaluation.truth" in text}
    assert readers == {"evaluation/truth.py"}
    assert importers == {"evaluation/report.py"}
