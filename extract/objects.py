"""The CRM objects Momentum extracts, and the key that identifies a record of each."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CrmObject:
    name: str
    primary_key: str
    # The field the CRM stamps on every change: the incremental extract's watermark.
    modstamp: str = "system_modstamp"
    # An optional object may be absent from a CRM (a CSV export has no org settings): the extract skips
    # it and the pipeline falls back to defaults, with a warning, instead of failing.
    optional: bool = False
    # Money columns: a value must be finite and within MONEY_RANGE, or the row is quarantined
    # (extract/quarantine.py): one NaN amount would turn every forecast sum into NaN.
    money_columns: tuple[str, ...] = ()
    # Compare the CRM's current ids with the raw table's on every extract, to notice deleted records.
    # Off for the large append-mostly objects (history, activities): listing millions of ids every
    # morning costs more than a deleted activity matters, and a deleted deal drops its activities anyway.
    detect_deletions: bool = True


CRM_OBJECTS: tuple[CrmObject, ...] = (
    # The org's settings (its fiscal year): one record, never deleted.
    CrmObject("organization", "organization_id", optional=True, detect_deletions=False),
    CrmObject("user", "user_id"),
    CrmObject("account", "account_id"),
    CrmObject("contact", "contact_id"),
    # A stage removed from the picklist still gives meaning to the history rows that name it.
    CrmObject("opportunity_stage", "stage_name", detect_deletions=False),
    CrmObject("opportunity", "opportunity_id", money_columns=("amount",)),
    CrmObject("opportunity_history", "history_id", money_columns=("amount",), detect_deletions=False),
    CrmObject("opportunity_contact_role", "opportunity_contact_role_id"),
    CrmObject("task", "task_id", detect_deletions=False),
    CrmObject("event", "event_id", detect_deletions=False),
    CrmObject(
        "forecast_submission", "forecast_submission_id", money_columns=("commit_amount", "best_case_amount")
    ),
)

# Amounts a CRM can hold (numeric(14, 2) in the demo CRM): a negative deal amount or one of a trillion
# is a typing or import error, not a deal, and scoring it would move the forecast by that much.
MONEY_RANGE = (0, 1e12)

OBJECTS_BY_NAME = {crm_object.name: crm_object for crm_object in CRM_OBJECTS}
