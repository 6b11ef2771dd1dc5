"""The CRM objects Momentum extracts, and the key that identifies a record of each."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CrmObject:
    name: str
    primary_key: str


CRM_OBJECTS: tuple[CrmObject, ...] = (
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
