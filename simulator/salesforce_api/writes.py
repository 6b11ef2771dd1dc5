"""Writes through the local Salesforce API, into the demo CRM's tables behind it
(docs/crm-api-contracts.md, section 1.6):

- sObject Collections update, `PATCH composite/sobjects`: at most 200 records, each with
  `attributes.type` and `id`;
- sObject Collections upsert by an external id, `PATCH composite/sobjects/<Object>/<ExternalIdField>`:
  one object, no `id`; each result carries `created`.

A well-formed request is answered 200 with one result per record, in order: `{"id", "success", "errors":
[{"statusCode", "message", "fields"}]}`; with `allOrNone` false one record's failure leaves the others
written. A field the org's describe lacks (not deployed, or hidden) fails the whole request, 400
INVALID_FIELD, as Salesforce refuses JSON naming an unknown field. API names are translated to the demo
CRM's columns through the same SELECTs the server reads with (simulator/salesforce_org.py).

`WriteFaults` injects, at configured rates, per-record failures (a validation rule, a locked row); the
server applies the request-level faults (429/503, slow answers, a connection dropped after the write).
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Callable

import psycopg
from psycopg import sql

from simulator.salesforce_api.api_error import ApiError
from simulator.salesforce_api.catalog import ApiObject
from simulator.salesforce_org import SERVED_SELECTS
from simulator.write_faults import WriteFaults

COLLECTION_LIMIT = 200
# The demo CRM table and primary key behind each object the API writes.
WRITABLE_TABLES = {
    "Opportunity": ("opportunity", "opportunity_id"),
    "Task": ("task", "task_id"),
    "Momentum_Forecast__c": ("momentum_forecast", "momentum_forecast_id"),
}
NOT_UPDATEABLE = frozenset({"Id", "IsDeleted", "SystemModstamp", "CreatedDate", "IsClosed", "IsWon"})
# What Salesforce gives a new Task without a Status (the demo CRM's status is not null).
DEFAULT_TASK_STATUS = "Open"
INJECTED_RECORD_ERRORS = (
    ("FIELD_CUSTOM_VALIDATION_EXCEPTION", "Next step must be filled in before this update (validation rule)"),
    ("UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record or 1 records"),
)


@functools.cache
def column_names(object_name: str) -> dict[str, str]:
    """API name -> demo CRM column, for the SELECT's plain `column as "ApiName"` pairs."""
    return {api: column for column, api in re.findall(r'(\w+) as "(\w+)"', SERVED_SELECTS[object_name])}


