"""The tiny demo warehouse that several end-to-end modules start from, built once per session.

Building it is most of what those modules used to repeat: the tiny demo CRM (seed 11, today 2026-11-23), a
retrain (~1 minute) and a first morning run (~1 minute), with MOMENTUM_MIN_CLOSED_DEALS=8 (the tiny CRM has a
few dozen closed deals). It is kept as two template databases, each with its MLflow database beside it
(`<warehouse>_mlflow`, as warehouse.server names it):

- "trained": after the retrain: a champion, and no score or task in the CRM yet;
- "scored": after the first morning run as well (`TinyDemo.morning` is that run's report).

Each test works on copies of its own (`create database ... template`, well under a second), dropped after it,
so tests stay independent of each other whatever they change. The copies' MLflow registries point at model
artifacts in the template runs' MOMENTUM_HOME (MLflow stores absolute paths), which lasts the session; nothing
that starts from a copy trains, so nothing writes there.

Under xdist the modules that use it are one unit of work on one worker (tests/conftest.py
TINY_DEMO_MODULES), so it is built once per run.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dagster as dg
import psycopg
import pytest

from crm.demo import build_demo_crm, demo_today
from orchestration.runner import JobReport, run_job
from tests.databases import scratch_database
from warehouse.settings import load_settings

TINY_DEMO_TODAY = date(2026, 11, 23)  # enough closed deals in the tiny CRM to train on


def _admin(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def _name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _close_sessions(url: str) -> None:
    """A template database must have no session: MLflow's pool keeps its connections open, so end them."""
    names = [_name(url), _name(url) + "_mlflow"]
    with psycopg.connect(_admin(url), autocommit=True) as conn:
        conn.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity "
            "where datname = any(%s) and pid <> pg_backend_pid()",
            (names,),
        )


@dataclass(frozen=True)
class TinyDemo:
    server_url: str
    home: Path
    """MOMENTUM_HOME of the template runs: the MLflow artifacts every copy's registry points at."""
    as_of: date
    templates: dict[str, str]
    """Stage ("trained", "scored") -> template warehouse database name."""
    morning: JobReport
    """The first morning run's report (its run id is in every "scored" copy's sync log)."""

    @contextlib.contextmanager
    def copy(self, stage: str) -> Iterator[str]:
        """A new warehouse (and its `_mlflow` database) copied from the template of `stage`; dropped after."""
        template = self.templates[stage]
        with scratch_database(self.server_url, f"test_{stage}", template=template) as url:
            mlflow_database = _name(url) + "_mlflow"
            with psycopg.connect(_admin(url), autocommit=True) as conn:
                conn.execute(f'create database "{mlflow_database}" template "{template}_mlflow"')
            try:
                yield url
            finally:
                with psycopg.connect(_admin(url), autocommit=True) as conn:
                    conn.execute(f'drop database if exists "{mlflow_database}" with (force)')


@contextlib.contextmanager
def _with_mlflow_database(url: str) -> Iterator[str]:
    """`url`, and drop the `_mlflow` database the jobs create beside it afterwards."""
    try:
        yield url
    finally:
        with psycopg.connect(_admin(url), autocommit=True) as conn:
            conn.execute(f'drop database if exists "{_name(url)}_mlflow" with (force)')


@pytest.fixture(scope="session")
def tiny_demo(server_url: str, tmp_path_factory) -> Iterator[TinyDemo]:
    home = tmp_path_factory.mktemp("tiny_demo_home")
    with contextlib.ExitStack() as databases:

        def new_warehouse(prefix: str, template: str | None = None) -> str:
            url = databases.enter_context(scratch_database(server_url, prefix, template=template))
            databases.enter_context(_with_mlflow_database(url))
            return url

        # The variables the modules using it set for their own runs; restored before any test runs.
        with pytest.MonkeyPatch.context() as env:
            env.setenv("MOMENTUM_HOME", str(home))
            env.setenv("MOMENTUM_MIN_CLOSED_DEALS", "8")

            def run(url: str, job_name: str, as_of: date) -> JobReport:
                env.setenv("MOMENTUM_WAREHOUSE_URL", url)
                report = run_job(load_settings(), job_name, as_of, instance=dg.DagsterInstance.ephemeral())
                assert report.success, (job_name, report.failed_steps, report.failed_checks)
                return report

            trained = new_warehouse("tiny_demo_trained")
            build_demo_crm(trained, preset="tiny", seed=11, today=TINY_DEMO_TODAY)
            as_of = demo_today(trained)
            run(trained, "retrain", as_of)
            _close_sessions(trained)
            # The morning runs on a copy, so the trained database is not opened again and stays a template.
            scored = new_warehouse("tiny_demo_scored", template=_name(trained))
            with psycopg.connect(_admin(scored), autocommit=True) as conn:
                conn.execute(f'create database "{_name(scored)}_mlflow" template "{_name(trained)}_mlflow"')
            morning = run(scored, "morning", as_of)
            _close_sessions(scored)
        templates = {"trained": _name(trained), "scored": _name(scored)}
        yield TinyDemo(server_url, home, as_of, templates, morning)
