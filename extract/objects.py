"""The CRM objects Momentum extracts, and the key that identifies a record of each."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CrmObject:
    name: str
    primary_key: str
    # An optional object may be absent from a CRM (a CSV export has no org settings): the extract skips
    # it and the pipeline falls back to defaults, with a warning, instead of failing.
    optional: bool = False


CRM_OBJECTS: tuple[CrmObject, ...] = (
    CrmObject("organization", "organization_id", optional=True),  # the org's settings: its fiscal year
    CrmObject("user", "user_id"),
    CrmObject("account", "account_id"),
    CrmObject("contact", "contact_id"),
    CrmObject("opportunity_stage", "stage_name"),
    CrmObject("opportunity", "opportunity_id"),
    CrmObject("opportunity_history", "history_id"),
    CrmObject("opportunity_contact_role", "opportunity_contact_role_id"),
    CrmObject("task", "task_id"),
    CrmObject("event", "event_id"),
    CrmObject("forecast_submission", "forecast_submission_id"),
)

OBJECTS_BY_NAME = {crm_object.name: crm_object for crm_object in CRM_OBJECTS}
