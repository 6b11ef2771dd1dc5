"""`momentum demo --crm salesforce` (or `hubspot`): the demo CRM read the way a real org is, through its API.

The simulator's CRM is served by the local Salesforce-compatible API (simulator/salesforce_api/: HTTPS with a
certificate made at start, the documented REST and Bulk 2.0 contract), and the run reads it with the real
client (`simple-salesforce`) as MOMENTUM_CRM=salesforce would read an org: raw_salesforce, the Salesforce
staging folder, the same marts. With `hubspot`, the local HubSpot-compatible API (simulator/hubspot_api/,
plain HTTP) serves it as a portal, read with `hubspot-api-client` into raw_hubspot. Write-back goes through the same API
(scores, insights and TMVA tasks), into the demo CRM's tables behind it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from simulator.salesforce_api.server import serve_demo_crm

DEMO_CRM_KINDS = ("demo", "salesforce", "hubspot")
SERVED_AS = {
    "salesforce": "as a Salesforce org (read with simple-salesforce)",
    "hubspot": "as a HubSpot portal (read with hubspot-api-client)",
}


@contextmanager
def demo_crm_served(kind: str, warehouse_url: str) -> Iterator[str | None]:
    """Within the block, the settings (the environment) read the demo CRM as `kind`; yields the API's
    address, or None when the pipeline reads the demo CRM's tables directly."""
    if kind == "demo":
        yield None
        return
    if kind == "hubspot":
        from simulator.hubspot_api import serve_demo_crm as serve_demo_portal

        with (
            serve_demo_portal(warehouse_url) as portal,
            _environment({"MOMENTUM_CRM": kind, **portal.environment()}),
        ):
            yield portal.base_url
        return
    with (
        serve_demo_crm(warehouse_url) as server,
        _environment({"MOMENTUM_CRM": kind, **server.environment()}),
    ):
        yield server.instance_url


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
