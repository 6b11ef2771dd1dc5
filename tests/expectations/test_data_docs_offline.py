"""The Data Docs open offline: every script, stylesheet, font and image is a file of the site, and no page
calls an outside address (GX's CDN assets and its logo URL carrying the data context id)."""

import re
from html.parser import HTMLParser
from pathlib import Path

import yaml

from expectations.data_docs import _local_html, publish_data_docs
from expectations.runner import run_validation
from expectations.suites import load_registry
from tests.expectations.clean_crm import create_clean_crm, execute, extract_and_validate

REGISTRY = {v.name: v for v in load_registry()}
OUTSIDE = re.compile(r"https?://", re.IGNORECASE)


class _References(HTMLParser):
    """What a page makes the browser load: script/img sources, link hrefs, inline script and style text."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[str] = []
        self.inline: list[str] = []
        self._inside: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("script", "img", "iframe") and attributes.get("src"):
            self.loaded.append(attributes["src"])
        if tag == "link" and attributes.get("href"):
            self.loaded.append(attributes["href"])
        self._inside = tag if tag in ("script", "style") else None

    def handle_endtag(self, tag):
        self._inside = None

    def handle_data(self, data):
        if self._inside:
            self.inline.append(data)


def _references(page: Path) -> _References:
    parser = _References()
    parser.feed(page.read_text())
    return parser


def test_published_data_docs_reference_only_files_of_the_site(warehouse_url, tmp_path):
    # GIVEN a validation run with a failure and one without
    create_clean_crm(warehouse_url)
    extract_and_validate(warehouse_url, tables=())
    execute(warehouse_url, "update raw_crm.opportunity set amount = -5 where opportunity_id = 'opp1'")
    run_validation(warehouse_url, REGISTRY["raw_opportunity"], dagster_run_id="offline-run")
    run_validation(warehouse_url, REGISTRY["raw_user"], dagster_run_id="offline-run")
    docs_dir = tmp_path / "data_docs"

    # WHEN the Data Docs are published
    index = publish_data_docs(warehouse_url, docs_dir, ["raw_opportunity", "raw_user"])

    # THEN the index, the validation pages and the suite pages load nothing from outside the site
    validation_pages = list((docs_dir / "validations").rglob("*.html"))
    pages = [index, *validation_pages, *(docs_dir / "expectations").glob("*.html")]
    assert len(validation_pages) == 2 and len(pages) == 5
    for page in pages:
        references = _references(page)
        outside = [url for url in references.loaded if OUTSIDE.match(url)]
        assert not outside, f"{page.name}: {outside}"
        inline_outside = [text for text in references.inline if OUTSIDE.search(text)]
        assert not inline_outside, f"{page.name}: {[text[:200] for text in inline_outside]}"
        assert "dataContextId" not in page.read_text()
        # ... and every file they load is there (the table needs jQuery and bootstrap-table)
        missing = [url for url in references.loaded if not (page.parent / url.split("?")[0]).is_file()]
        assert not missing, f"{page.name}: {missing}"
        names = " ".join(references.loaded)
        for needed in ("jquery.min.js", "bootstrap.bundle.min.js", "bootstrap-table.min.js", "all.min.css"):
            assert needed in names, f"{page.name} lacks {needed}"
    # The Font Awesome stylesheet finds its fonts beside it (the status icons are glyphs).
    fonts = docs_dir / "static" / "vendor" / "font-awesome" / "webfonts"
    assert (fonts / "fa-solid-900.woff2").is_file() and (fonts / "fa-regular-400.woff2").is_file()
    # GX usage analytics are off in the project the site is built from.
    assert (
        yaml.safe_load((tmp_path / "gx" / "great_expectations.yml").read_text())["analytics_enabled"] is False
    )


def test_an_outside_asset_without_a_local_copy_is_dropped_and_known_ones_are_rewritten():
    html = (
        '<script src="https://cdn.example.org/new-widget.js"></script>'
        '<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>'
        '<script src="https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js"'
        ' integrity="sha384-x" crossorigin="anonymous"></script>'
        '<link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css"/>'
        '<img src="https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo-long.png?d=1&dataContextId=abc">'
        "<style>a { background: url('https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/full_logo_dark.png') }</style>"
        '<link rel="shortcut icon" href="../../../static/images/favicon.ico"/>'
    )

    local = _local_html(html, "../../../../")

    assert local == (
        '<script src="../../../../static/vendor/jquery/jquery.min.js"></script>'
        '<link rel="stylesheet" href="../../../../static/vendor/bootstrap/bootstrap.min.css">'
        '<img src="../../../../static/images/logo-long.png">'
        "<style>a { background: url('../../../../static/images/logo-long.png') }</style>"
        '<link rel="shortcut icon" href="../../../../static/images/favicon.ico"/>'
    )
