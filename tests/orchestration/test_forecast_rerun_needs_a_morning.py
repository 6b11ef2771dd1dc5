"""`momentum forecast backtest --rerun` on a warehouse no morning has run on: one line naming `momentum run`,
not dbt's compilation error from the forecast models that read the morning's scores."""

from __future__ import annotations

from datetime import date

import pandas as pd
import psycopg
from click.testing import CliRunner

from ml.backtest import report
from orchestration import cli


def _rerun(warehouse_url, monkeypatch, tmp_path):
    jobs = []
    monkeypatch.setattr(cli, "_run_or_exit", lambda settings, job, as_of, **kw: jobs.append(job))
    monkeypatch.setattr(cli, "_crm_today", lambda settings: date(2026, 12, 4))
    monkeypatch.setattr(report, "read_forecast_rows", lambda url: pd.DataFrame())
    env = {"MOMENTUM_HOME": str(tmp_path), "MOMENTUM_WAREHOUSE_URL": warehouse_url}
    result = CliRunner().invoke(cli.main, ["forecast", "backtest", "--rerun"], env=env)
    return result, jobs


def test_before_any_morning_the_rerun_names_momentum_run_and_starts_nothing(
    warehouse_url, monkeypatch, tmp_path
):
    result, jobs = _rerun(warehouse_url, monkeypatch, tmp_path)

    assert result.exit_code == 1
    assert "no morning has run on this warehouse yet: run `momentum run` once" in result.output
    assert "Traceback" not in result.output
    assert jobs == []


def test_after_a_morning_the_rerun_starts_the_backtest_job(warehouse_url, monkeypatch, tmp_path):
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        conn.execute("create schema staging")
        conn.execute("create view staging.stg_ml__deal_scores as select 1 as opportunity_id")

    result, jobs = _rerun(warehouse_url, monkeypatch, tmp_path)

    assert jobs == ["forecast_backtest"]
    assert "no complete quarter yet" in result.output  # the (stubbed) marts are empty
