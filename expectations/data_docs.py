"""Great Expectations Data Docs (HTML) of the last validation of every suite.

Built once per run, after the checks, from the results they stored in the warehouse
(expectations/results.py), not by validating again: building the site costs ~1 s plus a
fraction per page, which per check (30+ of them) would add half a minute to every run, and
GX's file-backed project is not safe for checks running in parallel processes.

The project lives beside the site (`<docs_dir>/../gx`). It holds only what the site shows:
each publish replaces its stored results with the latest one per suite, so the index lists
exactly one validation per suite; the full history is the warehouse's `expectations` tables.
The project needs no data source (nothing is validated here), so no connection string is
ever written to disk.

GX's pages load bootstrap, jQuery, bootstrap-table, Font Awesome and a datepicker from public CDNs,
and their logo from an outside address that carries the data context id: offline (a warehouse host
often has no internet) they render as a bare list without the validation table, and wherever they
are opened the logo request tells GX's servers the data context id.
So each publish copies those assets into the site (`static/vendor/`: from the xstatic packages, and
bootstrap-table, which no PyPI package ships, from `data_docs_assets/`) and points the pages at them.
"""

from __future__ import annotations

import fcntl
import logging
import re
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
from xstatic.pkg import bootstrap, bootstrap_datepicker, font_awesome, jquery

from expectations.results import StoredRun, latest_runs

logger = logging.getLogger(__name__)

SITE_NAME = "momentum"
# GX's own pages per site; rebuilt from the stored results on every publish.
SITE_PAGE_FOLDERS = ("validations", "expectations")
VENDOR_FOLDER = "static/vendor"
# What each publish copies under VENDOR_FOLDER: (source, path under it); a folder is copied whole.
VENDORED = (
    (Path(jquery.BASE_DIR) / "jquery.min.js", "jquery/jquery.min.js"),
    (Path(bootstrap.BASE_DIR) / "css" / "bootstrap.min.css", "bootstrap/bootstrap.min.css"),
    # The bundle includes Popper, which GX loads from a CDN of its own.
    (Path(bootstrap.BASE_DIR) / "js" / "bootstrap.bundle.min.js", "bootstrap/bootstrap.bundle.min.js"),
    (Path(font_awesome.BASE_DIR) / "css" / "all.min.css", "font-awesome/css/all.min.css"),
    (Path(font_awesome.BASE_DIR) / "webfonts", "font-awesome/webfonts"),
    # 1.4 (PyPI has no later one; GX asks for 1.9): the index's run-time filter only calls .datepicker().
    (Path(bootstrap_datepicker.BASE_DIR) / "bootstrap-datepicker.js", "datepicker/bootstrap-datepicker.js"),
    (
        Path(bootstrap_datepicker.BASE_DIR) / "bootstrap-datepicker.standalone.css",
        "datepicker/bootstrap-datepicker.css",
    ),
    (Path(__file__).parent / "data_docs_assets" / "bootstrap-table", "bootstrap-table"),
)
# GX's CDN URLs (matched at their end) -> the local copy under VENDOR_FOLDER; None drops the tag: Popper is
# in the bootstrap bundle, the dark theme is optional, and Vega draws only the charts of expectations no
# suite here uses (KL divergence, distinct values). Any other outside <script>/<link> is dropped too.
LOCAL_COPIES: tuple[tuple[re.Pattern, str | None], ...] = tuple(
    (re.compile(pattern), local)
    for pattern, local in (
        (r"/jquery-3[\d.]*(\.min)?\.js", "jquery/jquery.min.js"),
        (r"/bootstrap/4[\d.]*/css/bootstrap(\.min)?\.css", "bootstrap/bootstrap.min.css"),
        (r"/bootstrap/4[\d.]*/js/bootstrap(\.min)?\.js", "bootstrap/bootstrap.bundle.min.js"),
        (r"/popper\.js/.*/popper(\.min)?\.js", None),
        (r"/font-awesome/[\d.]+/css/all(\.min)?\.css", "font-awesome/css/all.min.css"),
        (
            r"/bootstrap-table@[\d.]+/dist/bootstrap-table(\.min)?\.js",
            "bootstrap-table/bootstrap-table.min.js",
        ),
        (
            r"/bootstrap-table@[\d.]+/dist/bootstrap-table(\.min)?\.css",
            "bootstrap-table/bootstrap-table.min.css",
        ),
        (
            r"/bootstrap-table@[\d.]+/dist/extensions/filter-control/bootstrap-table-filter-control(\.min)?\.js",
            "bootstrap-table/bootstrap-table-filter-control.min.js",
        ),
        (
            r"/bootstrap-table@[\d.]+/dist/extensions/filter-control/bootstrap-table-filter-control(\.min)?\.css",
            "bootstrap-table/bootstrap-table-filter-control.min.css",
        ),
        (
            r"/bootstrap-datepicker/[\d.]+/js/bootstrap-datepicker(\.min)?\.js",
            "datepicker/bootstrap-datepicker.js",
        ),
        (
            r"/bootstrap-datepicker/[\d.]+/css/bootstrap-datepicker(\.min)?\.css",
            "datepicker/bootstrap-datepicker.css",
        ),
        (r"/npm/vega(-lite|-embed)?@[\d.]+", None),
        (r"/bootstrap-prefers-dark\.css", None),
    )
)
# GX's logo from its web-assets bucket (the page adds the data context id to the URL): its own copy in the
# site's static/images; the dark-mode variant has none, the light one stands in.
LOCAL_IMAGES = {"full_logo_dark.png": "logo-long.png"}
OUTSIDE_TAG = re.compile(
    r"<script\b[^>]*\bsrc=\"(?P<script>https?://[^\"]+)\"[^>]*>\s*</script>"
    r"|<link\b[^>]*\bhref=\"(?P<link>https?://[^\"]+)\"[^>]*?/?>"
)
# A reference to the site's static/ folder; GX's favicon on validation pages has one "../" too few.
SITE_STATIC = re.compile(r"(?P<attr>\b(?:src|href)=\")(?:\./|(?:\.\./)*)static/")
OUTSIDE_IMAGE = re.compile(r"(?P<before>\bsrc=\"|\burl\(['\"]?)(?P<url>https?://[^\"')]+)")


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
        _serve_assets_locally(docs_dir)
    return docs_dir / "index.html"


