"""The read side of the local HubSpot API: the demo CRM's rows (simulator/hubspot_portal.py) as HubSpot's
JSON shapes (docs/crm-api-contracts.md, sections 2.4-2.6). Every function takes an open connection and
returns what the endpoint answers; the server (server.py) does routing, authentication and faults.

- objects: `{id, properties, createdAt, updatedAt, archived}`, property values as strings; a page
  `{results, paging: {next: {after}}}`, `paging` left out on the last page. A list's `after` is the last id
  it gave (keyset paging: every page costs the same however deep), a search's an offset.
- search: filters and ascending sort on the object's modified-date property, `total`, and HubSpot's cap:
  no page past the 10,000th result (400).
- property history (deals): one version per change of each property, newest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

import psycopg
from psycopg import sql

from simulator.hubspot_portal import (
    DEAL_CONTACTS_SELECT,
    DEAL_TO_CONTACT_TYPE,
    HISTORY_PROPERTIES,
    HISTORY_SELECT,
    OWNERS_SELECT,
    PIPELINE_ID,
    PORTAL_OBJECTS,
    STAGES_SELECT,
    PortalObject,
)

SEARCH_RESULT_CAP = 10_000
# PostgreSQL type oid -> HubSpot property type.
_PROPERTY_TYPES = {25: "string", 1700: "number", 23: "number", 20: "number", 1184: "datetime", 16: "bool"}
_FIELD_TYPES = {"string": "text", "number": "number", "datetime": "date", "bool": "booleancheckbox"}


class BadRequest(ValueError):
    """A request the real API refuses with 400 (category VALIDATION_ERROR)."""


def hubspot_value(value: object) -> str | None:
    """A property value as HubSpot's JSON has it: a string, datetimes in UTC with milliseconds and Z."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def read_properties(conn: psycopg.Connection) -> dict[str, dict[str, str]]:
    """Object type -> property name -> HubSpot type, from each object's select."""
    catalog = {}
    for object_type, portal_object in PORTAL_OBJECTS.items():
        cursor = conn.execute(sql.SQL("select * from ({}) o limit 0").format(sql.SQL(portal_object.select)))
        catalog[object_type] = {
            column.name: _PROPERTY_TYPES.get(column.type_code, "string")
            for column in cursor.description
            if column.name != "id" and not column.name.startswith("_")
        }
    return catalog


def property_definitions(properties: dict[str, str]) -> dict:
    """`GET /crm/v3/properties/{objectType}`: the fields the client's ModelProperty requires."""
    return {
        "results": [
            {
                "name": name,
                "label": name,
                "type": kind,
                "fieldType": _FIELD_TYPES[kind],
                "groupName": "dealinformation",
                "description": "",
                "options": [],
                "hidden": False,
            }
            for name, kind in properties.items()
        ]
    }


def _object_json(portal_object: PortalObject, row: dict, properties: Sequence[str]) -> dict:
    wanted = dict.fromkeys(["hs_object_id", portal_object.created, portal_object.modified, *properties])
    values = {name: hubspot_value(row["id"] if name == "hs_object_id" else row.get(name)) for name in wanted}
    return {
        "id": row["id"],
        "properties": values,
        "createdAt": hubspot_value(row[portal_object.created]),
        "updatedAt": hubspot_value(row[portal_object.modified]),
        "archived": False,
    }


def _rows(conn: psycopg.Connection, query: sql.Composable, params: Sequence = ()) -> list[dict]:
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cursor:
        return cursor.execute(query, params).fetchall()


def _page(results: list[dict], after: int, limit: int, more: bool) -> dict:
    page: dict = {"results": results}
    if more:
        page["paging"] = {"next": {"after": str(after + limit), "link": ""}}
    return page


def list_objects(
    conn: psycopg.Connection,
    object_type: str,
    *,
    limit: int,
    after: str,
    properties: Sequence[str],
    with_history: Sequence[str],
    archived: bool,
) -> dict:
    """`GET /crm/v3/objects/{type}`. The demo CRM deletes rows outright, so it has no archived records."""
    portal_object = PORTAL_OBJECTS[object_type]
    if archived:
        return {"results": []}
    query = sql.SQL("select * from ({}) o where id > %s order by id limit %s").format(
        sql.SQL(portal_object.select)
    )
    rows = _rows(conn, query, (after, limit + 1))
    results = [_object_json(portal_object, row, properties) for row in rows[:limit]]
    if with_history:
        _add_history(conn, results, with_history)
    page: dict = {"results": results}
    if len(rows) > limit:
        page["paging"] = {"next": {"after": results[-1]["id"], "link": ""}}
    return page


