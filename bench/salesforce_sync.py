"""First-sync throughput of the Salesforce (or HubSpot) destination: every open opportunity's fields and a set of
TMVA tasks written through simple-salesforce (hubspot-api-client) into the local server, then a second sync.

    .venv/bin/python -m bench.salesforce_sync --preset demo [--destination hubspot]
    .venv/bin/python -m bench.salesforce_sync --url postgresql://...   # a copy of a database holding a demo CRM

Prints, per sync, the records written, seconds, records/s and the API calls (as the org counts them: every
request, retries included), beside the documented limits (Salesforce: 200 records per sObject Collections call;
HubSpot: 100 inputs per batch). The payloads are the crash campaign's (bench/crash_campaign.py), in
`<warehouse>_sfsync_<preset>` (`_hssync_` for HubSpot), or with --url in that database, whose demo CRM is reused
(not rebuilt) and whose schema reverse_etl is dropped: give it a copy (`create database ... template ...`), never
the warehouse itself.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import time
from urllib.parse import urlsplit

import psycopg

from bench.crash_campaign import SYNCS, _change_payloads, _create_payload_tables


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--preset", default="demo")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--destination", choices=["salesforce", "hubspot"], default="salesforce")
    parser.add_argument("--url", help="a database holding a demo CRM to reuse (its reverse_etl is dropped)")
    args = parser.parse_args(argv)
    from bench.salesforce_extract import bench_database_url
    from crm.salesforce.destination import open_salesforce_destination
    from reverse_etl.mapping import load_mappings
    from reverse_etl.sync import run_sync
    from simulator.build import build_demo_crm, demo_crm_exists
    from simulator.salesforce_api import serve_demo_crm

    hubspot = args.destination == "hubspot"
    if hubspot:
        from crm.hubspot.destination import open_hubspot_destination
        from simulator.hubspot_api import serve_demo_crm

    url = args.url or bench_database_url(f"_{'hs' if hubspot else 'sf'}sync_{args.preset}")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("drop schema if exists reverse_etl cascade")
    if not (args.url and demo_crm_exists(url)):
        build_demo_crm(url, args.preset, seed=args.seed)
    mappings = load_mappings()
    _create_payload_tables(url, mappings)
    _change_payloads(url, random.Random(args.seed), 0)
    report = []
    with serve_demo_crm(url) as server:
        if hubspot:
            credentials = {"base_url": server.base_url, "access_token": server.api.access_token}
            factory = functools.partial(
                open_hubspot_destination, credentials=credentials | {"sync_api_calls": "100000"}
            )
        else:
            credentials = {
                "instance_url": server.instance_url,
                "access_token": server.api.access_token,
                "ca_bundle": str(server.ca_file),
                "sync_api_calls": "100000",
            }
            factory = functools.partial(open_salesforce_destination, credentials=credentials)
        used = (lambda: server.api.daily_used) if hubspot else (lambda: server.api.api_used)
        for attempt in ("first", "second"):
            for name in SYNCS:
                calls_before, started = used(), time.perf_counter()
                result = run_sync(
                    url, url, mappings[name], open_destination=factory, run_id=f"bench-{attempt}"
                )
                seconds = time.perf_counter() - started
                report.append(
                    {
                        "sync": f"{attempt} {name}",
                        "written": result.written,
                        "failed": result.failed,
                        "seconds": round(seconds, 2),
                        "records_per_second": round(result.written / seconds) if result.written else 0,
                        "api_calls": used() - calls_before,
                    }
                )
    limit = 100 if hubspot else 200
    crm = f"database {urlsplit(url).path.lstrip('/')}" if args.url else f"preset {args.preset}"
    print(
        json.dumps(
            {"crm": crm, "destination": args.destination, "batch_limit": limit, "syncs": report},
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
