"""Console progress for CLI runs: one line when a step starts, finishes or fails, instead of Dagster's debug log."""

from __future__ import annotations

import logging
import sys

import dagster as dg


class _StepProgressHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        if event is None:
            if record.levelno >= logging.WARNING:
                print(f"  ! {record.getMessage()}", file=sys.stderr, flush=True)
            return
        kind = event.event_type_value
        if kind == "STEP_START":
            print(f"  > {event.step_key} ...", flush=True)
        elif kind == "STEP_SUCCESS":
            seconds = event.event_specific_data.duration_ms / 1000
            print(f"  + {event.step_key} done in {seconds:.1f}s", flush=True)
        elif kind == "STEP_FAILURE":
            error = event.event_specific_data.error
            message = error.message.strip().splitlines()[-1] if error else "failed"
            print(f"  x {event.step_key} failed: {message}", flush=True)
        elif kind == "ASSET_CHECK_EVALUATION" and not event.event_specific_data.passed:
            check = event.event_specific_data
            print(f"  x check {check.check_name} on {check.asset_key.to_user_string()} failed", flush=True)


@dg.logger(description="One console line per step started, finished (with its duration) or failed.")
def step_progress_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    progress = logging.Logger("momentum.progress", level=logging.INFO)
    progress.addHandler(_StepProgressHandler())
    return progress