def batch_read(
    conn: psycopg.Connection,
    object_type: str,
    ids: Sequence[str],
    properties: Sequence[str],
    with_history: Sequence[str],
    id_property: str | None = None,
) -> list[dict]:
    """`POST /crm/v3/objects/{type}/batch/read`: the records found, in id order; `idProperty` reads them by a
    unique property's values instead of their ids."""
    portal_object = PORTAL_OBJECTS[object_type]
    query = sql.SQL("select * from ({}) o where {} = any(%s) order by id").format(
        sql.SQL(portal_object.select), sql.Identifier(id_property or "id")
    )
    results = [_object_json(portal_object, row, properties) for row in _rows(conn, query, (list(ids),))]
    if with_history:
        _add_history(conn, results, with_history)
    return results


def search(conn: psycopg.Connection, object_type: str, body: dict) -> dict:
    """`POST /crm/v3/objects/{type}/search`, filtering and sorting on the modified-date property only
    (what an incremental reader needs); filter groups OR, filters within a group AND."""
    portal_object = PORTAL_OBJECTS[object_type]
    limit = min(int(body.get("limit") or 10), 200)
    after = int(body.get("after") or 0)
    if after >= SEARCH_RESULT_CAP:
        raise BadRequest(f"Search results are limited to {SEARCH_RESULT_CAP} records: narrow the filters")
    column = sql.Identifier(portal_object.modified)
    groups, params = [], []
    for group in body.get("filterGroups") or []:
        conditions = []
        for condition in group.get("filters") or []:
            name, operator = condition.get("propertyName"), condition.get("operator")
            if name != portal_object.modified:
                # Other properties: presence and equality (what the write-back asks for its own open tasks).
                conditions.append(
                    _property_condition(portal_object, name, operator, condition.get("value"), params)
                )
                continue
            operator = {"GTE": ">=", "GT": ">", "LTE": "<=", "LT": "<", "EQ": "="}.get(operator)
            if operator is None:
                raise BadRequest(f"unsupported operator {condition.get('operator')}")
            conditions.append(sql.SQL("{} {} %s").format(column, sql.SQL(operator)))
            params.append(_timestamp(condition.get("value")))
        groups.append(sql.SQL("(") + sql.SQL(" and ").join(conditions or [sql.SQL("true")]) + sql.SQL(")"))
    where = sql.SQL(" where ") + sql.SQL(" or ").join(groups) if groups else sql.SQL("")
    source = sql.SQL("from ({}) o").format(sql.SQL(portal_object.select))
    total = conn.execute(sql.SQL("select count(*) ") + source + where, params).fetchone()[0]
    query = (
        sql.SQL("select * ") + source + where + sql.SQL(" order by {}, id offset %s limit %s").format(column)
    )
    rows = _rows(conn, query, (*params, after, limit))
    results = [_object_json(portal_object, row, body.get("properties") or []) for row in rows]
    page = _page(results, after, limit, after + limit < total)
    page["total"] = total
    return page


def _property_condition(
    portal_object: PortalObject, name: object, operator: object, value: object, params: list
) -> sql.Composable:
    if not isinstance(name, str) or not (name.startswith("ai_") or name == "hs_task_status"):
        raise BadRequest(
            f"this server filters on {portal_object.modified}, ai_* properties and hs_task_status only"
        )
    column = sql.Identifier(name)
    if operator == "HAS_PROPERTY":
        return sql.SQL("{} is not null").format(column)
    if operator == "NOT_HAS_PROPERTY":
        return sql.SQL("{} is null").format(column)
    if operator in ("EQ", "NEQ"):
        params.append(str(value))
        return sql.SQL("{}::text {} %s").format(column, sql.SQL("=" if operator == "EQ" else "<>"))
    raise BadRequest(f"unsupported operator {operator} on {name}")


def _timestamp(value: object) -> datetime:
    """A filter value: milliseconds since the epoch, or an ISO datetime."""
    text = str(value)
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, UTC)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{value!r} is not a datetime") from None


