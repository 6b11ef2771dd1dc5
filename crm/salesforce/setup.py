"""`momentum crm setup --check` for Salesforce: which fields Momentum's syncs write are missing from the
org (its describe, as the integration user sees it), and a metadata package an admin deploys to add them.

The package (`--write-package DIR`, deployable with `sf project deploy start --metadata-dir DIR`) holds
the missing custom fields, Momentum's own custom object Momentum_Forecast__c when the org lacks it, and a
permission set, `Momentum_Integration`, giving edit access to every field Momentum writes (and to that
object); assign it to the integration user. Custom fields of tasks are defined on the Activity object, as
Salesforce keeps Task and Event fields there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from crm.salesforce.destination import required_fields
from crm.salesforce.org_writer import OrgWriter
from crm.salesforce.write_fields import WriteField
from reverse_etl.mapping import Mapping

PERMISSION_SET = "Momentum_Integration"
METADATA_API_VERSION = "59.0"
# Salesforce defines the custom fields of Task (and Event) on Activity.
METADATA_OBJECT = {"Task": "Activity"}
_XMLNS = 'xmlns="http://soap.sforce.com/2006/04/metadata"'


@dataclass(frozen=True)
class FieldStatus:
    object_name: str
    field: WriteField
    present: bool


def check_fields(org: OrgWriter, mappings: list[Mapping]) -> list[FieldStatus]:
    return [
        FieldStatus(object_name, field, field.api_name in org.field_names(object_name))
        for object_name, fields in required_fields(mappings).items()
        for field in fields
    ]


def format_check(statuses: list[FieldStatus], budget: str) -> str:
    lines = ["Salesforce fields Momentum writes:"]
    for status in statuses:
        state = "ok" if status.present else "MISSING"
        lines.append(
            f"  {status.object_name:<20} {status.field.api_name:<32} {status.field.type_label:<22} {state}"
        )
    missing = [s for s in statuses if not s.present]
    lines += [
        f"  {name}: Momentum's own object is not in the org; the package defines it"
        for name in missing_objects(statuses)
    ]
    lines += ["", f"API budget: {budget}", ""]
    if missing:
        lines.append(
            f"NOT READY: {len(missing)} fields missing ("
            + ", ".join(f"{s.object_name}.{s.field.api_name}" for s in missing)
            + "): write a package with `momentum crm setup --check --write-package DIR` for an admin to deploy, "
            "or give the integration user access to them"
        )
    else:
        lines.append("ready: every field Momentum writes is there")
    return "\n".join(lines)


def write_package(folder: Path, statuses: list[FieldStatus]) -> list[Path]:
    """The missing custom fields, and the permission set for every field Momentum writes; returns the files."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    missing = [s for s in statuses if not s.present and s.field.custom]
    new_objects = missing_objects(statuses)
    by_object: dict[str, list[WriteField]] = {}
    for status in missing:
        by_object.setdefault(METADATA_OBJECT.get(status.object_name, status.object_name), []).append(
            status.field
        )
    (folder / "objects").mkdir(exist_ok=True)
    for object_name, fields in by_object.items():
        head, tail = _custom_object_settings(object_name) if object_name in new_objects else ([], [])
        body = "\n".join(head + [_custom_field(field) for field in fields] + tail)
        written.append(
            _write(
                folder / "objects" / f"{object_name}.object",
                f"<CustomObject {_XMLNS}>\n{body}\n</CustomObject>",
            )
        )
    (folder / "permissionsets").mkdir(exist_ok=True)
    permissions = "\n".join(
        f"    <fieldPermissions>\n        <editable>true</editable>\n"
        f"        <field>{_member(s)}</field>\n        <readable>true</readable>\n    </fieldPermissions>"
        for s in statuses
        if s.field.custom
    )
    # Momentum's own objects (custom, `__c`): the integration user reads, creates and edits their records.
    custom_objects = dict.fromkeys(s.object_name for s in statuses if s.object_name.endswith("__c"))
    object_permissions = "".join(
        f"\n    <objectPermissions>\n        <allowCreate>true</allowCreate>\n        <allowDelete>false</allowDelete>\n"
        f"        <allowEdit>true</allowEdit>\n        <allowRead>true</allowRead>\n"
        f"        <modifyAllRecords>false</modifyAllRecords>\n        <object>{name}</object>\n"
        f"        <viewAllRecords>false</viewAllRecords>\n    </objectPermissions>"
        for name in custom_objects
    )
    written.append(
        _write(
            folder / "permissionsets" / f"{PERMISSION_SET}.permissionset",
            f"<PermissionSet {_XMLNS}>\n{permissions}\n    <label>Momentum integration</label>{object_permissions}\n"
            "</PermissionSet>",
        )
    )
    members = "\n".join(f"        <members>{_member(s)}</members>" for s in missing)
    types = "".join(
        f"    <types>\n        <members>{name}</members>\n        <name>CustomObject</name>\n    </types>\n"
        for name in new_objects
    )
    types += f"    <types>\n{members}\n        <name>CustomField</name>\n    </types>\n" if missing else ""
    types += f"    <types>\n        <members>{PERMISSION_SET}</members>\n        <name>PermissionSet</name>\n    </types>\n"
    written.append(
        _write(
            folder / "package.xml",
            f"<Package {_XMLNS}>\n{types}    <version>{METADATA_API_VERSION}</version>\n</Package>",
        )
    )
    return written