def _serve_assets_locally(docs_dir: Path) -> None:
    """Copy the pages' scripts, styles and fonts into the site and point every page at the copies."""
    vendor = docs_dir / VENDOR_FOLDER
    for source, target in VENDORED:
        if source.is_dir():
            shutil.copytree(source, vendor / target, dirs_exist_ok=True)
        else:
            (vendor / target).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, vendor / target)
    for page in docs_dir.rglob("*.html"):
        if VENDOR_FOLDER in page.relative_to(docs_dir).as_posix():
            continue
        to_root = "../" * (len(page.relative_to(docs_dir).parts) - 1)
        page.write_text(_local_html(page.read_text(), to_root))


def _local_html(html: str, to_root: str) -> str:
    """`html` with each outside script and stylesheet replaced by its copy (or dropped), GX's logo from
    the site's own images, and every static/ path leading to the site's; `to_root` leads from the page
    to the site's root ("../../")."""

    def tag(match: re.Match) -> str:
        url = match["script"] or match["link"]
        known = [local for pattern, local in LOCAL_COPIES if pattern.search(url)]
        if not known:
            logger.warning("Data Docs: dropped %s, which has no local copy", url)
        local = known[0] if known else None
        if local is None:
            return ""
        href = f"{to_root}{VENDOR_FOLDER}/{local}"
        return (
            f'<script src="{href}"></script>' if match["script"] else f'<link rel="stylesheet" href="{href}">'
        )

    def image(match: re.Match) -> str:
        name = match["url"].split("?")[0].rsplit("/", 1)[-1]
        return f"{match['before']}{to_root}static/images/{LOCAL_IMAGES.get(name, name)}"

    html = SITE_STATIC.sub(lambda match: f"{match['attr']}{to_root}static/", html)
    return OUTSIDE_IMAGE.sub(image, OUTSIDE_TAG.sub(tag, html))


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
