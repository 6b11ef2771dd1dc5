"""What a sync needs of a CRM destination: stage the changed records, check them, write them.

The engine streams each run's changed records into the destination's stage with COPY, asks which
records cannot be written (and why), then writes the rest in one step (or, on a dry run, counts
what a write would do). Implementations live with their CRM in `crm/`; the orchestration layer
hands the sync a factory, so this package never imports a CRM. A destination behind an API
(crm/salesforce/destination.py) stages in the warehouse the same way and returns the records the CRM
refused from `write` (`WriteCounts.failures`).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import psycopg
from psycopg import sql

from reverse_etl.mapping import Mapping


@dataclass(frozen=True)
class WriteCounts:
    inserted: int = 0
    updated: int = 0
    retired: int = 0
    failures: tuple[tuple[str, str], ...] = ()
    """(record key, the CRM's reason) of each record the CRM refused during the write: an API destination
    learns them only from its answers. The engine logs them and leaves them out of sync state."""

    @property
    def written(self) -> int:
        return self.inserted + self.updated


class Destination(Protocol):
    # Session temp tables holding the staged records and the payload's keys: when the destination is
    # the warehouse database itself, the sync state is updated from them in the same transaction.
    stage_table: str
    keys_table: str

    def create_stage(self) -> None: ...

    def stage_copy_sql(self) -> sql.Composed:
        """COPY ... FROM STDIN into the stage, in the order of diff.candidates_copy_sql."""
        ...

    def keys_copy_sql(self) -> sql.Composed:
        """COPY ... FROM STDIN of every key in today's payload (for retiring what dropped out)."""
        ...

    def mark_failures(self) -> list[tuple[str, str]]:
        """(record key, reason) of each staged record that cannot be written."""
        ...

    def count_writes(self) -> WriteCounts:
        """What `write` would do, without writing (dry run)."""
        ...

    def write(self) -> WriteCounts: ...

    def sample(self, limit: int = 5) -> tuple[dict, ...]:
        """A few staged records with each field's CRM value and the value the sync would write."""
        ...


# (open connection to the destination, mapping) -> the destination for that mapping's run.
DestinationFactory = Callable[[psycopg.Connection, Mapping], Destination]


@runtime_checkable
class ReturnsLoadResults(Protocol):
    """A factory whose destination's writes are loaded later by someone else (files a user loads with a data
    loader): the CRM's refusals come back on a later run. Before its diff, a run takes them, logs each with the
    CRM's message and forgets the records' sync state, so today's diff sends them again; leaving the context
    without error marks them read."""

    def refused_records(self, mapping: Mapping) -> AbstractContextManager[list[tuple[str, str]]]: ...
