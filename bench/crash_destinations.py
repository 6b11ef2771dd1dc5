"""What the crash campaign (bench/crash_campaign.py) needs to know of each destination: how to serve the demo CRM
behind its local API, how a child process reaches that server, and how many API calls the server counted."""

from __future__ import annotations

import functools
import json

DESTINATIONS = ("salesforce", "hubspot")


def serve(destination: str):
    """The local server's `serve_demo_crm` context manager for `destination`."""
    if destination == "hubspot":
        from simulator.hubspot_api import serve_demo_crm
    else:
        from simulator.salesforce_api import serve_demo_crm
    return serve_demo_crm


def server_json(server, destination: str) -> str:
    """The address and token of a running server, for the child process's command line."""
    if destination == "hubspot":
        return json.dumps(
            {"destination": destination, "base_url": server.base_url, "access_token": server.api.access_token}
        )
    return json.dumps(
        {
            "destination": destination,
            "instance_url": server.instance_url,
            "access_token": server.api.access_token,
            "ca_file": str(server.ca_file),
        }
    )


def destination_factory(server: dict):
    """The reverse-ETL destination factory a child's syncs write through (server: `server_json`, parsed)."""
    if server["destination"] == "hubspot":
        from crm.hubspot.destination import open_hubspot_destination

        credentials = {"base_url": server["base_url"], "access_token": server["access_token"]}
        return functools.partial(open_hubspot_destination, credentials=credentials)
    from crm.salesforce.destination import open_salesforce_destination

    credentials = {
        "instance_url": server["instance_url"],
        "access_token": server["access_token"],
        "ca_bundle": server["ca_file"],
    }
    return functools.partial(open_salesforce_destination, credentials=credentials)


def api_calls(server, destination: str) -> int:
    return server.api.daily_used if destination == "hubspot" else server.api.api_used
