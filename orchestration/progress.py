"""Console progress for CLI runs: one line when a step starts, finishes or fails, instead of Dagster's debug log."""

import logging
import sys

import dagster as dg

# Where progress lines go. The runner points this at the real console while it sends the rest of the
# run's stdout (dbt's own log lines, which dagster-dbt always echoes) to a log file.
console = sys.stdout


def _say(line: str) -> None:
    print(line, file=console, flush=True)


class _StepProgressHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        if event is None:
            if record.levelno >= logging.WARNING:
                _say(f"  ! {record.getMessage()}")
            return
        kind = event.event_type_value
        if kind == "STEP_START":
            _say(f"  > {event.step_key} ...")
        elif kind == "STEP_SUCCESS":
            seconds = event.event_specific_data.duration_ms / 1000
            _say(f"  + {event.step_key} done in {seconds:.1f}s")
        elif kind == "STEP_FAILURE":
            _say(f"  x {event.step_key} failed: {failure_message(event.event_specific_data.error)}")
        elif kind == "ASSET_CHECK_EVALUATION" and not event.event_specific_data.passed:
            check = event.event_specific_data
            outcome = "failed" if check.severity == dg.AssetCheckSeverity.ERROR else "warned"
            _say(f"  x check {check.check_name} on {check.asset_key.to_user_string()} {outcome}")


def failure_message(error) -> str:
    """The line worth reading in a failed step's error (a dagster SerializableErrorInfo chain): Dagster wraps
    the user's exception, so skip Dagster's own wrappers, but stop at the first error of ours. Going further
    down to the innermost cause would trade "play 'X' in playbook.yml: trigger ... is not valid" for the
    tokenizer's "EOF in multi-line statement" it was raised from."""
    while error is not None and error.cause is not None and error.cls_name.startswith("Dagster"):
        error = error.cause
    if error is None or not error.message.strip():
        return "failed"
    for cause, setting in TIMEOUTS.items():
        if cause in error.message:  # PostgreSQL cancelled a statement: say which setting let it
            return f"{error.cls_name}: {cause}: {setting}"
    return error.message.strip().splitlines()[-1]


# PostgreSQL's words when it cancels a statement at a timeout Momentum sets (warehouse/timeouts.py), and what
# the user can do about it: the bare "canceling statement due to lock timeout" names neither.
TIMEOUTS = {
    "canceling statement due to lock timeout": (
        "another session held a lock this step needed for longer than MOMENTUM_LOCK_TIMEOUT (pg_locks and "
        "pg_stat_activity show who holds it); end that session, or raise MOMENTUM_LOCK_TIMEOUT"
    ),
    "canceling statement due to statement timeout": (
        "a statement of this step ran longer than MOMENTUM_STATEMENT_TIMEOUT; raise it for a warehouse this size"
    ),
}


@dg.logger(description="One console line per step started, finished (with its duration) or failed.")
def step_progress_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    progress = logging.Logger("momentum.progress", level=logging.INFO)
    progress.addHandler(_StepProgressHandler())
    return progress
