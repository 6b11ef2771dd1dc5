"""Crash campaign: syncs into the local Salesforce or HubSpot server killed at random moments and resumed.

    .venv/bin/python -m bench.crash_campaign --destination salesforce|hubspot --runs 100 [--preset tiny] [--seed 1]

Each round changes the payloads (new probabilities on a random part of the open deals, new or reworded
TMVA tasks, some tasks dropping out), starts both syncs (opportunity_fields, tasks) in a child process,
SIGKILLs it a random delay after its imports (before a request, mid-request, between batches, or never), then runs
them again to completion; `--runs N` plays rounds until N syncs were killed mid-way (at most 3N rounds). The server answers 429/503, slow answers, dropped connections after the
write and per-record failures at the rates below. After every resumed round it asserts:
- 0 duplicate tasks (one Momentum task per external id);
- 0 lost updates: every payload record the last run did not log as failed holds the payload's values in
  the CRM, every Momentum task that left the payload is Expired;
- the log reconciles: every finished run has changed = written + failed (each record sent was confirmed
  or refused; none silently dropped), and no batch is left in the journal.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import psycopg
from psycopg import sql

from bench import crash_checks
from bench import crash_destinations as destinations
from reverse_etl.mapping import Mapping, load_mappings
from simulator.write_faults import WriteFaults

SYNCS = ("opportunity_fields", "tasks")
FAULTS = {
    "status_rate": 0.1,
    "retry_after": 0,
    "slow_rate": 0.1,
    "slow_seconds": 0.05,
    "drop_after_write_rate": 0.1,
}
RECORD_FAILURE_RATE = 0.02


@dataclass
class CampaignResult:
    rounds: int = 0
    killed: int = 0
    killed_in_flight: int = 0
    """Kills that left a batch in the journal: sent, its answer not yet recorded."""
    duplicate_tasks: int = 0
    lost_updates: int = 0
    unreconciled_runs: int = 0
    journal_left: int = 0
    records_sent: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


def run_campaign(
    url: str, server, runs: int, seed: int = 1, destination: str = "salesforce"
) -> CampaignResult:
    """`server`: a RunningServer of `destination` over the demo CRM in `url` (faults set by the caller)."""
    rng = random.Random(seed)
    mappings = load_mappings()
    _create_payload_tables(url, mappings)
    result = CampaignResult()
    started = time.monotonic()
    # Kills land within a window that starts at the first full sync's length and adapts: it shrinks when a round's
    # syncs ended before the kill and grows when they were killed, since a round's changes take far less time
    # than the first sync and kills timed by it would mostly land after the syncs ended.
    window = _resume(url, server, destination)
    round_number = 0
    # Rounds go on until `runs` syncs were killed mid-way (a round whose syncs end before the kill counts no kill).
    while result.killed < runs and round_number < 3 * runs:
        _change_payloads(url, rng, round_number)
        child = _start_child(url, server, destination)
        child.stdout.readline()  # imports done: the kill lands while the syncs run (or just after)
        time.sleep(rng.uniform(0, window))
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
            result.killed += 1
            window *= 1.1
        else:
            window *= 0.8
        child.communicate()
        result.killed_in_flight += _in_flight(url)
        _resume(url, server, destination)
        result.rounds += 1
        _check(url, mappings, result, round_number)
        round_number += 1
    result.seconds = round(time.monotonic() - started, 1)
    return result


# --- the child: both syncs, as the morning job runs them ---------------------------------------------
def child_main(url: str, server_json: str) -> None:
    from reverse_etl.sync import run_sync

    factory = destinations.destination_factory(json.loads(server_json))
    mappings = load_mappings()
    print("ready", flush=True)
    for name in SYNCS:
        for _ in range(50):  # a killed run's session may hold the sync's lock a moment longer
            result = run_sync(url, url, mappings[name], open_destination=factory, run_id="crash-campaign")
            if result.status != "refused":
                break
            time.sleep(0.1)
        else:
            raise SystemExit(f"sync {name} stayed refused: {result.message}")


def _start_child(url: str, server, destination: str) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "bench.crash_campaign",
        "--child",
        url,
        destinations.server_json(server, destination),
    ]
    return subprocess.Popen(
        command, env={**os.environ, "PYTHONPATH": os.getcwd()}, stdout=subprocess.PIPE, text=True
    )


def _resume(url: str, server, destination: str) -> float:
    """Run both syncs to the end; returns their seconds (imports aside)."""
    child = _start_child(url, server, destination)
    child.stdout.readline()
    started = time.monotonic()
    child.stdout.read()
    if child.wait() != 0:
        raise RuntimeError("a resumed sync failed: see its output above")
    return time.monotonic() - started


# --- payloads ----------------------------------------------------------------------------------------
def _create_payload_tables(url: str, mappings: dict[str, Mapping]) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("create schema if not exists reverse_etl")
        for name in SYNCS:
            mapping = mappings[name]
            columns = [mapping.match_key, *mapping.written_fields, *mapping.compare_only]
            conn.execute(
                sql.SQL("drop table if exists {table}; create table {table} ({columns})").format(
                    table=sql.Identifier(*mapping.source_parts),
                    columns=sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(c)) for c in columns),
                )
            )


def _change_payloads(url: str, rng: random.Random, round_number: int) -> None:
    now = datetime.now(UTC).isoformat()
    with psycopg.connect(url) as conn:
        deals = conn.execute(
            "select opportunity_id, owner_id from crm.opportunity where not is_closed order by 1"
        ).fetchall()
        # Opportunities: a random part of the deals moves; the rest keep their values.
        conn.execute(
            "update reverse_etl.sync_crm__opportunity_fields set ai_win_probability = round(random()::numeric, 2)::text,"
            " ai_scored_at = %s where random() < 0.3",
            (now,),
        )
        conn.execute(
            "insert into reverse_etl.sync_crm__opportunity_fields (opportunity_id, ai_win_probability,"
            " ai_model_version, ai_next_best_action, ai_scored_at)"
            " select o, round(random()::numeric, 2)::text, 'win@1', 'Call the buyer', %s from unnest(%s::text[]) o"
            " where not exists (select 1 from reverse_etl.sync_crm__opportunity_fields f where f.opportunity_id = o)",
            (now, [d for d, _ in deals]),
        )
        # Tasks: today's TMVAs for a random set of deals, worded per round for some of them.
        conn.execute("truncate reverse_etl.sync_crm__tasks")
        chosen = rng.sample(deals, min(len(deals), rng.randint(5, 40)))
        with conn.cursor().copy(
            "copy reverse_etl.sync_crm__tasks (ai_external_id, what_id, owner_id, subject, type, status, priority,"
            " activity_date, description, ai_action_type, ai_context, ai_script, ai_recommended_at,"
            " ai_expected_impact_amount, ai_model_version) from stdin"
        ) as copy:
            for deal, owner in chosen:
                wording = round_number if rng.random() < 0.3 else 0
                copy.write_row(
                    (
                        f"tmva-{deal}",
                        deal,
                        owner,
                        f"Call the buyer ({wording})",
                        "Call",
                        "Open",
                        "High",
                        "2026-11-24",
                        "No buyer engaged.",
                        "call",
                        "Stalled.",
                        "Hi ...",
                        now,
                        "1200.00",
                        "win@1",
                    )
                )


def _in_flight(url: str) -> int:
    with psycopg.connect(url) as conn:
        exists = conn.execute("select to_regclass('reverse_etl.sync_journal') is not null").fetchone()[0]
        return int(exists and conn.execute("select count(*) > 0 from reverse_etl.sync_journal").fetchone()[0])


# --- checks ------------------------------------------------------------------------------------------
def _check(url: str, mappings: dict[str, Mapping], result: CampaignResult, round_number: int) -> None:
    found = crash_checks.check(url, [mappings[name] for name in SYNCS])
    result.duplicate_tasks += found.duplicate_tasks
    result.lost_updates += found.lost_updates
    result.unreconciled_runs = found.unreconciled_runs
    result.journal_left += found.journal_rows
    result.records_sent = found.records_sent
    if found.duplicate_tasks or found.lost_updates or found.unreconciled_runs or found.journal_rows:
        result.problems.append(
            f"round {round_number}: {found.duplicate_tasks} duplicate tasks, {found.lost_updates} lost updates, "
            f"{found.unreconciled_runs} unreconciled runs, {found.journal_rows} journal rows"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--child", nargs=2, metavar=("URL", "SERVER_JSON"), help=argparse.SUPPRESS)
    parser.add_argument("--destination", choices=destinations.DESTINATIONS, default="salesforce")
    parser.add_argument(
        "--runs", type=int, default=100, help="syncs to kill mid-way (rounds go on until then)"
    )
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.child:
        child_main(*args.child)
        return
    from bench.salesforce_extract import bench_database_url
    from simulator.build import build_demo_crm

    url = bench_database_url(f"_crash_{args.destination}_{args.preset}")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("drop schema if exists reverse_etl cascade")
    build_demo_crm(url, args.preset, seed=args.seed)
    faults = WriteFaults(**FAULTS, record_failure_rate=RECORD_FAILURE_RATE, seed=args.seed)
    with destinations.serve(args.destination)(url, write_faults=faults) as server:
        result = run_campaign(url, server, args.runs, args.seed, args.destination)
        api_calls = destinations.api_calls(server, args.destination)
    print(json.dumps({**result.__dict__, "api_calls": api_calls, "faults": FAULTS}, indent=2))
    if result.problems:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
