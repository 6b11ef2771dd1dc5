"""hubspot-api-client's records as raw rows (one list of values per record, in the extract's field order),
and rows as PostgreSQL COPY text blocks (extract/source.py).

Property values travel as HubSpot writes them (`2026-03-02T15:25:22.000Z`, `9200`, `true`): PostgreSQL
parses them into the raw table's types, and a value it cannot parse is quarantined by the extract with its
reason. HubSpot writes an emptied property as "", which is no value: it lands as null.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from crm.hubspot.properties import HubSpotObject
from crm.salesforce.copy_text import ROWS_PER_BLOCK, copy_value


def copy_blocks(rows: Iterable[Sequence[object]]) -> Iterator[bytes]:
    lines: list[str] = []
    for row in rows:
        lines.append("\t".join(copy_value(None if value == "" else value) for value in row))
        if len(lines) == ROWS_PER_BLOCK:
            yield ("\n".join(lines) + "\n").encode()
            lines = []
    if lines:
        yield ("\n".join(lines) + "\n").encode()


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def modstamp(record: Any, hubspot_object: HubSpotObject) -> datetime:
    """A record's modified date: its property when read, else the record's updatedAt."""
    value = (record.properties or {}).get(hubspot_object.modstamp)
    if value:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return record.updated_at.astimezone(UTC)


def object_row(record: Any, fields: Sequence[str], links: dict[str, dict[str, list[Any]]]) -> list:
    """A CRM object's row; an association column holds the first associated record's id."""
    row = []
    for name in fields:
        if name == "id":
            row.append(record.id)
        elif name in links:
            associated = links[name].get(record.id)
            row.append(associated[0].to_object_id if associated else None)
        else:
            row.append((record.properties or {}).get(name))
    return row


def owner_rows(owners: Iterable[Any], fields: Sequence[str], since: datetime | None) -> Iterator[list]:
    for owner in owners:
        if since is not None and owner.updated_at.astimezone(UTC) < since:
            continue
        teams = owner.teams or []
        primary = next((team for team in teams if team.primary), teams[0] if teams else None)
        values = {
            "id": owner.id,
            "email": owner.email,
            "firstname": owner.first_name,
            "lastname": owner.last_name,
            "userid": owner.user_id,
            "primary_team": primary.name if primary else None,
            "archived": bool(owner.archived),
            "createdat": _iso(owner.created_at),
            "updatedat": _iso(owner.updated_at),
        }
        yield [values[name] for name in fields]


def stage_rows(pipelines: Iterable[Any], fields: Sequence[str], since: datetime | None) -> Iterator[list]:
    """One row per deal stage; its metadata (strings) says what it means."""
    for pipeline in pipelines:
        for stage in pipeline.stages:
            if since is not None and stage.updated_at.astimezone(UTC) < since:
                continue
            metadata = stage.metadata or {}
            values = {
                "id": stage.id,
                "pipeline_id": pipeline.id,
                "pipeline_label": pipeline.label,
                "label": stage.label,
                "displayorder": stage.display_order,
                "probability": metadata.get("probability"),
                "isclosed": metadata.get("isClosed"),
                "archived": bool(stage.archived),
                "updatedat": _iso(stage.updated_at),
            }
            yield [values[name] for name in fields]


def deal_contact_rows(deal: Any, contacts: Sequence[Any], fields: Sequence[str]) -> Iterator[list]:
    """A deal's contacts and their labels (the contact roles), stamped with the deal's modified date: staging
    keeps only the deal's latest set, so an association removed since is gone."""
    stamp = deal.properties.get("hs_lastmodifieddate") or _iso(deal.updated_at)
    for contact in contacts:
        labels = sorted({t.label for t in contact.association_types or [] if t.label})
        values = {
            "id": f"{deal.id}-{contact.to_object_id}",
            "deal_id": deal.id,
            "contact_id": contact.to_object_id,
            "labels": ";".join(labels) or None,
            "deal_lastmodifieddate": stamp,
        }
        yield [values[name] for name in fields]


def history_rows(deal: Any, fields: Sequence[str], since: datetime | None) -> Iterator[list]:
    """One row per version of each history property set at or after `since`."""
    for prop, versions in (deal.properties_with_history or {}).items():
        for version in versions:
            stamp = version.timestamp.astimezone(UTC)
            if since is not None and stamp < since:
                continue
            values = {
                "id": f"{deal.id}|{prop}|{stamp.isoformat()}",
                "deal_id": deal.id,
                "property": prop,
                "value": version.value,
                "sourcetype": version.source_type,
                "timestamp": stamp.isoformat(),
            }
            yield [values[name] for name in fields]
