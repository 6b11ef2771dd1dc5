"""How long the dbt project takes: a full `dbt build`, then the daily incremental one, on a demo CRM.

    .venv/bin/python -m bench.dbt_timings --preset demo           # build (or reuse) the CRM, then time
    .venv/bin/python -m bench.dbt_timings --preset large --teams 5  # a tenth of `large` (50 teams)
    .venv/bin/python -m bench.dbt_timings --url postgresql://...  # a database that already holds a demo CRM

Steps: extract crm -> raw_crm in full, `dbt build --full-refresh` on the CRM's today, advance the
CRM `--days` (default 1, the daily run), extract again incrementally, `dbt build` on the new today.
Each build is timed as a whole (wall clock, dbt start-up and tests included) and its slowest models
are listed from dbt's run_results.json. Without --url the bench uses its own database
`<warehouse>_bench` on the warehouse server, never the warehouse itself: advancing the CRM changes it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from actions.tmva import TMVA_DDL
from crm.demo.source import DemoCrmSource
from extract.load import extract_crm
from ml.scoring.score import DEAL_SCORES_DDL
from simulator.advance import advance_demo_crm
from simulator.build import PRESETS, build_demo_crm, demo_crm_exists, demo_today
from warehouse.server import dbt_environment, warehouse_url
from warehouse.settings import load_settings

DBT_PROJECT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"
DBT_EXECUTABLE = Path(sys.executable).with_name("dbt")
SLOWEST_SHOWN = 8


def bench_database_url() -> str:
    """`<warehouse>_bench` beside the warehouse database, created when missing."""
    parts = urlsplit(warehouse_url(load_settings()))
    name = (parts.path.lstrip("/") or "postgres") + "_bench"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone() is None:
            conn.execute(f'create database "{name}"')
    return urlunsplit(parts._replace(path="/" + name))


def timed_dbt_build(url: str, as_of: date, work_dir: Path, *extra: str) -> tuple[float, list[dict]]:
    """Seconds of one `dbt build` and dbt's per-node results; fails loudly when dbt does."""
    target = work_dir / f"target-{as_of.isoformat()}{'-'.join(extra)}"
    args = [
        str(DBT_EXECUTABLE), "build", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(target), "--log-path", str(work_dir / "logs"),
        "--vars", json.dumps({"as_of_date": as_of.isoformat()}), *extra,
    ]  # fmt: skip
    env = {**os.environ, "HOME": str(work_dir), **dbt_environment(url)}
    started = time.perf_counter()
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"dbt build failed:\n{result.stdout[-6000:]}{result.stderr[-2000:]}")
    results = json.loads((target / "run_results.json").read_text())["results"]
    return seconds, results


def node_name(unique_id: str) -> str:
    """`model.momentum.fct_x` -> `fct_x`; a data test's id ends in a hash after its (long) name."""
    kind, _project, name, *_hash = unique_id.split(".")
    return name if kind != "test" else f"test {name}"


def report(label: str, seconds: float, results: list[dict], slowest: int = SLOWEST_SHOWN) -> None:
    """Wall clock, node seconds per kind (models, data tests, unit tests; summed, though dbt runs `threads` at once) and the slowest."""
    per_kind: dict[str, float] = {}
    for result in results:
        kind = result["unique_id"].split(".")[0]
        per_kind[kind] = per_kind.get(kind, 0.0) + result["execution_time"]
    kinds = ", ".join(f"{kind} {total:.1f} s" for kind, total in sorted(per_kind.items()))
    print(f"{label}: {seconds:.1f} s wall ({kinds} summed over nodes)")
    for result in sorted(results, key=lambda r: -r["execution_time"])[:slowest]:
        print(f"    {result['execution_time']:7.1f} s  {node_name(result['unique_id'])}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a database holding a demo CRM (default: the bench database)")
    parser.add_argument("--preset", default="demo", help="preset of the CRM built when the database has none")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--teams", type=int, help="keep only the preset's first N teams (scales volume down)")
    parser.add_argument(
        "--days", type=int, default=1, help="days the CRM advances before the incremental build"
    )
    parser.add_argument("--skip-full", action="store_true", help="time only the incremental build")
    parser.add_argument(
        "--slowest", type=int, default=SLOWEST_SHOWN, help="how many of the slowest nodes to list"
    )
    args = parser.parse_args(argv)

    url = args.url or bench_database_url()
    if not demo_crm_exists(url):
        started = time.perf_counter()
        config = PRESETS[args.preset]
        if args.teams:
            config = dataclasses.replace(config, teams=config.teams[: args.teams])
        build_demo_crm(url, preset=config, seed=args.seed)
        print(f"built the {args.preset!r} demo CRM in {time.perf_counter() - started:.1f} s")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("create schema if not exists ml; create schema if not exists actions")
        conn.execute(DEAL_SCORES_DDL)
        conn.execute(TMVA_DDL)
        deals = conn.execute("select count(*) from crm.opportunity").fetchone()[0]
    print(f"CRM: {deals:,} opportunities, today {demo_today(url)}")

    with tempfile.TemporaryDirectory(prefix="momentum-bench-") as work:
        work_dir = Path(work)
        if not args.skip_full:
            extract_crm(DemoCrmSource(url), url, full_refresh=True)
            seconds, results = timed_dbt_build(url, demo_today(url), work_dir, "--full-refresh")
            report("full dbt build", seconds, results, args.slowest)
        advance_demo_crm(url, days=args.days)
        extract_crm(DemoCrmSource(url), url)
        seconds, results = timed_dbt_build(url, demo_today(url), work_dir)
        report(f"incremental dbt build after {args.days} day(s)", seconds, results, args.slowest)
        with psycopg.connect(url) as conn:
            rows = conn.execute("select count(*) from marts.fct_deal_snapshots").fetchone()[0]
        print(f"fct_deal_snapshots: {rows:,} rows")


if __name__ == "__main__":
    main()
