"""The CRM syncs' lines of the run summary: what each wrote, why one stopped and how to release it, what a
dry run would change, and who released the guard."""

from __future__ import annotations

from orchestration.runner import JobReport
from warehouse.frames import read_frame, relation_exists

SAMPLE_RECORDS_SHOWN = 3


def sync_lines(url: str, report: JobReport) -> list[str]:
    if not relation_exists(url, "reverse_etl.sync_log"):
        return []
    syncs = read_frame(
        url,
        "select sync_name, status, received, changed, written, retired, failed, message, force_reason, forced_by "
        "from reverse_etl.sync_log where dagster_run_id = %s order by started_at",
        (report.run_id,),
    )
    lines = []
    for row in syncs.itertuples():
        dry = row.status == "dry_run"
        lines.append(
            f"CRM sync {row.sync_name}: {row.status}; {row.received} records in payload, {row.changed} changed, "
            f"{row.written} {'would be written' if dry else 'written'}, {row.retired} "
            f"{'would be retired' if dry else 'retired'}, {row.failed} failed"
        )
        if row.force_reason:
            lines.append(f"  guard released by {row.forced_by or 'an unnamed user'}: {row.force_reason}")
        if row.status == "stopped":
            lines.append(f"  stopped: {row.message}")
        if dry:
            lines += _dry_run_lines(report.dry_runs.get(row.sync_name, {}))
    return lines


def _dry_run_lines(dry_run: dict) -> list[str]:
    lines = []
    if (message := dry_run.get("message", "")).startswith("a real run would stop"):
        lines.append(f"  {message}")
    counts = dry_run.get("field_counts") or {}
    if counts:
        lines.append(
            "  records that would change, per field: " + ", ".join(f"{f} {n}" for f, n in counts.items())
        )
    for record in (dry_run.get("sample") or [])[:SAMPLE_RECORDS_SHOWN]:
        changes = "; ".join(f"{field} {old} -> {new}" for field, (old, new) in record["changes"].items())
        lines.append(f"  e.g. {record['action']} {record['record_key']}: {changes or 'no field differs'}")
    lines.append("  dry run: nothing was written to the CRM or to reverse_etl.sync_state")
    return lines
