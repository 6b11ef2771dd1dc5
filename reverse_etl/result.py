"""What one sync run did, and its one-line summary for the CLI and the Dagster log."""

from __future__ import annotations

from dataclasses import dataclass

SUCCEEDED = "succeeded"
PARTIAL = "partial"  # written, but some records failed (see reverse_etl.sync_record_error)
DRY_RUN = "dry_run"
REFUSED = "refused"  # not started: upstream blocking checks failed, or the sync is already running
STOPPED = "stopped"  # a guard rail stopped it before any write (too many changes, empty payload)
FAILED = "failed"  # an error rolled the write back
ABORTED = "aborted"  # the run was killed before it finished; the next run of the sync closes its row


@dataclass(frozen=True)
class SyncResult:
    sync_name: str
    status: str
    received: int = 0
    """Rows in today's payload."""
    changed: int = 0
    """New or changed records by the diff against sync state."""
    written: int = 0
    """Records inserted or updated in the CRM (for a dry run: that would be)."""
    retired: int = 0
    """Momentum's open tasks set to Expired because they left the payload (dry run: would be)."""
    failed: int = 0
    """Records that could not be written (bad value, unknown id, duplicate key)."""
    message: str = ""
    sample: tuple[dict, ...] = ()
    """Dry run only: a few changed records, each {record_key, action, changes: {field: (crm, new)}}."""
    field_counts: tuple[tuple[str, int], ...] = ()
    """Dry run only: per written field, how many records would change it, most first."""
    sync_run_id: str | None = None

    @property
    def ok(self) -> bool:
        """True when the CRM holds today's payload (or, for a dry run, could)."""
        return self.status in (SUCCEEDED, DRY_RUN)


def format_summary(result: SyncResult) -> str:
    if result.status == DRY_RUN:
        counts = (
            f"received {result.received}, changed {result.changed}, would write {result.written}, "
            f"would retire {result.retired}, failed {result.failed} (nothing written)"
        )
    else:
        counts = (
            f"received {result.received}, changed {result.changed}, written {result.written}, "
            f"retired {result.retired}, failed {result.failed}"
        )
    if result.field_counts:
        counts += "; per field: " + ", ".join(f"{field} {n}" for field, n in result.field_counts)
    line = f"{result.sync_name}: {result.status} - {counts}"
    return f"{line}; {result.message}" if result.message else line
