"""The demo CRM served as a Salesforce org (REST, Bulk 2.0 query, limits) over HTTPS, for tests, the
benchmark and `momentum demo --crm salesforce`:

    with serve_demo_crm(warehouse_url) as server:
        server.instance_url, server.ca_file, server.api.access_token   # what the API source needs
        server.api.fail_next(503, count=2)                               # fault injection for tests
"""

from simulator.salesforce_api.server import RunningServer, SalesforceApiServer, serve_demo_crm

__all__ = ["RunningServer", "SalesforceApiServer", "serve_demo_crm"]
