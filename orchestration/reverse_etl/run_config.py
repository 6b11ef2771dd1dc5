"""What a user asks of the CRM syncs for one run (`momentum run --dry-run`, `--force-sync NAME --reason ...`).

It reaches each sync asset as Dagster run config (`SyncRunConfig`), so a run launched from the UI's launchpad
can ask the same, and the schedule's runs (no config) sync normally. Kept apart from the assets: the CLI
builds the config before the definitions (and dbt's manifest) are loaded.
"""

from __future__ import annotations

import dagster as dg

from reverse_etl.mapping import load_mappings


class SyncRunConfig(dg.Config):
    dry_run: bool = False
    """Diff and report (counts per field, a sample of old and new values); write nothing to the CRM or state."""
    force_reason: str | None = None
    """Release the change-share guard for this run, for this reason (logged in reverse_etl.sync_log)."""
    forced_by: str | None = None
    """Who released it (the CLI puts the OS user)."""


class UnknownSync(ValueError):
    """A --force-sync name that is no sync: the message lists the syncs."""


def sync_op_name(sync_name: str) -> str:
    """The Dagster op of the sync asset `reverse_etl/<sync_name>` (orchestration/reverse_etl/assets.py)."""
    return dg.AssetKey(["reverse_etl", sync_name]).to_python_identifier()


def released_syncs(run_config: dict) -> frozenset[str]:
    """The syncs a run's config releases or runs dry: their payload's change-share check steps aside."""
    ops = run_config.get("ops") or {}
    released = set()
    for name in load_mappings():
        config = (ops.get(sync_op_name(name)) or {}).get("config") or {}
        if config.get("force_reason") or config.get("dry_run"):
            released.add(name)
    return frozenset(released)


def sync_run_config(
    *, dry_run: bool = False, forced: dict[str, str] | None = None, by: str | None = None
) -> dict:
    """The `ops` part of a morning run's config: every sync dry when `dry_run`, and each sync in `forced`
    (sync name -> reason) released. Raises UnknownSync for a name no mapping has."""
    forced = forced or {}
    syncs = sorted(load_mappings())
    unknown = sorted(set(forced) - set(syncs))
    if unknown:
        raise UnknownSync(
            f"no sync named {', '.join(unknown)}; --force-sync takes one of: {', '.join(syncs)} "
            "(reverse_etl/mappings/<name>.yml)"
        )
    ops = {}
    for name in syncs:
        config = {"dry_run": True} if dry_run else {}
        if name in forced:
            config |= {"force_reason": forced[name], "forced_by": by}
        if config:
            ops[sync_op_name(name)] = {"config": config}
    return ops
