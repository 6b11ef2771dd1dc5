"""What the extract needs of a CRM: each object's fields with their types, and its changed records.

A source is a context manager (it holds the connection for one extract). Records travel as
PostgreSQL COPY text blocks, so the extract streams them into the warehouse without holding an
object in memory; a source over an HTTP API converts its pages into that format as they arrive.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Protocol, Self

from extract.layout import RawLayout


class CrmSource(Protocol):
    # Names the source in messages, for example "the demo CRM (schema crm)".
    name: str
    # Where its objects land (raw schema, objects and their keys and stamps, dbt staging folder).
    layout: RawLayout
    # Optional (read with getattr, default False): True when the source's values are text as a file gave
    # them (a CSV export), not values of the types columns() names. The extract then parses every typed
    # column row by row, and quarantines a value that does not parse (03/04/2026 in a date column).
    # values_as_text: bool

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc_info: object) -> None: ...

    def columns(self, object_name: str) -> list[tuple[str, str]]:
        """(field, PostgreSQL type) in the source's order; empty when the CRM has no such object."""
        ...

    def today(self) -> date:
        """The CRM's current date (UTC): a morning run for an earlier as-of date is refused, since the live
        CRM cannot be read as it stood then (extract/as_of.py)."""
        ...

    def copy_rows(self, object_name: str, fields: Sequence[str], since: datetime | None) -> Iterator[bytes]:
        """COPY text blocks of the object's records, these fields in this order, with the object's modstamp
        at or after `since` (every record when None), and every record without a modstamp: the extract
        quarantines those, so none is silently never read."""
        ...

    def copy_ids(self, object_name: str, primary_key: str) -> Iterator[bytes] | None:
        """COPY text blocks of the primary key of every record the CRM holds now, one per line, or None when
        the source cannot list them. The extract marks raw rows whose id is gone as deleted
        (`_deleted_at`), and clears the mark if the id comes back.

        The demo CRM lists its keys (a COPY of one column). A real CRM's API has a cheaper and
        truer signal: its delete feed (Salesforce getDeleted / queryAll with IsDeleted, HubSpot's
        archived records), which a source for it should turn into this same list of live ids, or
        return None until it does (deletions are then not detected)."""
        ...
