"""The Salesforce fields Momentum writes: one line per field of a sync's mapping (reverse_etl/mappings/).

    Momentum field            Salesforce API name            metadata type

A `__c` field is Momentum's custom field: `momentum crm setup --check` lists the ones an org lacks, and
`--write-package` writes them as metadata an admin deploys. Other names are standard fields. Adding a field
to a mapping is one line here (and one in the allow-list).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from reverse_etl.mapping import Mapping, MappingError

_OPPORTUNITY = """
opportunity_id              Id                              Id
ai_win_probability          AI_Win_Probability__c           Number(5,4)
ai_slip_risk                AI_Slip_Risk__c                 Number(5,4)
ai_next_best_action         AI_Next_Best_Action__c          LongTextArea(32768)
ai_top_reasons_for          AI_Top_Reasons_For__c           Text(255)
ai_top_reasons_against      AI_Top_Reasons_Against__c       Text(255)
ai_model_version            AI_Model_Version__c             Text(80)
ai_scored_at                AI_Scored_At__c                 DateTime
ai_close_in_quarter_probability AI_Close_In_Quarter_Probability__c Number(5,4)
ai_forecast_category        AI_Forecast_Category__c         Text(40)
ai_forecast_flag            AI_Forecast_Flag__c             Text(255)
"""

_TASK = """
ai_external_id              AI_External_Id__c               ExternalId(255)
what_id                     WhatId                          Lookup
who_id                      WhoId                           Lookup
owner_id                    OwnerId                         Lookup
subject                     Subject                         Text(255)
type                        Type                            Picklist
status                      Status                          Picklist
priority                    Priority                        Picklist
activity_date               ActivityDate                    Date
description                 Description                     LongTextArea(32000)
ai_action_type              AI_Action_Type__c               Text(40)
ai_context                  AI_Context__c                   LongTextArea(32768)
ai_script                   AI_Script__c                    LongTextArea(32768)
ai_recommended_at           AI_Recommended_At__c            DateTime
ai_expected_impact_amount   AI_Expected_Impact_Amount__c    Currency(16,2)
ai_model_version            AI_Model_Version__c             Text(80)
"""

# Momentum's own custom object (`momentum crm setup --write-package` defines it with these fields; its Name is an
# auto-number, so Momentum never sets it).
_MOMENTUM_FORECAST = """
ai_external_id              AI_External_Id__c               ExternalId(255)
owner_id                    OwnerId                         Lookup
ai_forecast_level           AI_Forecast_Level__c            Text(10)
ai_team                     AI_Team__c                      Text(80)
ai_fiscal_quarter           AI_Fiscal_Quarter__c            Text(10)
ai_forecast                 AI_Forecast__c                  Currency(16,0)
ai_forecast_p10             AI_Forecast_P10__c              Currency(16,0)
ai_forecast_p90             AI_Forecast_P90__c              Currency(16,0)
ai_commit                   AI_Commit__c                    Currency(16,0)
ai_best_case                AI_Best_Case__c                 Currency(16,0)
ai_minus_commit             AI_Minus_Commit__c              Currency(16,0)
ai_as_of_date               AI_As_Of_Date__c                Date
ai_model_version            AI_Model_Version__c             Text(80)
"""

_TYPE = re.compile(r"^(?P<kind>\w+)(?:\((?P<size>\d+)(?:,(?P<scale>\d+))?\))?$")
_NUMERIC_KINDS = ("Number", "Currency", "Percent")


@dataclass(frozen=True)
class WriteField:
    momentum: str
    api_name: str
    kind: str
    """Salesforce metadata type: Number, Currency, Text, LongTextArea, DateTime, Date, ExternalId (a unique
    external-id Text field), or a standard field's Id, Lookup, Picklist."""
    size: int | None = None
    """Length of a text field, precision of a number."""
    scale: int | None = None

    @property
    def custom(self) -> bool:
        return self.api_name.endswith("__c")

    @property
    def type_label(self) -> str:
        """As an admin reads it: Number(5,4), Text(255)."""
        sizes = ",".join(str(n) for n in (self.size, self.scale) if n is not None)
        return f"{self.kind}({sizes})" if sizes else self.kind

    def json_value(self, text: str | None) -> object:
        """A value staged as PostgreSQL text, as the REST API takes it."""
        if text is None:
            return None
        if self.kind in _NUMERIC_KINDS:
            return float(Decimal(text))
        if self.kind == "DateTime":
            # PostgreSQL's ISO output (session time zone UTC) to ISO 8601.
            return (
                text.replace(" ", "T", 1).replace("+00", "Z")
                if text.endswith("+00")
                else text.replace(" ", "T", 1)
            )
        return text


@dataclass(frozen=True)
class ObjectFields:
    api_name: str
    fields: dict[str, WriteField]

    def field(self, momentum: str, mapping_name: str) -> WriteField:
        if momentum not in self.fields:
            raise MappingError(
                f"mapping '{mapping_name}' writes {momentum}, which has no Salesforce field: add its line "
                "to crm/salesforce/write_fields.py"
            )
        return self.fields[momentum]


def _table(api_name: str, text: str) -> ObjectFields:
    fields = {}
    for line in text.strip().splitlines():
        momentum, api_field, type_text = line.split()
        match = _TYPE.match(type_text)
        size, scale = match["size"], match["scale"]
        fields[momentum] = WriteField(
            momentum, api_field, match["kind"], int(size) if size else None, int(scale) if scale else None
        )
    return ObjectFields(api_name, fields)


# Keyed by the mapping's destination object.
OBJECTS = {
    "opportunity": _table("Opportunity", _OPPORTUNITY),
    "task": _table("Task", _TASK),
    "momentum_forecast": _table("Momentum_Forecast__c", _MOMENTUM_FORECAST),
}


def object_fields(mapping: Mapping) -> ObjectFields:
    if mapping.object not in OBJECTS:
        raise MappingError(
            f"mapping '{mapping.name}' writes CRM object {mapping.object}, which Momentum does not write to "
            "Salesforce: add it to crm/salesforce/write_fields.py"
        )
    return OBJECTS[mapping.object]


def mapped_fields(mapping: Mapping) -> list[WriteField]:
    """Every Salesforce field the mapping's sync sends (its key included)."""
    fields = object_fields(mapping)
    return [fields.field(name, mapping.name) for name in (mapping.match_key, *mapping.written_fields)]
