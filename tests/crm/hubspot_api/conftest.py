"""The tiny demo CRM served by the local HubSpot API server (simulator/hubspot_api/), and Momentum's HubSpot
source (the real hubspot-api-client) pointed at it over HTTP.

The tiny preset builds in under a second, so each test gets its own CRM (in its own `warehouse_url`
database, which is also where the extract lands) and may change it freely.
"""

from __future__ import annotations

import datetime as dt

import pytest

from crm.hubspot.api_source import HubSpotApiSource
from simulator.build import build_demo_crm
from simulator.hubspot_api import RunningServer, serve_demo_crm

DEMO_TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def demo_crm(warehouse_url: str) -> str:
    build_demo_crm(warehouse_url, "tiny", seed=7, today=DEMO_TODAY)
    return warehouse_url


@pytest.fixture
def hubspot(demo_crm: str) -> RunningServer:
    with serve_demo_crm(demo_crm) as server:
        yield server


def api_source(server: RunningServer, **options) -> HubSpotApiSource:
    """Momentum's source for this server: short backoff, small pages so that every object pages."""
    options = {"backoff_factor": 0.05, "page_limit": 20, **options}
    return HubSpotApiSource(server.api.access_token, base_url=server.base_url, **options)
