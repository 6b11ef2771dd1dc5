"""Switching MOMENTUM_CRM on a warehouse built from another CRM needs a full refresh, and says so."""

import pytest

from crm.salesforce.layout import SALESFORCE_LAYOUT
from extract.layout import DEMO_LAYOUT
from extract.source_switch import CrmSourceSwitched, check_source_switch


def test_a_first_run_records_its_source_and_the_same_source_runs_on(warehouse_url):
    check_source_switch(warehouse_url, DEMO_LAYOUT, full_refresh=False)

    check_source_switch(warehouse_url, DEMO_LAYOUT, full_refresh=False)  # no error: same source


def test_another_source_is_refused_naming_the_full_refresh_that_releases_it(warehouse_url):
    # GIVEN a warehouse built from the demo CRM
    check_source_switch(warehouse_url, DEMO_LAYOUT, full_refresh=False)

    with pytest.raises(
        CrmSourceSwitched,
        match="built from raw_crm .* into raw_salesforce: run `momentum run --full-refresh`",
    ):
        check_source_switch(warehouse_url, SALESFORCE_LAYOUT, full_refresh=False)


def test_a_full_refresh_switches_the_source_and_only_asking_records_nothing(warehouse_url):
    check_source_switch(warehouse_url, DEMO_LAYOUT, full_refresh=False)
    # Asking (the CLI, before the run) with a full refresh passes but does not record the switch yet.
    check_source_switch(warehouse_url, SALESFORCE_LAYOUT, full_refresh=True, record=False)
    check_source_switch(warehouse_url, DEMO_LAYOUT, full_refresh=False)

    check_source_switch(warehouse_url, SALESFORCE_LAYOUT, full_refresh=True)

    check_source_switch(warehouse_url, SALESFORCE_LAYOUT, full_refresh=False)
    with pytest.raises(CrmSourceSwitched):
        check_source_switch(warehouse_url, DEMO_LAYOUT, full_refresh=False)
