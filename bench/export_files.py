"""How fast a Salesforce data export is written and extracted, beside the direct COPY path, and the peak memory
of each (every phase runs in a process of its own, so its peak resident set is its own).

    .venv/bin/python -m bench.export_files --preset demo    # on the server of MOMENTUM_HOME / MOMENTUM_WAREHOUSE_URL

Builds the preset's demo CRM in a scratch database (dropped after), writes it as an export
(simulator/salesforce_export.py), extracts the export into raw_salesforce (crm/salesforce/export_source.py)
and the demo CRM directly into raw_crm (crm/demo/source.py), and prints rows, seconds, rows/s and peak memory.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from warehouse.server import warehouse_url
from warehouse.settings import load_settings


def _phase(name: str, url: str, folder: Path) -> dict:
    started = time.perf_counter()
    if name == "write export":
        from simulator.salesforce_export import write_salesforce_export

        rows = sum(write_salesforce_export(url, folder).values())
    elif name == "export today()":  # the CLI asks it before a run: every file read once for its latest stamp
        from crm.salesforce.export_source import SalesforceExportSource

        with SalesforceExportSource(folder) as source:
            rows = sum(1 for export_file in source.files.values() for _ in export_file.rows())
            started = time.perf_counter()  # the count above is not what is timed
            source.today()
    else:
        from crm.demo.source import DemoCrmSource
        from crm.salesforce.export_source import SalesforceExportSource
        from extract.load import extract_crm

        source = SalesforceExportSource(folder) if name == "extract export files" else DemoCrmSource(url)
        results = extract_crm(source, url, full_refresh=True)
        rows = sum(result.received for result in results)
        assert all(result.received == result.loaded + result.rejected for result in results)
    seconds = time.perf_counter() - started
    # VmHWM, not getrusage's ru_maxrss: Linux keeps the parent's peak in ru_maxrss across exec.
    status = Path("/proc/self/status").read_text()
    peak_mb = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) / 1024
    return {"phase": name, "rows": rows, "seconds": round(seconds, 2), "peak_mb": round(peak_mb)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="demo")
    parser.add_argument("--phase")  # internal: one phase, in a process of its own
    parser.add_argument("--url")
    parser.add_argument("--folder")
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(_phase(args.phase, args.url, Path(args.folder))))
        return

    from simulator.build import build_demo_crm

    server = warehouse_url(load_settings())
    database = f"bench_export_{uuid.uuid4().hex[:8]}"
    admin = urlunsplit(urlsplit(server)._replace(path="/postgres"))
    url = urlunsplit(urlsplit(server)._replace(path="/" + database))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{database}"')
    try:
        build_demo_crm(url, args.preset)
        with tempfile.TemporaryDirectory(prefix="momentum-export-") as folder:
            print(f"preset {args.preset}: phase, rows, seconds, rows/s, peak RSS of its process")
            for phase in (
                "write export",
                "export today()",
                "extract export files",
                "extract demo CRM directly",
            ):
                output = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "bench.export_files",
                        "--phase",
                        phase,
                        "--url",
                        url,
                        "--folder",
                        folder,
                    ],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                result = json.loads(output.strip().splitlines()[-1])
                rate = result["rows"] / result["seconds"] if result["seconds"] else 0
                print(
                    f"  {phase:<26} {result['rows']:>10,} {result['seconds']:>8.1f} s "
                    f"{rate:>10,.0f} rows/s {result['peak_mb']:>6,} MB"
                )
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{database}" with (force)')


if __name__ == "__main__":
    main()