def missing_objects(statuses: list[FieldStatus]) -> list[str]:
    """Momentum's custom objects the org lacks entirely (none of their fields present)."""
    objects = dict.fromkeys(s.object_name for s in statuses if s.object_name.endswith("__c"))
    return [name for name in objects if not any(s.present for s in statuses if s.object_name == name)]


def _custom_object_settings(object_name: str) -> tuple[list[str], list[str]]:
    """A new custom object's settings before and after its fields (the Metadata API's element order): deployed,
    its Name an auto-number (Momentum never sets it), shared read/write."""
    label = escape(object_name.removesuffix("__c").replace("_", " "))
    after = (
        f"    <label>{label}</label>\n"
        "    <nameField>\n        <displayFormat>MF-{000000}</displayFormat>\n"
        f"        <label>{label} Number</label>\n        <type>AutoNumber</type>\n    </nameField>\n"
        f"    <pluralLabel>{label}s</pluralLabel>\n"
        "    <sharingModel>ReadWrite</sharingModel>"
    )
    return ["    <deploymentStatus>Deployed</deploymentStatus>"], [after]


def _member(status: FieldStatus) -> str:
    return f"{METADATA_OBJECT.get(status.object_name, status.object_name)}.{status.field.api_name}"


def _custom_field(field: WriteField) -> str:
    label = field.api_name.removesuffix("__c").replace("_", " ")
    parts = [f"<fullName>{field.api_name}</fullName>", f"<label>{escape(label)}</label>"]
    if field.kind == "ExternalId":
        parts += ["<type>Text</type>", f"<length>{field.size}</length>", "<externalId>true</externalId>"]
        parts += ["<unique>true</unique>", "<caseSensitive>false</caseSensitive>"]
    elif field.kind in ("Text", "LongTextArea"):
        parts += [f"<type>{field.kind}</type>", f"<length>{field.size}</length>"]
        parts += ["<visibleLines>5</visibleLines>"] if field.kind == "LongTextArea" else []
    elif field.kind in ("Number", "Currency", "Percent"):
        parts += [
            f"<type>{field.kind}</type>",
            f"<precision>{field.size}</precision>",
            f"<scale>{field.scale}</scale>",
        ]
    else:
        parts.append(f"<type>{field.kind}</type>")
    inner = "\n".join(f"        {part}" for part in parts)
    return f"    <fields>\n{inner}\n    </fields>"


def _write(path: Path, xml: str) -> Path:
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + xml + "\n")
    return path
