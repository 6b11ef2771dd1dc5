"""The demo CRM served as a HubSpot portal (CRM v3 objects, owners, pipelines, properties, search, batch read,
v4 associations) over HTTP, for tests and `momentum demo --crm hubspot`:

    with serve_demo_crm(warehouse_url) as server:
        server.base_url, server.api.access_token      # what the HubSpot source needs (host=, access_token=)
        server.api.fail_next(429, count=2)            # fault injection for tests
"""

from simulator.hubspot_api.http_server import RunningServer, serve_demo_crm
from simulator.hubspot_api.state import HubSpotApiServer

__all__ = ["HubSpotApiServer", "RunningServer", "serve_demo_crm"]