def _add_history(conn: psycopg.Connection, results: list[dict], wanted: Sequence[str]) -> None:
    """`propertiesWithHistory` of deals: each property's versions, a new one whenever its value changed."""
    histories: dict[str, dict[str, list[dict]]] = {r["id"]: {p: [] for p in wanted} for r in results}
    previous: dict[tuple[str, str], object] = {}
    for row in _rows(conn, sql.SQL(HISTORY_SELECT), ([r["id"] for r in results],)):
        for name in HISTORY_PROPERTIES:
            key = (row["opportunity_id"], name)
            if name in wanted and (key not in previous or previous[key] != row[name]):
                histories[row["opportunity_id"]][name].insert(
                    0,
                    {
                        "value": hubspot_value(row[name]) or "",
                        "timestamp": hubspot_value(row["created_date"]),
                        "sourceType": "CRM_UI",
                    },
                )
            previous[key] = row[name]
    for result in results:
        result["propertiesWithHistory"] = histories[result["id"]]


def associations(conn: psycopg.Connection, from_type: str, to_type: str, ids: Sequence[str]) -> list[dict]:
    """`POST /crm/v4/associations/{from}/{to}/batch/read` results: per record that has any, its
    associated records with their association types (labels for a deal's contact roles)."""
    found: dict[str, list[dict]] = {}
    if (from_type, to_type) == ("deals", "contacts"):
        for row in _rows(conn, sql.SQL(DEAL_CONTACTS_SELECT), (list(ids),)):
            types = [{"category": "HUBSPOT_DEFINED", "typeId": DEAL_TO_CONTACT_TYPE, "label": None}]
            if row["role"]:
                types.append({"category": "USER_DEFINED", "typeId": 100, "label": row["role"]})
            if row["is_primary"]:
                types.append({"category": "USER_DEFINED", "typeId": 101, "label": "Primary"})
            found.setdefault(row["from_id"], []).append(
                {"toObjectId": row["to_id"], "associationTypes": types}
            )
    else:
        portal_object = PORTAL_OBJECTS[from_type]
        column = portal_object.associations.get(to_type)
        if column is None:
            raise BadRequest(f"no associations from {from_type} to {to_type}")
        query = sql.SQL(
            "select id, {} as to_id from ({}) o where id = any(%s) and {} is not null order by id"
        ).format(sql.Identifier(column), sql.SQL(portal_object.select), sql.Identifier(column))
        for row in _rows(conn, query, (list(ids),)):
            types = [{"category": "HUBSPOT_DEFINED", "typeId": 1, "label": None}]
            found.setdefault(row["id"], []).append({"toObjectId": row["to_id"], "associationTypes": types})
    return [{"from": {"id": from_id}, "to": to} for from_id, to in found.items()]


def owners(conn: psycopg.Connection, *, limit: int, after: int, archived: bool) -> dict:
    """`GET /crm/v3/owners/`: active owners, or with archived=true the deactivated ones."""
    rows = [row for row in _rows(conn, sql.SQL(OWNERS_SELECT)) if row["archived"] == archived]
    results = [
        {
            "id": row["id"],
            "email": row["email"],
            "firstName": row["firstName"],
            "lastName": row["lastName"],
            "userId": index + 1,
            "type": "PERSON",
            "archived": row["archived"],
            "teams": [{"id": f"team-{row['team']}", "name": row["team"], "primary": True}]
            if row["team"]
            else [],
            "createdAt": hubspot_value(row["createdAt"]),
            "updatedAt": hubspot_value(row["updatedAt"]),
        }
        for index, row in enumerate(rows)
    ]
    return _page(results[after : after + limit], after, limit, after + limit < len(results))


def deal_pipelines(conn: psycopg.Connection) -> dict:
    """`GET /crm/v3/pipelines/deals`: one pipeline, its stages with HubSpot's metadata (strings)."""
    stages = _rows(conn, sql.SQL(STAGES_SELECT))
    stamp = hubspot_value(max((row["updatedAt"] for row in stages), default=datetime(2020, 1, 1, tzinfo=UTC)))
    return {
        "results": [
            {
                "id": PIPELINE_ID,
                "label": "Sales Pipeline",
                "displayOrder": 0,
                "archived": False,
                "createdAt": stamp,
                "updatedAt": stamp,
                "stages": [
                    {
                        "id": row["id"],
                        "label": row["label"],
                        "displayOrder": row["displayOrder"],
                        "archived": False,
                        "metadata": {"probability": row["probability"], "isClosed": row["isClosed"]},
                        "createdAt": hubspot_value(row["updatedAt"]),
                        "updatedAt": hubspot_value(row["updatedAt"]),
                    }
                    for row in stages
                ],
            }
        ]
    }