class OrgWriter:
    """Applies collection writes. `visible(object_name)` is the object as describe shows it now (hidden
    and undeployed fields left out); `connect()` opens a read-write connection to the demo CRM."""

    def __init__(
        self,
        visible: Callable[[str], ApiObject],
        connect: Callable[[], psycopg.Connection],
        faults: WriteFaults,
    ):
        self._visible = visible
        self._connect = connect
        self.faults = faults

    def update(self, body: dict) -> list[dict]:
        records = _records(body)
        for record in records:
            if not record.get("id"):
                raise ApiError(400, "MISSING_ARGUMENT", "Id not specified in an update call")
            self._check_fields(_object_name(record), record)
        return self._apply(records, bool(body.get("allOrNone")), self._update_one)

    def upsert(self, object_name: str, external_field: str, body: dict) -> list[dict]:
        api_object = self._visible(object_name)
        if api_object.field(external_field) is None:
            raise ApiError(
                404,
                "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {external_field}",
            )
        records = _records(body)
        for record in records:
            if _object_name(record) != api_object.name:
                raise ApiError(
                    400, "INVALID_TYPE", "an upsert takes records of one sObject type, the one in the URL"
                )
            if "id" in record or "Id" in record:
                raise ApiError(
                    400, "INVALID_FIELD", "only external ids are supported in an upsert; remove the id"
                )
            self._check_fields(api_object.name, record)
        upsert_one = lambda conn, record: self._upsert_one(conn, api_object.name, external_field, record)  # noqa: E731
        return self._apply(records, bool(body.get("allOrNone")), upsert_one)

    # --- one request ------------------------------------------------------------------------------------
    def _check_fields(self, object_name: str, record: dict) -> None:
        if object_name not in WRITABLE_TABLES:
            raise ApiError(
                400, "INVALID_TYPE", f"sObject type '{object_name}' is not supported by this org's API"
            )
        api_object = self._visible(object_name)
        for name in _fields(record):
            if api_object.field(name) is None or name not in column_names(object_name):
                raise ApiError(
                    400, "INVALID_FIELD", f"No such column '{name}' on sobject of type {object_name}"
                )

    def _apply(self, records: list[dict], all_or_none: bool, write_one) -> list[dict]:
        results = []
        with self._connect() as conn, conn.transaction() as outer:
            self._now = _clock(conn)  # one lookup per request, not per record
            for record in records:
                failure = self._injected_failure(record)
                if failure is not None:
                    results.append(failure)
                    continue
                try:
                    with conn.transaction():
                        results.append(write_one(conn, record))
                except psycopg.errors.DataError as error:
                    message = str(error).splitlines()[0]
                    results.append(_failure(record.get("id"), "INVALID_TYPE_ON_FIELD_IN_RECORD", message))
            if all_or_none and not all(result["success"] for result in results):
                results = [result if not result["success"] else _rolled_back(result) for result in results]
                raise psycopg.Rollback(outer)
        return results

    def _stored(self, object_name: str, name: str, value: object) -> object:
        """An id sent in its 18-character form is stored in the 15-character form the demo CRM keeps."""
        api_field = self._visible(object_name).field(name)
        if api_field is not None and api_field.type in ("id", "reference") and isinstance(value, str):
            return value[:15]
        return value

    def _injected_failure(self, record: dict) -> dict | None:
        if not self.faults.happens(self.faults.record_failure_rate):
            return None
        code, message = self.faults.rng.choice(INJECTED_RECORD_ERRORS)
        return _failure(record.get("id"), code, message)

    def _update_one(self, conn: psycopg.Connection, record: dict) -> dict:
        object_name = _object_name(record)
        table, key = WRITABLE_TABLES[object_name]
        columns = column_names(object_name)
        names = [name for name in _fields(record) if name != "Id"]
        read_only = [name for name in names if name in NOT_UPDATEABLE]
        if read_only:
            return _failure(
                record["id"],
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {', '.join(read_only)}",
                read_only,
            )
        assignments = [sql.SQL("{} = %s").format(sql.Identifier(columns[name])) for name in names]
        assignments.append(sql.SQL("system_modstamp = {}").format(self._now))
        statement = sql.SQL("update crm.{} set {} where {} = any(%s) returning {}").format(
            sql.Identifier(table), sql.SQL(", ").join(assignments), sql.Identifier(key), sql.Identifier(key)
        )
        values = [self._stored(object_name, name, record[name]) for name in names]
        row = conn.execute(statement, [*values, _id_forms(record["id"])]).fetchone()
        if row is None:
            return _failure(record["id"], "ENTITY_IS_DELETED", "entity is deleted")
        return {"id": record["id"], "success": True, "errors": []}

    def _upsert_one(
        self, conn: psycopg.Connection, object_name: str, external_field: str, record: dict
    ) -> dict:
        table, key = WRITABLE_TABLES[object_name]
        columns = column_names(object_name)
        external_value = record.get(external_field)
        if not external_value:
            return _failure(None, "MISSING_ARGUMENT", f"{external_field} not specified")
        names = [name for name in _fields(record) if name != external_field]
        values = {columns[name]: self._stored(object_name, name, record[name]) for name in names}
        inserted = {key: _new_id(object_name), columns[external_field]: external_value, **values}
        if object_name == "Task":
            inserted.setdefault("status", DEFAULT_TASK_STATUS)
        clock = self._now
        updates = [sql.SQL("{} = excluded.{}").format(sql.Identifier(c), sql.Identifier(c)) for c in values]
        updates.append(sql.SQL("system_modstamp = {}").format(clock))
        statement = sql.SQL(
            "insert into crm.{table} as t ({columns}, created_date, system_modstamp) values ({values}, {clock}, {clock})"
            " on conflict ({external}) do update set {updates} returning t.{key}, (t.xmax = 0)"
        ).format(
            table=sql.Identifier(table),
            columns=sql.SQL(", ").join(sql.Identifier(c) for c in inserted),
            values=sql.SQL(", ").join(sql.Placeholder() for _ in inserted),
            clock=clock,
            external=sql.Identifier(columns[external_field]),
            updates=sql.SQL(", ").join(updates),
            key=sql.Identifier(key),
        )
        record_id, created = conn.execute(statement, list(inserted.values())).fetchone()
        return {"id": record_id, "success": True, "errors": [], "created": created}


def _records(body: dict) -> list[dict]:
    records = body.get("records") if isinstance(body, dict) else None
    if not isinstance(records, list) or not records:
        raise ApiError(400, "MALFORMED_REQUEST", "the request needs a non-empty records array")
    if len(records) > COLLECTION_LIMIT:
        raise ApiError(
            400,
            "EXCEEDED_ID_LIMIT",
            f"record limit reached. cannot submit more than {COLLECTION_LIMIT} records into this call",
        )
    return records


def _object_name(record: dict) -> str:
    object_name = (record.get("attributes") or {}).get("type")
    if not object_name:
        raise ApiError(400, "INVALID_TYPE", "Must send a concrete entity type.")
    return object_name


def _fields(record: dict) -> list[str]:
    return [name for name in record if name not in ("attributes", "id")]


def _failure(record_id: str | None, code: str, message: str, fields: list[str] | None = None) -> dict:
    return {
        "id": record_id,
        "success": False,
        "errors": [{"statusCode": code, "message": message, "fields": fields or []}],
    }


def _rolled_back(result: dict) -> dict:
    message = (
        "Record rolled back because not all records were valid and the request was using AllOrNone header"
    )
    return _failure(result["id"], "ALL_OR_NONE_OPERATION_ROLLED_BACK", message)


def _id_forms(record_id: str) -> list[str]:
    """The demo CRM keeps 15-character ids; a client may send the 18-character form."""
    return [record_id, record_id[:15]]


def _new_id(object_name: str) -> str:
    prefix = {"Opportunity": "006", "Task": "00T", "Momentum_Forecast__c": "a0M"}[object_name]
    return prefix + secrets.token_hex(6).upper()


def _clock(conn: psycopg.Connection) -> sql.Composable:
    has_clock = conn.execute("select to_regprocedure('crm.system_now()') is not null").fetchone()[0]
    return sql.SQL("crm.system_now()" if has_clock else "now()")
