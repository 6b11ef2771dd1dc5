"""The write side of the local HubSpot API, into the demo CRM's tables behind the portal (docs/crm-api-contracts.md,
sections 2.4-2.5), as the Salesforce server's writes do:

- `POST /crm/v3/objects/deals/batch/update`: inputs `{id, properties}`, at most 100;
- `POST /crm/v3/objects/tasks/batch/upsert`: inputs `{idProperty, id, properties}` keyed by a unique property
  (`ai_external_id`); each result carries `new`. Batch upsert takes no associations (only batch create does), so
- `POST /crm/v4/associations/tasks/{deals|contacts}/batch/associate/default` associates a task with its deal and
  contact (HubSpot's default, unlabelled type; associating twice changes nothing).

All succeeded: 200 `{status, results, startedAt, completedAt}`. Some failed: 207 with `numErrors` and `errors`, one
StandardError per failed input (`context.ids` names it), the others written (associate/default answers 200 with
the same `errors`: its documented answer). A property the portal lacks (never
created, or hidden) fails the whole request with 400 PROPERTY_DOESNT_EXIST, as HubSpot refuses it. Values are
strings; an empty string clears a property. HubSpot's own words (task status, type, priority) are translated to the
demo CRM's, the reverse of simulator/hubspot_portal.py; Expired and Dismissed both read back as DEFERRED.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime

import psycopg
from psycopg import sql

from simulator.hubspot_api.reads import BadRequest, hubspot_value
from simulator.write_faults import WriteFaults

BATCH_LIMIT = 100
# The demo CRM table and key behind each object type the API writes; the unique property an upsert may key on.
WRITABLE = {"deals": ("opportunity", "opportunity_id"), "tasks": ("task", "task_id")}
UNIQUE_PROPERTIES = {"tasks": {"ai_external_id": "ai_external_id"}}
# HubSpot property -> demo CRM column for the standard properties a write may set (Momentum's `ai_*` custom
# properties are the column of the same name).
STANDARD_COLUMNS = {
    "deals": {"hs_next_step": "next_step"},
    "tasks": {
        "hs_task_subject": "subject",
        "hs_task_body": "description",
        "hs_task_status": "status",
        "hs_task_type": "type",
        "hs_task_priority": "priority",
        "hs_timestamp": "activity_date",
        "hubspot_owner_id": "owner_id",
    },
}
DEMO_WORDS = {
    "hs_task_status": {
        "NOT_STARTED": "Open",
        "IN_PROGRESS": "Open",
        "WAITING": "Open",
        "COMPLETED": "Completed",
    }
    | {"DEFERRED": "Expired"},
    "hs_task_type": {"CALL": "Call", "EMAIL": "Email", "TODO": "Other"},
    "hs_task_priority": {"HIGH": "High", "MEDIUM": "Normal", "LOW": "Low", "NONE": "Normal"},
}
# What an association sets on a task: the deal's id (and its company), or the contact's.
ASSOCIATION_COLUMNS = {"deals": "what_id", "contacts": "who_id"}
INJECTED_RECORD_ERRORS = (
    ("VALIDATION_ERROR", "Property values were not valid: a workflow's validation rule refused this record"),
    ("CONFLICT", "the record was being updated by another process; try again"),
)


class PortalWriter:
    """Applies batch writes. `visible(object_type)` is the portal's properties as the token sees them now;
    `connect()` opens a read-write connection to the demo CRM."""

    def __init__(
        self,
        visible: Callable[[str], dict[str, str]],
        connect: Callable[[], psycopg.Connection],
        faults: WriteFaults,
    ):
        self._visible = visible
        self._connect = connect
        self.faults = faults

    def batch_update(self, object_type: str, body: dict) -> tuple[int, dict]:
        inputs = self._inputs(object_type, body)
        for item in inputs:
            if not item.get("id"):
                raise BadRequest("every input of a batch update needs an id")
        return self._apply(inputs, lambda conn, item: self._update_one(conn, object_type, item))

    def batch_upsert(self, object_type: str, body: dict) -> tuple[int, dict]:
        inputs = self._inputs(object_type, body)
        for item in inputs:
            id_property = item.get("idProperty")
            if id_property not in UNIQUE_PROPERTIES.get(object_type, {}):
                raise BadRequest(
                    f"idProperty {id_property!r} is not a unique-value property of {object_type}: an upsert "
                    "keys on a property created with hasUniqueValue"
                )
            if not item.get("id"):
                raise BadRequest("every input of a batch upsert needs its idProperty value as id")
        return self._apply(inputs, lambda conn, item: self._upsert_one(conn, object_type, item))

    def associate_default(self, from_type: str, to_type: str, body: dict) -> tuple[int, dict]:
        if from_type != "tasks" or to_type not in ASSOCIATION_COLUMNS:
            raise BadRequest(
                f"this portal associates tasks with deals or contacts, not {from_type} with {to_type}"
            )
        inputs = body.get("inputs") if isinstance(body, dict) else None
        if not isinstance(inputs, list) or not inputs or len(inputs) > BATCH_LIMIT * 10:
            raise BadRequest("a batch needs 1 to 1000 inputs")
        column = sql.Identifier(ASSOCIATION_COLUMNS[to_type])
        results, errors = [], []
        with self._connect() as conn:
            for item in inputs:
                task_id, to_id = str(item["from"]["id"]), str(item["to"]["id"])
                table = "opportunity" if to_type == "deals" else "contact"
                found = conn.execute(
                    sql.SQL("select account_id from crm.{} where {} = %s").format(
                        sql.Identifier(table), sql.Identifier(f"{table}_id")
                    ),
                    (to_id,),
                ).fetchone()
                updated = (
                    conn.execute(
                        sql.SQL(
                            "update crm.task set {} = %s, account_id = coalesce(%s, account_id)"
                            " where task_id = %s returning task_id"
                        ).format(column),
                        (to_id, found[0] if to_type == "deals" else None, task_id),
                    ).fetchone()
                    if found
                    else None
                )
                if updated is None:
                    errors.append(
                        _error(
                            "OBJECT_NOT_FOUND", f"No {from_type} {task_id} or {to_type} {to_id}", [task_id]
                        )
                    )
                    continue
                spec = {
                    "associationCategory": "HUBSPOT_DEFINED",
                    "associationTypeId": 216 if to_type == "deals" else 204,
                }
                results.append({"from": {"id": task_id}, "to": {"id": to_id}, "associationSpec": spec})
        # This endpoint documents one answer, 200, whose body carries the refused inputs in `errors` (the client
        # reads no 207 here).
        status, answer = _answer(results, errors)
        return 200, answer

    # --- one request ------------------------------------------------------------------------------------
    def _inputs(self, object_type: str, body: dict) -> list[dict]:
        if object_type not in WRITABLE:
            raise BadRequest(f"this portal writes deals and tasks, not {object_type}")
        inputs = body.get("inputs") if isinstance(body, dict) else None
        if not isinstance(inputs, list) or not inputs:
            raise BadRequest("the request needs a non-empty inputs array")
        if len(inputs) > BATCH_LIMIT:
            raise BadRequest(f"a batch holds at most {BATCH_LIMIT} inputs")
        visible = self._visible(object_type)
        unknown = sorted(
            {name for item in inputs for name in (item.get("properties") or {}) if name not in visible}
            | {
                name
                for item in inputs
                for name in (item.get("properties") or {})
                if _column(object_type, name) is None
            }
        )
        if unknown:
            problems = ", ".join(
                f'{{"isValid":false,"message":"Property \\"{name}\\" does not exist","error":"PROPERTY_DOESNT_EXIST",'
                f'"name":"{name}"}}'
                for name in unknown
            )
            raise BadRequest(f"Property values were not valid: [{problems}]")
        return inputs

    def _apply(self, inputs: list[dict], write_one: Callable) -> tuple[int, dict]:
        results, errors = [], []
        with self._connect() as conn:
            for item in inputs:
                if self.faults.happens(self.faults.record_failure_rate):
                    category, message = self.faults.rng.choice(INJECTED_RECORD_ERRORS)
                    errors.append(_error(category, message, [str(item["id"])]))
                    continue
                try:
                    with conn.transaction():
                        results.append(write_one(conn, item))
                except LookupError as missing:
                    errors.append(_error("OBJECT_NOT_FOUND", str(missing), [str(item["id"])]))
                except psycopg.errors.DataError as error:
                    message = f"Property values were not valid: {str(error).splitlines()[0]}"
                    errors.append(_error("VALIDATION_ERROR", message, [str(item["id"])]))
        return _answer(results, errors)

    def _update_one(self, conn: psycopg.Connection, object_type: str, item: dict) -> dict:
        table, key = WRITABLE[object_type]
        values = _values(object_type, item.get("properties") or {})
        assignments = [sql.SQL("{} = %s").format(sql.Identifier(c)) for c in values]
        assignments.append(sql.SQL("system_modstamp = {}").format(_clock(conn)))
        row = conn.execute(
            sql.SQL("update crm.{} set {} where {} = %s returning created_date, system_modstamp").format(
                sql.Identifier(table), sql.SQL(", ").join(assignments), sql.Identifier(key)
            ),
            [*values.values(), str(item["id"])],
        ).fetchone()
        if row is None:
            raise LookupError(f"Object not found. objectId are usually numeric: {item['id']}")
        return _object(str(item["id"]), item.get("properties") or {}, *row)

    def _upsert_one(self, conn: psycopg.Connection, object_type: str, item: dict) -> dict:
        table, key = WRITABLE[object_type]
        unique_column = UNIQUE_PROPERTIES[object_type][item["idProperty"]]
        values = _values(object_type, item.get("properties") or {})
        values.pop(unique_column, None)
        inserted = {key: "hs" + secrets.token_hex(8), unique_column: str(item["id"]), **values}
        if object_type == "tasks":
            inserted.setdefault("status", "Open")  # HubSpot's default NOT_STARTED
        clock = _clock(conn)
        updates = [sql.SQL("{0} = excluded.{0}").format(sql.Identifier(c)) for c in values]
        updates.append(sql.SQL("system_modstamp = {}").format(clock))
        statement = sql.SQL(
            "insert into crm.{table} as t ({columns}, created_date, system_modstamp) values ({values}, {clock}, {clock})"
            " on conflict ({unique}) do update set {updates}"
            " returning t.{key}, t.created_date, t.system_modstamp, (t.xmax = 0)"
        ).format(
            table=sql.Identifier(table),
            columns=sql.SQL(", ").join(sql.Identifier(c) for c in inserted),
            values=sql.SQL(", ").join(sql.Placeholder() for _ in inserted),
            clock=clock,
            unique=sql.Identifier(unique_column),
            updates=sql.SQL(", ").join(updates),
            key=sql.Identifier(key),
        )
        record_id, created, modified, new = conn.execute(statement, list(inserted.values())).fetchone()
        properties = {**(item.get("properties") or {}), item["idProperty"]: str(item["id"])}
        return {**_object(record_id, properties, created, modified), "new": new}


def _column(object_type: str, name: str) -> str | None:
    if name.startswith("ai_"):
        return name
    return STANDARD_COLUMNS.get(object_type, {}).get(name)


def _values(object_type: str, properties: dict) -> dict[str, object]:
    """Demo CRM column -> value: HubSpot's words translated, an empty string a null (HubSpot's clear)."""
    values: dict[str, object] = {}
    for name, value in properties.items():
        if value is None or value == "":
            values[_column(object_type, name)] = None
        elif name in DEMO_WORDS:
            if value not in DEMO_WORDS[name]:
                raise psycopg.errors.DataError(f"{value!r} was not one of the allowed options for {name}")
            values[_column(object_type, name)] = DEMO_WORDS[name][value]
        elif name == "hs_timestamp":
            values["activity_date"] = _instant(str(value)).date()
        else:
            values[_column(object_type, name)] = str(value)
    return values


def _instant(text: str) -> datetime:
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, UTC)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise psycopg.errors.DataError(f"{text!r} is not a valid datetime for hs_timestamp") from None


def _object(record_id: str, properties: dict, created: datetime, modified: datetime) -> dict:
    return {
        "id": record_id,
        "properties": {**properties, "hs_lastmodifieddate": hubspot_value(modified)},
        "createdAt": hubspot_value(created),
        "updatedAt": hubspot_value(modified),
        "archived": False,
    }


def _error(category: str, message: str, ids: list[str]) -> dict:
    return {
        "status": "error",
        "category": category,
        "message": message,
        "context": {"ids": ids},
        "errors": [{"message": message}],
        "links": {},
    }


def _answer(results: list[dict], errors: list[dict]) -> tuple[int, dict]:
    now = hubspot_value(datetime.now(UTC))
    answer = {"status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now}
    if not errors:
        return 200, answer
    return 207, {**answer, "numErrors": len(errors), "errors": errors}


def _clock(conn: psycopg.Connection) -> sql.Composable:
    has_clock = conn.execute("select to_regprocedure('crm.system_now()') is not null").fetchone()[0]
    return sql.SQL("crm.system_now()" if has_clock else "now()")
