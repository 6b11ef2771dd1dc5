"""A young CRM with a few dozen closed deals, on the production defaults: no model is trained, every deal
is scored with its stage's default probability, and the run says why in one line."""

from datetime import date

import dagster as dg
import psycopg

from orchestration.runner import run_job
from simulator.build import build_demo_crm, demo_today
from warehouse.settings import load_settings


def _query(url: str, statement: str):
    with psycopg.connect(url) as conn:
        return conn.execute(statement).fetchall()


def test_too_few_closed_deals_fall_back_to_stage_probability_and_the_run_says_why(
    warehouse_url, tmp_path, monkeypatch
):
    # GIVEN the tiny demo CRM and the production threshold (200 won and 200 lost deals)
    monkeypatch.setenv("MOMENTUM_WAREHOUSE_URL", warehouse_url)
    monkeypatch.setenv("MOMENTUM_HOME", str(tmp_path / "momentum_home"))
    monkeypatch.delenv("MOMENTUM_MIN_CLOSED_DEALS", raising=False)
    build_demo_crm(warehouse_url, preset="tiny", seed=11, today=date(2026, 11, 23))
    [(closed,)] = _query(warehouse_url, "select count(*) from crm.opportunity where is_closed")
    assert 10 <= closed < 200
    as_of = demo_today(warehouse_url)
    settings = load_settings()

    # WHEN the retrain and the morning job run
    retrain = run_job(settings, "retrain", as_of, instance=dg.DagsterInstance.ephemeral())
    morning = run_job(settings, "morning", as_of, instance=dg.DagsterInstance.ephemeral())

    # THEN both succeed, and the retrain says in one line why no model was trained
    assert retrain.success and morning.success, (retrain.failed_steps, morning.failed_steps)
    outcome = retrain.model_outcomes["ml/win_model"]
    assert outcome.startswith("not enough closed deals to train: ")
    assert outcome.endswith("need 200 of each; scores fall back to stage probability")
    assert "\n" not in outcome
    # AND every open deal is scored with its stage's default probability, marked as such
    assert _query(warehouse_url, "select distinct score_source, model_version from ml.deal_scores") == [
        ("stage_probability", "stage-default")
    ]
    mismatched = _query(
        warehouse_url,
        "select count(*) from crm.opportunity o join crm.opportunity_stage s on lower(s.stage_name) = lower(trim(o.stage_name))"
        " where not o.is_closed and o.ai_win_probability is distinct from s.default_probability / 100",
    )
    assert mismatched == [(0,)]
    # AND no quarter number is made up without a slip model
    assert _query(warehouse_url, "select count(p_close_in_quarter) from ml.deal_scores") == [(0,)]
