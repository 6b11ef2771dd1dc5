"""The demo CRM's objects as the local Salesforce server describes and serves them.

Each object is a SELECT of simulator/salesforce_org.py (columns named as Salesforce's API names them)
plus `IsDeleted` (always false: the demo CRM deletes rows outright, so a deleted record is simply gone
and the API source notices it by listing ids). Values are formatted in SQL, as the API gives them, so
the server streams PostgreSQL's output instead of converting every value in Python:
- Id and reference fields in the 18-character form (crm/salesforce/ids.py `to_18`);
- datetimes `2026-12-04T10:00:00.000+0000`, dates `2026-12-04`, booleans true/false.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

from crm.salesforce.ids import _CHECKSUM_ALPHABET
from simulator.salesforce_org import MOMENTUM_OBJECT_TABLES, SERVED_SELECTS

# Salesforce field type of each PostgreSQL type the demo's SELECTs give.
_SALESFORCE_TYPES = {
    "text": "string",
    "character varying": "string",
    "boolean": "boolean",
    "integer": "int",
    "smallint": "int",
    "bigint": "int",
    "numeric": "double",
    "double precision": "double",
    "date": "date",
    "timestamp with time zone": "datetime",
    "timestamp without time zone": "datetime",
}


@dataclass(frozen=True)
class ApiField:
    name: str
    type: str  # Salesforce's: id, reference, string, boolean, int, double, currency, date, datetime

    def describe(self) -> dict:
        return {
            "name": self.name,
            "label": self.name.removesuffix("__c").replace("_", " "),
            "type": self.type,
            "soapType": f"xsd:{self.type}" if self.type not in ("id", "reference") else "tns:ID",
            "nillable": self.name not in ("Id", "IsDeleted", "SystemModstamp"),
            "createable": self.name not in ("Id", "IsDeleted", "SystemModstamp"),
            "updateable": self.name not in ("Id", "IsDeleted", "SystemModstamp", "CreatedDate"),
            "custom": self.name.endswith("__c"),
            "externalId": False,
            "unique": self.name == "Id",
            "length": 255 if self.type in ("string", "id", "reference") else 0,
            "referenceTo": [],
            "picklistValues": [],
        }


@dataclass(frozen=True)
class ApiObject:
    name: str
    fields: tuple[ApiField, ...]

    def field(self, name: str) -> ApiField | None:
        """Field names are case-insensitive in SOQL, as in Salesforce."""
        for field in self.fields:
            if field.name.lower() == name.lower():
                return field
        return None


def source_select(object_name: str) -> sql.Composable:
    """The object's rows, with the IsDeleted every Salesforce object carries."""
    return sql.SQL('(select s.*, false as "IsDeleted" from ({}) s)').format(
        sql.SQL(SERVED_SELECTS[object_name])
    )


def read_catalog(conn: psycopg.Connection, *, momentum_objects: bool = True) -> dict[str, ApiObject]:
    """Every object's fields and their Salesforce types, from the SELECTs' result columns. Momentum's own objects
    (Momentum_Forecast__c) are left out when `momentum_objects` is false (its package not deployed) or their demo
    CRM table is missing."""
    catalog = {}
    for object_name in SERVED_SELECTS:
        table = MOMENTUM_OBJECT_TABLES.get(object_name)
        if table and not (
            momentum_objects and conn.execute("select to_regclass(%s)", (table,)).fetchone()[0]
        ):
            continue
        with conn.cursor() as cursor:
            cursor.execute(sql.SQL("select * from {} o limit 0").format(source_select(object_name)))
            fields = []
            for column in cursor.description:
                pg_type = conn.execute("select format_type(%s, null)", (column.type_code,)).fetchone()[0]
                fields.append(ApiField(column.name, _field_type(column.name, pg_type)))
        catalog[object_name] = ApiObject(object_name, tuple(fields))
    return catalog


def _field_type(name: str, pg_type: str) -> str:
    salesforce_type = _SALESFORCE_TYPES.get(pg_type, "string")
    if name == "Id":
        return "id"
    if salesforce_type == "string" and name.endswith("Id"):
        return "reference"
    if salesforce_type == "double" and "amount" in name.lower():
        return "currency"
    return salesforce_type


def id_18_sql(column: sql.Composable) -> sql.Composable:
    """to_18 in SQL: in each 5-character chunk, an upper-case letter at position i adds 2**i, and the sum
    indexes the checksum alphabet. Only 15-character values are extended, as to_18 does. Integer tests
    on ascii() codes: a translate() of the id per chunk cost 20 µs per id, this a fraction of it."""
    chunks = []
    for chunk in range(3):
        bits = sql.SQL(" + ").join(
            sql.SQL("(ascii(substr({c}, {position}, 1)) between 65 and 90)::int * {weight}").format(
                c=column, position=sql.Literal(chunk * 5 + i + 1), weight=sql.Literal(1 << i)
            )
            for i in range(5)
        )
        chunks.append(
            sql.SQL("substr({alphabet}, 1 + {bits}, 1)").format(
                alphabet=sql.Literal(_CHECKSUM_ALPHABET), bits=bits
            )
        )
    suffix = sql.SQL(" || ").join(chunks)
    return sql.SQL("case when length({c}) = 15 then {c} || {suffix} else {c} end").format(
        c=column, suffix=suffix
    )


def value_sql(field: ApiField, *, csv: bool) -> sql.Composable:
    """The field's value as the API gives it: JSON-ready for REST, text for Bulk 2.0's CSV."""
    column = sql.Identifier(field.name)
    if field.type in ("id", "reference"):
        return id_18_sql(column)
    if field.type == "datetime":
        zone = '"Z"' if csv else '"+0000"'
        return sql.SQL("to_char({} at time zone 'UTC', {})").format(
            column, sql.Literal(f'YYYY-MM-DD"T"HH24:MI:SS.MS{zone}')
        )
    if field.type == "date":
        return sql.SQL("to_char({}, 'YYYY-MM-DD')").format(column)
    if csv and field.type == "boolean":
        return sql.SQL("case when {c} then 'true' when not {c} then 'false' end").format(c=column)
    return column
