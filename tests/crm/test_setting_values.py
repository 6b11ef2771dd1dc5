import pytest

from crm.hubspot.errors import HubSpotSetupError
from crm.hubspot.portal_writer import PortalWriter
from crm.salesforce.credentials import whole_number as salesforce_whole_number
from crm.salesforce.errors import SalesforceSetupError
from crm.setting_values import whole_number


def test_a_whole_number_setting_reads_as_int_and_falls_back_when_unset():
    assert (
        whole_number({"sync_api_calls": "250"}, "sync_api_calls", 7, crm="hubspot", error=ValueError) == 250
    )
    assert whole_number({"sync_api_calls": ""}, "sync_api_calls", 7, crm="hubspot", error=ValueError) == 7
    assert whole_number({}, "sync_api_calls", None, crm="hubspot", error=ValueError) is None


def test_a_bad_value_names_the_crm_s_own_setting_with_its_own_error():
    with pytest.raises(
        SalesforceSetupError, match=r"MOMENTUM_SALESFORCE_DAILY_API_CEILING='lots' is not a whole"
    ):
        salesforce_whole_number({"daily_api_ceiling": "lots"}, "daily_api_ceiling", None)
    with pytest.raises(
        HubSpotSetupError, match=r"MOMENTUM_HUBSPOT_SYNC_API_CALLS='1e3' is not a whole number"
    ):
        PortalWriter({"access_token": "x", "sync_api_calls": "1e3"})
