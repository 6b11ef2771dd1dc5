"""Walk forward through the history: for each complete fiscal quarter, train on what was known at its
start (the win and slip models on the deals closed by then, the quarter-win model on the quarters ended by then),
score each of its snapshot dates, log one MLflow run per quarter (experiment `momentum_backtest`,
never registered), and store the scores (ml/backtest/store.py).

Retrained at each quarter start, not weekly: the weekly retrain adds a week of closed deals to tens of
thousands, and a quarter's models cost one fit instead of thirteen.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import date

from mlflow.entities import Metric, Param

from ml.backtest.history import (
    TRAINING_ROWS_CAP,
    complete_quarters,
    read_quarter_snapshots,
    read_training_rows,
    training_sample_step,
)
from ml.backtest.scoring import score_snapshots
from ml.backtest.store import BacktestScoresWriter
from ml.backtest.training import train_quarter_models
from ml.quarter_wins.store import quarter_win_model_before
from ml.registry.client import ensure_experiment, mlflow_client

EXPERIMENT_NAME = "momentum_backtest"


@dataclass(frozen=True)
class BacktestSummary:
    run_id: str
    quarters: list[str]
    scored_rows: int
    seconds: float
    notes: dict[str, dict[str, str]] = field(default_factory=dict)
    """Per quarter, the targets without a model and why."""

    def __str__(self) -> str:
        span = f"{self.quarters[0]}..{self.quarters[-1]}" if self.quarters else "no complete quarter"
        return (
            f"backtest {self.run_id}: {len(self.quarters)} quarters ({span}), {self.scored_rows} snapshot"
            f" scores in {self.seconds:.0f}s" + "".join(f"; {q}: {n}" for q, n in self.notes.items())
        )


def run_backtest(
    warehouse_url: str,
    tracking_uri: str,
    artifact_root: str,
    *,
    as_of_date: date,
    min_closed_per_class: int,
    training_rows_cap: int = TRAINING_ROWS_CAP,
) -> BacktestSummary:
    """Backtest every complete quarter of the forecast calendar before `as_of_date`.

    Memory stays bounded as the CRM grows: one sampled read of the training rows (at most
    `training_rows_cap`), then one quarter's snapshots at a time, scored and written before the next."""
    started = time.perf_counter()
    run_id = uuid.uuid4().hex[:12]
    quarters = complete_quarters(warehouse_url, as_of_date)
    step = training_sample_step(warehouse_url, as_of_date, training_rows_cap)
    training = read_training_rows(warehouse_url, as_of_date, step) if quarters else None
    client = mlflow_client(tracking_uri)
    experiment_id = ensure_experiment(client, artifact_root, EXPERIMENT_NAME) if quarters else None
    notes: dict[str, dict[str, str]] = {}
    backtested: list[str] = []
    with BacktestScoresWriter(warehouse_url) as writer:
        for quarter in quarters:
            quarter_started = time.perf_counter()
            in_quarter = read_quarter_snapshots(warehouse_url, quarter.start, quarter.end)
            if in_quarter.empty:  # before the CRM's first deal: nothing the morning job could have scored
                continue
            backtested.append(quarter.label)
            models = train_quarter_models(training, quarter.start, min_closed_per_class)
            quarter_model = quarter_win_model_before(
                warehouse_url, tracking_uri, artifact_root, quarter.start
            )
            scores = score_snapshots(in_quarter, models, quarter_model)
            scores["trained_as_of"] = quarter.start
            scores["backtest_run_id"] = run_id
            writer.write(scores)
            if models.notes:
                notes[quarter.label] = models.notes
            timings = {"training_sample_step": step, "quarter_seconds": time.perf_counter() - quarter_started}
            timings |= {} if quarter_model is None else quarter_model.metrics()
            _log_quarter(
                client,
                experiment_id,
                run_id,
                quarter.label,
                models.trained_as_of,
                models.metrics | timings,
                len(scores),
            )
        written = writer.commit()
    return BacktestSummary(run_id, backtested, written, time.perf_counter() - started, notes)


def _log_quarter(
    client,
    experiment_id: str,
    backtest_run_id: str,
    quarter: str,
    trained_as_of: date,
    metrics: dict[str, float],
    scored_rows: int,
) -> None:
    """One MLflow run per quarter, its values in one batch."""
    run = client.create_run(
        experiment_id,
        run_name=f"backtest-{quarter}",
        tags={"backtest_run_id": backtest_run_id, "fiscal_quarter": quarter, "is_backtest": "true"},
    )
    stamp = int(time.time() * 1000)
    client.log_batch(
        run.info.run_id,
        params=[Param("trained_as_of", trained_as_of.isoformat()), Param("fiscal_quarter", quarter)],
        metrics=[Metric(name, float(value), stamp, 0) for name, value in metrics.items()]
        + [Metric("scored_snapshots", float(scored_rows), stamp, 0)],
    )
    client.set_terminated(run.info.run_id, status="FINISHED")
