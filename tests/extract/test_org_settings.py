"""The fiscal year comes from the CRM's organization settings, an operator override, or calendar quarters."""

from pathlib import Path

import psycopg
import pytest

from crm.demo.source import DemoCrmSource
from extract.load import extract_crm
from extract.objects import OBJECTS_BY_NAME
from extract.org_settings import fiscal_year
from warehouse.settings import load_settings

SCHEMA_SQL = (Path(__file__).parents[2] / "simulator" / "schema.sql").read_text()
ORGANIZATION = (OBJECTS_BY_NAME["organization"],)


def test_the_fiscal_year_is_read_from_the_extracted_organization_settings(warehouse_url):
    # GIVEN a CRM whose fiscal year starts in February, extracted
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        conn.execute(SCHEMA_SQL)
        conn.execute("insert into crm.organization values ('00D1', 'Acme', 2, 'USD', '2026-01-01')")
    (result,) = extract_crm(DemoCrmSource(warehouse_url), warehouse_url, objects=ORGANIZATION)

    # THEN the pipeline's fiscal year starts in February, unless the operator overrides it
    assert (result.received, result.loaded, result.absent) == (1, 1, False)
    assert fiscal_year(warehouse_url).start_month == 2
    assert fiscal_year(warehouse_url, override=4).start_month == 4


def test_a_crm_without_organization_settings_is_extracted_without_them_and_gets_calendar_quarters(
    warehouse_url,
):
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        conn.execute("create schema crm")

    (result,) = extract_crm(DemoCrmSource(warehouse_url), warehouse_url, objects=ORGANIZATION)

    assert result.absent and result.received == 0
    year = fiscal_year(warehouse_url)
    assert year.start_month == 1 and "no organization settings" in year.source


def test_an_invalid_fiscal_year_override_is_refused_with_the_variable_named():
    with pytest.raises(ValueError, match="MOMENTUM_FISCAL_YEAR_START_MONTH"):
        load_settings({"MOMENTUM_FISCAL_YEAR_START_MONTH": "13"})
    assert load_settings({"MOMENTUM_FISCAL_YEAR_START_MONTH": "2"}).fiscal_year_start_month == 2
