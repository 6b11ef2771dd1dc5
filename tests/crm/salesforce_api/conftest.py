"""The tiny demo CRM served by the local Salesforce API server (simulator/salesforce_api/), and the real
simple-salesforce client or Momentum's API source pointed at it over TLS.

The tiny preset builds in under a second, so each test gets its own CRM (in its own `warehouse_url`
database, which is also where the extract lands) and may change it freely.
"""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from simple_salesforce import Salesforce

from crm.salesforce.api_source import SalesforceApiSource
from simulator.build import build_demo_crm
from simulator.salesforce_api import RunningServer, serve_demo_crm

DEMO_TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def demo_crm(warehouse_url: str) -> str:
    build_demo_crm(warehouse_url, "tiny", seed=7, today=DEMO_TODAY)
    return warehouse_url


@pytest.fixture
def salesforce(demo_crm: str) -> RunningServer:
    with serve_demo_crm(demo_crm, rest_page_size=50) as server:
        yield server


@pytest.fixture
def sf_client(salesforce: RunningServer) -> Salesforce:
    """simple-salesforce as a user would construct it with a session; trust_env off, or this environment's
    REQUESTS_CA_BUNDLE would replace the test CA (docs/crm-api-contracts.md, section 1.1)."""
    session = requests.Session()
    session.trust_env = False
    session.verify = str(salesforce.ca_file)
    return Salesforce(
        instance_url=salesforce.instance_url, session_id=salesforce.api.access_token, session=session
    )


def api_source(server: RunningServer, **options) -> SalesforceApiSource:
    """Momentum's source for this server: no waiting between Bulk polls, short backoff."""
    options = {"bulk_poll_seconds": 0, "backoff_factor": 0.1, **options}
    login = {"instance_url": server.instance_url, "session_id": server.api.access_token}
    return SalesforceApiSource(login, ca_bundle=str(server.ca_file), **options)
