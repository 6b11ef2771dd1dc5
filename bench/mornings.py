"""Mornings without false alarms: N simulated days of daily operation, with the checks each morning raised.

    MOMENTUM_HOME=/tmp/mornings .venv/bin/python -m bench.mornings --days 10               # demo preset
    MOMENTUM_HOME=/tmp/mornings .venv/bin/python -m bench.mornings --days 3 --preset tiny

Builds the demo CRM and runs the first morning (`momentum demo`: retrain, then the morning job) unless
MOMENTUM_HOME already holds one, then for each day: `sim advance` one day and run the morning job on the
CRM's new today. Prints per morning whether it succeeded, its failed (blocking) checks, its warned checks
and how long its steps took; then a total line. In a world without real drift, every count should be 0.
Each morning's full log goes to MOMENTUM_HOME/logs/morning-<day>.log. Exits 1 when a morning failed or
warned, so the bench can gate a change.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from orchestration.runner import JobReport, run_job
from simulator.advance import advance_demo_crm
from simulator.build import demo_crm_exists, demo_today
from warehouse.server import warehouse_url
from warehouse.settings import load_settings

MOMENTUM = Path(sys.executable).with_name("momentum")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=10, help="Mornings to simulate (one calendar day each).")
    parser.add_argument("--preset", default="demo", help="Preset of the demo CRM when one is built.")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")  # one bar per model load otherwise
    settings = load_settings()
    url = warehouse_url(settings)
    print(f"MOMENTUM_HOME={settings.home}")
    if not demo_crm_exists(url):
        started = time.perf_counter()
        print(
            f"building the demo CRM ({args.preset}, seed {args.seed}) and its first morning ...", flush=True
        )
        subprocess.run(
            [str(MOMENTUM), "demo", "--preset", args.preset, "--seed", str(args.seed)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"  ready in {time.perf_counter() - started:.0f} s", flush=True)

    reports: list[JobReport] = []
    for _ in range(args.days):
        advanced = advance_demo_crm(url, 1)
        as_of = demo_today(url)
        log_path = settings.home / "logs" / f"morning-{as_of.isoformat()}.log"
        report = run_job(settings, "morning", as_of, log_path=log_path)
        reports.append(report)
        _print_morning(report, advanced.seconds)

    failed_runs = sum(not report.success for report in reports)
    failed = sum(len(report.failed_checks) for report in reports)
    warned = sum(len(report.warned_checks) for report in reports)
    steps = sum(sum(report.step_seconds.values()) for report in reports)
    print(
        f"total: {len(reports)} mornings, {failed_runs} failed runs, {failed} failed checks, "
        f"{warned} warned checks, {steps:.0f} s of steps"
    )
    if failed_runs or failed or warned:
        raise SystemExit(1)


def _print_morning(report: JobReport, advance_seconds: float) -> None:
    status = "ok" if report.success else f"FAILED ({', '.join(report.failed_steps) or 'see log'})"
    print(
        f"{report.as_of} {report.as_of:%a}: {status}; {len(report.failed_checks)} failed, "
        f"{len(report.warned_checks)} warned; steps {sum(report.step_seconds.values()):.0f} s "
        f"(advance {advance_seconds:.0f} s)",
        flush=True,
    )
    for line in report.failed_checks:
        print(f"    failed: {line}")
    for line in report.warned_checks:
        print(f"    warned: {line}")


if __name__ == "__main__":
    main()
