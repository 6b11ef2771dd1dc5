import socket

from expectations.data_docs import publish_data_docs
from expectations.runner import run_validation
from expectations.suites import load_registry
from tests.expectations.clean_crm import create_clean_crm, execute, extract_and_validate

REGISTRY = {v.name: v for v in load_registry()}


def test_data_docs_show_the_last_validation_of_every_suite(warehouse_url, tmp_path):
    # GIVEN an extracted clean CRM, validated twice; the second time the opportunities are blocked
    create_clean_crm(warehouse_url)
    extract_and_validate(warehouse_url, tables=())
    run_validation(warehouse_url, REGISTRY["raw_opportunity"], dagster_run_id="first-run")
    execute(warehouse_url, "update raw_crm.opportunity set amount = -5 where opportunity_id = 'opp1'")
    blocked = run_validation(warehouse_url, REGISTRY["raw_opportunity"], dagster_run_id="second-run")
    run_validation(warehouse_url, REGISTRY["raw_user"], dagster_run_id="second-run")
    docs_dir = tmp_path / "data_docs"

    # WHEN the Data Docs are published for three suites, one never validated
    index = publish_data_docs(warehouse_url, docs_dir, ["raw_opportunity", "raw_user", "scores"])

    # THEN one HTML site lists each validated suite once, with its latest run, and its suite page
    assert not blocked.success
    assert index == docs_dir / "index.html"
    html = index.read_text()
    assert "raw_crm__opportunity" in html and "raw_crm__user" in html and "ml__deal_scores" not in html
    assert "second-run" in html and "first-run" not in html
    assert {p.name for p in (docs_dir / "validations").iterdir()} == {"raw_crm__opportunity", "raw_crm__user"}
    (page,) = (docs_dir / "validations" / "raw_crm__opportunity").rglob("*.html")
    assert "Failed" in page.read_text() and "amount" in page.read_text()
    assert (docs_dir / "expectations" / "raw_crm__opportunity.html").exists()


def test_a_new_publish_replaces_the_previous_one(warehouse_url, tmp_path):
    create_clean_crm(warehouse_url)
    extract_and_validate(warehouse_url, tables=())
    run_validation(warehouse_url, REGISTRY["raw_user"], dagster_run_id="run-a")
    docs_dir = tmp_path / "data_docs"
    publish_data_docs(warehouse_url, docs_dir, ["raw_user"])
    run_validation(warehouse_url, REGISTRY["raw_user"], dagster_run_id="run-b")

    publish_data_docs(warehouse_url, docs_dir, ["raw_user"])

    pages = list((docs_dir / "validations").rglob("*.html"))
    assert len(pages) == 1 and "run-b" in str(pages[0])
    assert "run-a" not in (docs_dir / "index.html").read_text()


def test_the_data_docs_project_never_stores_the_connection_string(warehouse_url, tmp_path):
    create_clean_crm(warehouse_url)
    extract_and_validate(warehouse_url, tables=("user",))

    publish_data_docs(warehouse_url, tmp_path / "data_docs", ["raw_user"])

    project_files = [path for path in (tmp_path / "gx").rglob("*") if path.is_file()]
    assert project_files
    database = warehouse_url.rsplit("/", 1)[-1].split("?")[0]
    assert not [path for path in project_files if database in path.read_text(errors="ignore")]


def test_validating_and_publishing_open_no_network_connection(warehouse_url, tmp_path, monkeypatch):
    # Regression: the runner once set GX_ANALYTICS_ENABLED, which GX 1.24 no longer reads (it has no
    # analytics); what matters is that nothing calls home from an air-gapped warehouse.
    create_clean_crm(warehouse_url)
    extract_and_validate(warehouse_url, tables=())
    attempts = []
    real_connect = socket.socket.connect

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            attempts.append(address)
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    tcp_warehouse = not warehouse_url.split("?")[0].rsplit("@", 1)[-1].startswith("/")

    run_validation(warehouse_url, REGISTRY["raw_opportunity__warnings"])
    publish_data_docs(warehouse_url, tmp_path / "data_docs", ["raw_opportunity__warnings"])

    warehouse_only = tcp_warehouse and all(host in ("127.0.0.1", "::1", "localhost") for host, *_ in attempts)
    assert attempts == [] or warehouse_only, attempts
