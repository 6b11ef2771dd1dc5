"""The raw_salesforce suites: every object covered, all passing on a clean org, and the Salesforce-specific
defects caught (a stage the metadata does not know, a forecast category Salesforce does not have), while
Salesforce's id forms (18 and 15 characters, the null key) are no defect."""

from __future__ import annotations

import pytest

from crm.salesforce.layout import SALESFORCE_LAYOUT
from expectations.runner import run_validation
from expectations.suites import load_registry
from extract.load import extract_crm
from tests.dbt.salesforce_org_source import DemoOrgAsSalesforce
from tests.expectations.clean_crm import create_clean_crm, execute

SALESFORCE_VALIDATIONS = [v for v in load_registry() if v.schema == SALESFORCE_LAYOUT.schema]


def test_every_salesforce_object_has_a_warning_suite_and_every_required_one_a_blocking_suite_too():
    by_table = {(v.table, v.severity) for v in SALESFORCE_VALIDATIONS}

    for sf_object in SALESFORCE_LAYOUT.objects:
        assert (sf_object.name, "warn") in by_table, sf_object.name
        # An optional object may be absent, so it can only warn (orchestration/expectations/checks.py).
        assert ((sf_object.name, "block") in by_table) is not sf_object.optional, sf_object.name
    # Each suite checks a table the extract writes, under the extract's asset key.
    assert {v.table for v in SALESFORCE_VALIDATIONS} == {o.name for o in SALESFORCE_LAYOUT.objects}
    assert all(v.asset == f"raw_salesforce/{v.table}" for v in SALESFORCE_VALIDATIONS)


@pytest.fixture
def clean_org(warehouse_url: str) -> str:
    """The clean CRM of tests/expectations/clean_crm.py, extracted as a Salesforce org (raw_salesforce)."""
    create_clean_crm(warehouse_url)
    extract_crm(DemoOrgAsSalesforce(warehouse_url), warehouse_url, run_id="clean")
    return warehouse_url


def _failed(url: str, tables: set[str] | None = None) -> dict[str, str]:
    outcomes = [run_validation(url, v) for v in SALESFORCE_VALIDATIONS if tables is None or v.table in tables]
    return {o.validation.name: o.summary() for o in outcomes if not o.success}


def test_a_clean_org_passes_every_raw_salesforce_suite_null_keys_and_mixed_id_forms_included(clean_org):
    url = clean_org
    # The clean org's users have no manager: ManagerId is Salesforce's null key, not a broken reference.
    # An export may give a reference in the 15-character form of an id the API gave in 18.
    execute(url, """
        insert into raw_salesforce.user (id, name, isactive, createddate, systemmodstamp, _extracted_at)
            values ('005Dm0000000099AAA', 'Rep 99', true, now(), now(), now());
        update raw_salesforce.account set ownerid = '005Dm0000000099';
    """)  # fmt: skip

    assert _failed(url) == {}


def test_an_unknown_stage_blocks_and_an_unknown_forecast_category_warns(clean_org):
    url = clean_org
    execute(url, """
        update crm.opportunity set stage_name = 'Vendor Selection', system_modstamp = now() where opportunity_id = 'opp1';
        update crm.opportunity_history set forecast_category = 'Upside', system_modstamp = now() where history_id = 'h2';
    """)  # fmt: skip
    extract_crm(DemoOrgAsSalesforce(url), url, run_id="defects")

    failed = _failed(url, {"opportunity", "opportunityhistory"})

    assert set(failed) == {"raw_salesforce_opportunity", "raw_salesforce_opportunityhistory__warnings"}
    assert "Vendor Selection" in failed["raw_salesforce_opportunity"]
    assert "Upside" in failed["raw_salesforce_opportunityhistory__warnings"]


def test_a_multi_currency_org_blocks_naming_the_currencies(clean_org):
    # GIVEN a multi-currency org: CurrencyIsoCode exists and two deals are in euros
    url = clean_org
    execute(url, """
        alter table raw_salesforce.opportunity add column currencyisocode text;
        update raw_salesforce.opportunity set currencyisocode = 'USD';
        update raw_salesforce.opportunity set currencyisocode = 'EUR' where id in ('opp1', 'opp2');
    """)  # fmt: skip

    failed = _failed(url, {"opportunity"})

    assert set(failed) == {"raw_salesforce_opportunity"}
    assert "does not convert between currencies" in failed["raw_salesforce_opportunity"]
    assert "EUR" in failed["raw_salesforce_opportunity"]


def test_a_single_currency_org_with_the_currency_field_passes(clean_org):
    execute(clean_org, """
        alter table raw_salesforce.opportunity add column currencyisocode text;
        update raw_salesforce.opportunity set currencyisocode = 'USD';
    """)  # fmt: skip

    assert _failed(clean_org, {"opportunity"}) == {}
