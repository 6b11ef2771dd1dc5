"""The tiny demo warehouse that several end-to-end modules start from, built once per session.

Building it is most of what those modules used to repeat: the tiny demo CRM (seed 11, today 2026-11-23), a
retrain (~1 minute) and a first morning run (~1 minute), with MOMENTUM_MIN_CLOSED_DEALS=8 (the tiny CRM has a
few dozen closed deals). The warehouse and its MLflow database beside it (`<warehouse>_mlflow`, as
warehouse.server names it) are then kept as template databases, and `TinyDemo.morning` is that run's report.

Each test works on copies of its own, so tests stay independent of each other whatever they change: of the
two databases (`create database ... template`, well under a second; dropped after the test) and of the
MOMENTUM_HOME the runs left (Data Docs and their GX project). The copies' MLflow registries still point at the
model artifacts under the template's MOMENTUM_HOME (MLflow stores absolute paths), which lasts the session;
nothing that starts from a copy trains, so nothing writes there.

Under xdist the modules that use it are one unit of work on one worker (tests/conftest.py
TINY_DEMO_MODULES), so it is built once per run.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dagster as dg
import psycopg
import pytest

from orchestration.runner import JobReport, run_job
from simulator.build import build_demo_crm, demo_today
from tests.databases import scratch_database
from warehouse.settings import load_settings

TINY_DEMO_TODAY = date(2026, 11, 23)  # enough closed deals in the tiny CRM to train on


def _admin(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def _name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


@dataclass(frozen=True)
class TinyDemo:
    server_url: str
    template: str
    """The template warehouse database; its MLflow database is `<template>_mlflow`."""
    home: Path
    """The template runs' MOMENTUM_HOME: copied for each test; its MLflow artifacts are read in place."""
    as_of: date
    morning: JobReport
    """The morning run's report (its run id is in every copy's sync log)."""

    @contextlib.contextmanager
    def copy(self, home: Path) -> Iterator[str]:
        """A new warehouse and its `_mlflow` database copied from the templates, dropped after; the template's
        MOMENTUM_HOME copied to `home`."""
        shutil.copytree(self.home, home)
        with scratch_database(self.server_url, "test_tiny_demo", template=self.template) as url:
            mlflow_database = _name(url) + "_mlflow"
            with psycopg.connect(_admin(url), autocommit=True) as conn:
                conn.execute(f'create database "{mlflow_database}" template "{self.template}_mlflow"')
            try:
                yield url
            finally:
                with psycopg.connect(_admin(url), autocommit=True) as conn:
                    conn.execute(f'drop database if exists "{mlflow_database}" with (force)')


@pytest.fixture(scope="session")
def tiny_demo(server_url: str, tmp_path_factory) -> Iterator[TinyDemo]:
    home = tmp_path_factory.mktemp("tiny_demo") / "home"
    with scratch_database(server_url, "tiny_demo") as url:
        try:
            # The variables the modules using it set for their own runs; restored before any test runs.
            with pytest.MonkeyPatch.context() as env:
                env.setenv("MOMENTUM_WAREHOUSE_URL", url)
                env.setenv("MOMENTUM_HOME", str(home))
                env.setenv("MOMENTUM_MIN_CLOSED_DEALS", "8")
                # Its model cannot beat the stage baseline (holdout AUC 0.500 vs 0.736): promote it anyway, so the
                # model path (scores, explanations, model-valued TMVAs) is what these tests exercise.
                env.setenv("MOMENTUM_PROMOTION_FLOOR", "none")
                build_demo_crm(url, preset="tiny", seed=11, today=TINY_DEMO_TODAY)
                as_of = demo_today(url)
                for job_name in ("retrain", "morning"):
                    report = run_job(
                        load_settings(), job_name, as_of, instance=dg.DagsterInstance.ephemeral()
                    )
                    assert report.success, (job_name, report.failed_steps, report.failed_checks)
            # A template database must have no session: MLflow's pool keeps its connections open, so end them.
            with psycopg.connect(_admin(url), autocommit=True) as conn:
                conn.execute(
                    "select pg_terminate_backend(pid) from pg_stat_activity where datname = any(%s)",
                    ([_name(url), _name(url) + "_mlflow"],),
                )
            yield TinyDemo(server_url, _name(url), home, as_of, report)
        finally:
            with psycopg.connect(_admin(url), autocommit=True) as conn:
                conn.execute(f'drop database if exists "{_name(url)}_mlflow" with (force)')
