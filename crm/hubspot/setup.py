"""`momentum crm setup` for HubSpot: which properties Momentum's syncs write are missing from the portal (its
properties API, as the private app's token sees them), and `--create` to create them: the `momentum` property
group, then each missing property in it (the task's external id with hasUniqueValue, so a batch upsert can key on
it). Creating is idempotent: what exists is left alone (HubSpot answers 409 to a second create).

The token needs `crm.schemas.deals.write` (and the tasks' schema scope) to create; reading needs the read scopes.
"""

from __future__ import annotations

from dataclasses import dataclass

from crm.hubspot.api_client import call
from crm.hubspot.destination import required_properties
from crm.hubspot.portal_writer import PortalWriter
from crm.hubspot.write_fields import PROPERTY_GROUP, WriteProperty
from reverse_etl.mapping import Mapping


@dataclass(frozen=True)
class PropertyStatus:
    object_type: str
    field: WriteProperty
    present: bool


def check_properties(portal: PortalWriter, mappings: list[Mapping]) -> list[PropertyStatus]:
    return [
        PropertyStatus(object_type, field, field.name in portal.property_names(object_type))
        for object_type, fields in required_properties(mappings).items()
        for field in fields
    ]


def format_check(statuses: list[PropertyStatus], budget: str) -> str:
    lines = ["HubSpot properties Momentum writes:"]
    for status in statuses:
        state = "ok" if status.present else "MISSING"
        lines.append(
            f"  {status.object_type:<8} {status.field.name:<34} {status.field.type_label:<26} {state}"
        )
    missing = [s for s in statuses if not s.present]
    lines += ["", f"API budget: {budget}", ""]
    if missing:
        lines.append(
            f"NOT READY: {len(missing)} properties missing ("
            + ", ".join(f"{s.object_type}.{s.field.name}" for s in missing)
            + "): create them with `momentum crm setup --create` (the token needs crm.schemas.<object>.write)"
        )
    else:
        lines.append("ready: every property Momentum writes is there")
    return "\n".join(lines)


def create_missing(portal: PortalWriter, statuses: list[PropertyStatus]) -> list[str]:
    """Create the `momentum` group and each missing custom property; returns `object.property` of those created."""
    created = []
    for object_type in dict.fromkeys(s.object_type for s in statuses if not s.present and s.field.custom):
        groups = call(
            portal.base_url,
            f"{object_type} property groups",
            portal.apis.property_groups.get_all,
            object_type,
        )
        if PROPERTY_GROUP not in {g.name for g in groups.results}:
            group = {"name": PROPERTY_GROUP, "label": "Momentum"}
            call(
                portal.base_url,
                f"{object_type} property groups",
                portal.apis.property_groups.create,
                object_type,
                group,
            )
    for status in statuses:
        if status.present or not status.field.custom:
            continue
        field = status.field
        body = {
            "name": field.name,
            "label": field.name.replace("_", " ").capitalize().replace("Ai ", "AI "),
            "type": field.hubspot_type,
            "fieldType": field.field_type,
            "groupName": PROPERTY_GROUP,
            "description": "Written by Momentum; do not edit by hand.",
            "hasUniqueValue": field.unique,
        }
        call(
            portal.base_url,
            f"{status.object_type}.{field.name}",
            portal.apis.properties.create,
            status.object_type,
            body,
        )
        created.append(f"{status.object_type}.{field.name}")
    return created
