"""Great Expectations Data Docs (HTML) of the last validation of every suite.

Built once per run, after the checks, from the results they stored in the warehouse
(expectations/results.py), not by validating again: building the site costs ~1 s plus a
fraction per page, which per check (30+ of them) would add half a minute to every run, and
GX's file-backed project is not safe for checks running in parallel processes.

The project lives beside the site (`<docs_dir>/../gx`). It holds only what the site shows:
each publish replaces its stored results with the latest one per suite, so the index lists
exactly one validation per suite; the full history is the warehouse's `data_quality` tables.
The project needs no data source (nothing is validated here), so no connection string is
ever written to disk.
"""

from __future__ import annotations

import fcntl
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import great_expectations as gx
from great_expectations.core.expectation_validation_result import ExpectationSuiteValidationResultSchema
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)

from expectations.results import StoredRun, latest_runs

SITE_NAME = "momentum"
# GX's own pages per site; rebuilt from the stored results on every publish.
SITE_PAGE_FOLDERS = ("validations", "expectations")


def publish_data_docs(warehouse_url: str, docs_dir: Path, validation_names: Sequence[str]) -> Path:
    """Rebuild the site under `docs_dir` from the last stored validation of each name; returns its
    index.html. Names never validated yet are simply absent from the site."""
    runs = latest_runs(warehouse_url, list(validation_names))
    docs_dir.mkdir(parents=True, exist_ok=True)
    with _exclusive(docs_dir / ".publish.lock"):
        context = gx.get_context(mode="file", project_root_dir=str(docs_dir.parent))
        # Stored in the project, so every later load starts with it off. GX 1.24 itself sends no usage
        # statistics and reads no GX_ANALYTICS_ENABLED; this setting is what a GX that does would read.
        context.enable_analytics(False)
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        _ensure_site(context, docs_dir)
        _forget_stored(context, docs_dir)
        for run in runs:
            _store(context, run)
        context.build_data_docs(site_names=[SITE_NAME])
    return docs_dir / "index.html"


def _ensure_site(context, docs_dir: Path) -> None:
    if SITE_NAME in context.get_site_names():
        return
    context.add_data_docs_site(
        site_name=SITE_NAME,
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )


def _forget_stored(context, docs_dir: Path) -> None:
    """Drop the previous publish: its results, its suites and their pages."""
    store = context.validation_results_store
    for key in store.list_keys():
        store.remove_key(key)
    for suite in context.suites.all():
        context.suites.delete(suite.name)
    for folder in SITE_PAGE_FOLDERS:
        shutil.rmtree(docs_dir / folder, ignore_errors=True)


def _store(context, run: StoredRun) -> None:
    result = ExpectationSuiteValidationResultSchema().load(run.gx_result)
    # The suite as it was validated (its expectations are in the result), so its page matches.
    suite = gx.ExpectationSuite(
        name=run.suite_name, expectations=[r.expectation_config.to_domain_obj() for r in result.results]
    )
    context.suites.add_or_update(suite)
    key = ValidationResultIdentifier(
        expectation_suite_identifier=ExpectationSuiteIdentifier(name=run.suite_name),
        # Named after the Dagster run, so the page says which run it came from.
        run_id=RunIdentifier(run_name=run.dagster_run_id or "outside-dagster", run_time=run.validated_at),
        batch_identifier=run.table_name,
    )
    context.validation_results_store.set(key, result)


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """One publisher at a time (a CLI run and the UI's sensor may finish together)."""
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
