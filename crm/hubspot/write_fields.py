"""The HubSpot properties Momentum writes: one line per field of a sync's mapping (reverse_etl/mappings/).

    Momentum field      HubSpot property     type (HubSpot type/fieldType, `unique`: hasUniqueValue)

Momentum's own properties keep the source's names (`ai_win_probability`, as raw_hubspot reads them) and are
created in the `momentum` property group by `momentum crm setup --create`; the others are HubSpot's standard
ones. A task's deal and contact are associations, not properties (`association:<object type>`). HubSpot's
task status, type and priority are enumerations with their own words (VALUE_WORDS). Adding a field to a
mapping is one line here (and one in the allow-list).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from crm.hubspot.errors import HubSpotSyncUnsupported
from reverse_etl.mapping import Mapping

PROPERTY_GROUP = "momentum"

_DEALS = """
opportunity_id                  hs_object_id                    id
ai_win_probability              ai_win_probability              number/number
ai_slip_risk                    ai_slip_risk                    number/number
ai_next_best_action             ai_next_best_action             string/textarea
ai_top_reasons_for              ai_top_reasons_for              string/textarea
ai_top_reasons_against          ai_top_reasons_against          string/textarea
ai_model_version                ai_model_version                string/text
ai_scored_at                    ai_scored_at                    datetime/date
ai_close_in_quarter_probability ai_close_in_quarter_probability number/number
ai_forecast_category            ai_forecast_category            string/text
ai_forecast_flag                ai_forecast_flag                string/textarea
"""

_TASKS = """
ai_external_id                  ai_external_id                  string/text/unique
what_id                         deals                           association
who_id                          contacts                        association
owner_id                        hubspot_owner_id                standard
subject                         hs_task_subject                 standard
type                            hs_task_type                    standard
status                          hs_task_status                  standard
priority                        hs_task_priority                standard
activity_date                   hs_timestamp                    standard/datetime
description                     hs_task_body                    standard
ai_action_type                  ai_action_type                  string/text
ai_context                      ai_context                      string/textarea
ai_script                       ai_script                       string/textarea
ai_recommended_at               ai_recommended_at               datetime/date
ai_expected_impact_amount       ai_expected_impact_amount       number/number
ai_model_version                ai_model_version                string/text
"""

# Momentum's words -> HubSpot's. HubSpot has one status for a task put aside, DEFERRED: Momentum's Expired (a TMVA
# it withdrew) and a rep's Dismissed both read back as DEFERRED.
VALUE_WORDS = {
    "hs_task_status": {
        "Open": "NOT_STARTED",
        "Completed": "COMPLETED",
        "Expired": "DEFERRED",
        "Dismissed": "DEFERRED",
    },
    "hs_task_type": {"Call": "CALL", "Email": "EMAIL", "Other": "TODO"},
    "hs_task_priority": {"High": "HIGH", "Normal": "MEDIUM", "Low": "LOW"},
}


@dataclass(frozen=True)
class WriteProperty:
    momentum: str
    name: str
    """The HubSpot property, or for an association the associated object type."""
    kind: str
    """`id`, `association`, `standard[/datetime]`, or a custom property's `type/fieldType[/unique]`."""

    @property
    def custom(self) -> bool:
        return self.kind not in ("id", "association") and not self.kind.startswith("standard")

    @property
    def association(self) -> bool:
        return self.kind == "association"

    @property
    def hubspot_type(self) -> str:
        return self.kind.split("/")[0]

    @property
    def field_type(self) -> str:
        return self.kind.split("/")[1]

    @property
    def unique(self) -> bool:
        return self.kind.endswith("/unique")

    @property
    def type_label(self) -> str:
        """As an admin reads it in HubSpot's property settings: number (number), string (text, unique)."""
        extra = ", unique" if self.unique else ""
        return f"{self.hubspot_type} ({self.field_type}{extra})" if self.custom else self.kind

    def value(self, text: str | None) -> str | None:
        """A value staged as PostgreSQL text, as HubSpot takes it (every value a string)."""
        if text is None:
            return None
        if self.name in VALUE_WORDS:
            return VALUE_WORDS[self.name].get(text, text)
        if self.kind.endswith("datetime") or self.hubspot_type == "datetime":
            return _iso_instant(text)
        return text

    def same(self, crm_value: str | None, value: str | None) -> bool:
        """Whether the portal already holds `value` (numbers and instants compared as such, not as text)."""
        if crm_value in (None, "") or value in (None, ""):
            return crm_value in (None, "") and value in (None, "")
        if self.hubspot_type == "number":
            return Decimal(crm_value) == Decimal(value)
        if self.hubspot_type == "datetime" or self.kind.endswith("datetime"):
            return crm_value[:19] == value[:19]
        return crm_value == value


@dataclass(frozen=True)
class ObjectProperties:
    object_type: str
    fields: dict[str, WriteProperty]


def _table(object_type: str, text: str) -> ObjectProperties:
    fields = {}
    for line in text.strip().splitlines():
        momentum, name, kind = line.split()
        fields[momentum] = WriteProperty(momentum, name, kind)
    return ObjectProperties(object_type, fields)


# Keyed by the mapping's destination object.
OBJECTS = {"opportunity": _table("deals", _DEALS), "task": _table("tasks", _TASKS)}


def object_properties(mapping: Mapping) -> ObjectProperties:
    if mapping.object not in OBJECTS:
        raise HubSpotSyncUnsupported(
            f"sync {mapping.name} writes CRM object {mapping.object}, which Momentum does not write to HubSpot yet: "
            "turn the sync off for MOMENTUM_CRM=hubspot, or add its properties to crm/hubspot/write_fields.py"
        )
    return OBJECTS[mapping.object]


def mapped_properties(mapping: Mapping) -> list[WriteProperty]:
    """Every property (and association) the mapping's sync sends, its key first."""
    table = object_properties(mapping)
    names = (mapping.match_key, *mapping.written_fields)
    unknown = [name for name in names if name not in table.fields]
    if unknown:
        raise HubSpotSyncUnsupported(
            f"sync {mapping.name} writes {', '.join(unknown)}, which has no HubSpot property: add its line to "
            "crm/hubspot/write_fields.py"
        )
    return [table.fields[name] for name in names]


def _iso_instant(text: str) -> str:
    """PostgreSQL's ISO output (session time zone UTC), or a date, as HubSpot's ISO 8601 instant."""
    if len(text) == 10:  # a date: midnight UTC, as HubSpot stores a date-only task due date
        return f"{text}T00:00:00Z"
    instant = text.replace(" ", "T", 1)
    return instant.removesuffix("+00") + "Z" if instant.endswith("+00") else instant
