from expectations.runner import run_validation
from expectations.suites import load_registry
from tests.expectations.clean_crm import create_clean_crm, extract_and_validate

REGISTRY = {v.name: v for v in load_registry()}


def test_data_docs_show_the_last_validation_of_every_suite_run(warehouse_url, tmp_path):
    # GIVEN an extracted clean CRM
    create_clean_crm(warehouse_url)
    extract_and_validate(warehouse_url, tables=())
    docs_dir = tmp_path / "data_docs"

    # WHEN two suites are validated with Data Docs
    blocked = run_validation(warehouse_url, REGISTRY["raw_opportunity"], docs_dir=docs_dir)
    passed = run_validation(warehouse_url, REGISTRY["raw_user"], docs_dir=docs_dir)

    # THEN one HTML site indexes both, each with a page of its own
    assert blocked.data_docs == passed.data_docs == docs_dir / "index.html"
    index = (docs_dir / "index.html").read_text()
    assert "raw_crm__opportunity" in index and "raw_crm__user" in index
    assert {p.name for p in (docs_dir / "validations").iterdir()} == {"raw_crm__opportunity", "raw_crm__user"}
    # AND the results are in the warehouse history as on the path without docs
    assert blocked.success and passed.success


def test_the_data_docs_project_never_stores_the_connection_string(warehouse_url, tmp_path):
    create_clean_crm(warehouse_url)
    extract_and_validate(warehouse_url, tables=())

    run_validation(warehouse_url, REGISTRY["raw_user"], docs_dir=tmp_path / "data_docs")

    project_files = [path for path in (tmp_path / "gx").rglob("*") if path.is_file()]
    assert project_files
    database = warehouse_url.rsplit("/", 1)[-1].split("?")[0]
    assert not [path for path in project_files if database in path.read_text(errors="ignore")]
