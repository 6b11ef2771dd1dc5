"""A test-only CrmSource: the demo CRM served as a Salesforce org, as the API source would land it.

Each object is read through simulator/salesforce_org.py SALESFORCE_SELECTS (the demo CRM under Salesforce's
API names), its fields typed as crm/salesforce/fields.py says (what the API source reports), and lands in
raw_salesforce (SALESFORCE_LAYOUT) with the columns lower-cased. Ids travel in the 18-character form the
API gives, and an empty reference as Salesforce's null key, so staging's id handling is exercised.

`without` leaves out objects and fields, for an org that lacks them (the custom fields Momentum suggests,
or the optional objects).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Self

import psycopg
from psycopg import sql

from crm.demo.source import DemoCrmSource
from crm.salesforce.fields import OBJECTS_BY_RAW_NAME
from crm.salesforce.ids import NULL_KEY_18, to_18
from crm.salesforce.layout import SALESFORCE_LAYOUT
from simulator.salesforce_org import SALESFORCE_SELECTS

NULL = b"\\N"


def _id_kind(field: str) -> str | None:
    """'id' for the record's own Id, 'reference' for a lookup (AccountId, WhatId), else None."""
    if field == "Id":
        return "id"
    return "reference" if field.endswith("Id") and not field.endswith("__c") else None


class DemoOrgAsSalesforce:
    layout = SALESFORCE_LAYOUT

    def __init__(self, url: str, *, without: Iterable[str] = ()):
        """`without`: API names of objects ('UserRole') or fields ('Segment__c') the org does not have."""
        self.url = url
        self.without = frozenset(without)
        self.name = "the demo CRM as a Salesforce org (test)"
        self._conn: psycopg.Connection | None = None

    def __enter__(self) -> Self:
        self._conn = psycopg.connect(self.url, autocommit=True)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _object(self, object_name: str):
        return OBJECTS_BY_RAW_NAME[object_name]

    def _fields(self, object_name: str) -> list[str]:
        """The object's API field names as the demo serves them, minus those the org lacks."""
        sf_object = self._object(object_name)
        if sf_object.api_name in self.without:
            return []
        select = SALESFORCE_SELECTS[sf_object.api_name]
        cursor = self._conn.execute(sql.SQL("select * from ({}) as o limit 0").format(sql.SQL(select)))
        return [column.name for column in cursor.description if column.name not in self.without]

    def columns(self, object_name: str) -> list[tuple[str, str]]:
        types = {field.name: field.pg_type for field in self._object(object_name).fields}
        return [(field.lower(), types.get(field, "text")) for field in self._fields(object_name)]

    def today(self) -> date:
        with DemoCrmSource(self.url) as demo:
            return demo.today()

    def copy_rows(self, object_name: str, fields: Sequence[str], since: datetime | None) -> Iterator[bytes]:
        by_lower = {field.lower(): field for field in self._fields(object_name)}
        api_fields = [by_lower[field] for field in fields]
        select = sql.SQL("select {fields} from ({select}) as o").format(
            fields=sql.SQL(", ").join(map(sql.Identifier, api_fields)),
            select=sql.SQL(SALESFORCE_SELECTS[self._object(object_name).api_name]),
        )
        if since is not None:
            stamp = sql.Identifier(self._object(object_name).modstamp_field)
            select += sql.SQL(" where {stamp} >= {since} or {stamp} is null").format(
                stamp=stamp, since=sql.Literal(since)
            )
        yield from self._as_salesforce_ids(select, [_id_kind(field) for field in api_fields])

    def copy_ids(self, object_name: str, primary_key: str) -> Iterator[bytes]:
        select = sql.SQL('select "Id" from ({}) as o').format(
            sql.SQL(SALESFORCE_SELECTS[self._object(object_name).api_name])
        )
        yield from self._as_salesforce_ids(select, ["id"])

    def _as_salesforce_ids(self, select: sql.Composable, id_kinds: list[str | None]) -> Iterator[bytes]:
        """COPY text rows with every id in its 18-character form and empty references as the null key.
        COPY text escapes tabs and newlines inside values, so rows split on them safely."""
        pending = b""
        with (
            self._conn.cursor() as cursor,
            cursor.copy(sql.SQL("copy ({}) to stdout").format(select)) as copy,
        ):
            for block in copy:
                lines = (pending + bytes(block)).split(b"\n")
                pending = lines.pop()
                yield b"".join(self._row(line, id_kinds) + b"\n" for line in lines)
        if pending:
            yield self._row(pending, id_kinds) + b"\n"

    @staticmethod
    def _row(line: bytes, id_kinds: list[str | None]) -> bytes:
        values = line.split(b"\t")
        for position, kind in enumerate(id_kinds):
            if kind is None:
                continue
            if values[position] != NULL:
                values[position] = to_18(values[position].decode()).encode()
            elif kind == "reference":
                values[position] = NULL_KEY_18.encode()
        return b"\t".join(values)
