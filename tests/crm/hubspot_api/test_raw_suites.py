"""The raw_hubspot suites: every object covered, all blocking ones passing on the demo CRM read through the
HubSpot API, and a deal in a stage the pipelines do not know blocked."""

from __future__ import annotations

import psycopg

from crm.hubspot.layout import HUBSPOT_LAYOUT
from expectations.runner import run_validation
from expectations.suites import load_registry
from extract.load import extract_crm
from tests.crm.hubspot_api.conftest import api_source

HUBSPOT_VALIDATIONS = [v for v in load_registry() if v.schema == HUBSPOT_LAYOUT.schema]


def test_every_hubspot_object_has_a_blocking_suite_under_the_extracts_asset_key():
    assert {v.table for v in HUBSPOT_VALIDATIONS if v.severity == "block"} == {
        o.name for o in HUBSPOT_LAYOUT.objects
    }
    assert all(v.asset == f"raw_hubspot/{v.table}" for v in HUBSPOT_VALIDATIONS)


def test_the_demo_portal_passes_every_blocking_suite_and_an_unknown_stage_blocks(hubspot, demo_crm):
    extract_crm(api_source(hubspot), demo_crm)
    blocking = [v for v in HUBSPOT_VALIDATIONS if v.severity == "block"]

    assert {o.validation.name: o.summary() for o in map(lambda v: run_validation(demo_crm, v), blocking) if not o.success} == {}  # fmt: skip

    with psycopg.connect(demo_crm, autocommit=True) as conn:
        conn.execute("update raw_hubspot.deal set dealstage = 'stage_nobody_knows' where id = (select min(id) from raw_hubspot.deal)")  # fmt: skip
    (deal,) = [v for v in blocking if v.table == "deal"]
    outcome = run_validation(demo_crm, deal)
    assert not outcome.success and "dealstage known to the deal pipelines" in outcome.summary()
