"""Fixtures for the ml tests: MLflow tracking databases and a shared trained champion, on the real
PostgreSQL server of the session (tests/conftest.py).

MLflow migrates a fresh database on first connection (~3 s, 50+ Alembic steps). We pay that once per
session on a template database and give each test a copy (`create database ... template`, ~0.3 s).
Training takes ~3 s, so tests that only READ a trained model share one (`trained`); tests that move
aliases train their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from mlflow import MlflowClient

from ml.training.train import TrainingResult, train_win_model
from tests.databases import scratch_database
from tests.ml.synthetic_marts import TODAY, SyntheticMarts, build_synthetic_marts


@pytest.fixture(scope="session")
def mlflow_template(server_url: str) -> Iterator[str]:
    with scratch_database(server_url, "mlflow_template") as url:
        MlflowClient(tracking_uri=url, registry_uri=url).search_experiments()  # runs the migrations
        name = urlsplit(url).path.lstrip("/")
        admin = urlunsplit(urlsplit(server_url)._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            # A template must have no sessions; MLflow's pool keeps its connections open, so close them.
            conn.execute("select pg_terminate_backend(pid) from pg_stat_activity where datname = %s", (name,))
        yield name


@pytest.fixture
def tracking_uri(server_url: str, mlflow_template: str) -> Iterator[str]:
    """A fresh, migrated MLflow tracking + registry database for this test only."""
    with scratch_database(server_url, "mlflow", template=mlflow_template) as url:
        yield url


@pytest.fixture
def artifact_root(tmp_path) -> str:
    return str(tmp_path / "mlflow-artifacts")


@dataclass(frozen=True)
class TrainedWarehouse:
    warehouse_url: str
    tracking_uri: str
    artifact_root: str
    marts: SyntheticMarts
    result: TrainingResult


@pytest.fixture(scope="session")
def trained(server_url: str, mlflow_template: str, tmp_path_factory) -> Iterator[TrainedWarehouse]:
    """800 deals of synthetic history and one trained champion (v1). Shared: do not move its aliases."""
    artifact_root = str(tmp_path_factory.mktemp("shared-mlflow-artifacts"))
    with (
        scratch_database(server_url, "test_ml_shared") as warehouse_url,
        scratch_database(server_url, "mlflow", template=mlflow_template) as tracking_uri,
    ):
        marts = build_synthetic_marts(warehouse_url, deals=800)
        result = train_win_model(
            warehouse_url,
            tracking_uri,
            artifact_root,
            as_of_date=TODAY,
            min_closed_per_class=30,
            tags={"dagster_run_id": "run-42"},
        )
        yield TrainedWarehouse(warehouse_url, tracking_uri, artifact_root, marts, result)
