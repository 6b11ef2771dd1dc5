"""Extract speed and memory through the Salesforce API path beside the direct COPY path, on one demo CRM.

    .venv/bin/python -m bench.salesforce_extract --preset small
    .venv/bin/python -m bench.salesforce_extract --url postgresql://...   # a database holding a demo CRM

Each path is a full extract of every object in a child process under `/usr/bin/time -v` (its peak
resident memory is that process's alone):
- direct: DemoCrmSource, COPY from schema crm into raw_crm;
- bulk: SalesforceApiSource through the local Salesforce server (simulator/salesforce_api/, its own
  process, so its memory and CPU are reported apart) with Bulk 2.0 for the large objects;
- rest: the same with REST query pages of 2,000 for every object.
Without --url the bench builds the preset into `<warehouse>_sfbench_<preset>` beside the warehouse database.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from urllib.parse import urlsplit, urlunsplit

import psycopg

from simulator.build import build_demo_crm, demo_crm_exists
from warehouse.server import warehouse_url
from warehouse.settings import load_settings

PATHS = ("direct", "bulk", "rest")
_PEAK = re.compile(r"Maximum resident set size \(kbytes\): (\d+)")


def bench_database_url(suffix: str) -> str:
    parts = urlsplit(warehouse_url(load_settings()))
    name = (parts.path.lstrip("/") or "postgres") + suffix
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone() is None:
            conn.execute(f'create database "{name}"')
    return urlunsplit(parts._replace(path="/" + name))


def extract_once(path: str, url: str, server: dict | None) -> dict:
    """One full extract (in this process); rows and seconds."""
    from crm.demo.source import DemoCrmSource
    from crm.salesforce.api_source import SalesforceApiSource
    from extract.load import extract_crm

    if path == "direct":
        source = DemoCrmSource(url)
    else:
        login = {"instance_url": server["instance_url"], "session_id": server["access_token"]}
        source = SalesforceApiSource(
            login,
            ca_bundle=server["ca_file"],
            bulk_threshold=0 if path == "bulk" else 10**12,
            bulk_poll_seconds=0.2,
        )
    started = time.perf_counter()
    results = extract_crm(source, url, full_refresh=True)
    seconds = time.perf_counter() - started
    rows = sum(result.loaded + result.rejected for result in results)
    return {
        "path": path,
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
    }


def _measured(command: list[str], env: dict | None = None) -> tuple[str, dict]:
    """The command's output, and its peak memory and CPU seconds (its own process only)."""
    done = subprocess.run(
        ["/usr/bin/time", "-v", *command], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return done.stdout, _resources(done.stderr, "extract")


def _resources(report: str, who: str) -> dict:
    peak = _PEAK.search(report)
    user = re.search(r"User time \(seconds\): ([\d.]+)", report)
    system = re.search(r"System time \(seconds\): ([\d.]+)", report)
    return {
        f"{who}_peak_rss_mb": int(peak[1]) // 1024 if peak else None,
        f"{who}_cpu_s": round(float(user[1]) + float(system[1]), 1) if user and system else None,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a database holding a demo CRM (default: the bench database)")
    parser.add_argument(
        "--preset", default="small", help="preset of the CRM built when the database has none"
    )
    parser.add_argument("--paths", default=",".join(PATHS), help="which of direct,bulk,rest to time")
    parser.add_argument("--once", help=argparse.SUPPRESS)  # child process: one path, JSON out
    parser.add_argument("--server", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.once:
        print(json.dumps(extract_once(args.once, args.url, json.loads(args.server) if args.server else None)))
        return

    url = args.url or bench_database_url(f"_sfbench_{args.preset}")
    if not demo_crm_exists(url):
        summary = build_demo_crm(url, args.preset)
        print(f"built the {args.preset} demo CRM in {summary.build_seconds:.0f} s: {summary.row_counts}")

    server_process = subprocess.Popen(
        ["/usr/bin/time", "-v", sys.executable, "-m", "simulator.salesforce_api", url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    server = server_process.stdout.readline().strip()
    try:
        for path in args.paths.split(","):
            command = [sys.executable, "-m", "bench.salesforce_extract", "--once", path, "--url", url]
            output, resources = _measured(
                command + (["--server", server] if path != "direct" else []), dict(os.environ)
            )
            result = json.loads(output.strip().splitlines()[-1])
            print(json.dumps({**result, **resources}), flush=True)
    finally:
        # /usr/bin/time forwards no signal: end the server itself (time's child), then read time's report.
        os.kill(json.loads(server)["pid"], signal.SIGTERM)
        _, report = server_process.communicate(timeout=60)
    print(json.dumps(_resources(report, "server")))


if __name__ == "__main__":
    main()
