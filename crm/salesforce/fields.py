"""The Salesforce objects and fields Momentum reads, by API name, with the PostgreSQL type each lands as.

One list serves every way in: the API source asks describe for these fields (and keeps any other field
the org adds), the export-file source types these columns and keeps the rest as text, and `momentum crm
check` names what is missing. Raw tables are named after the object's API name in lower case, and
their columns after the fields' API names in lower case (`raw_salesforce.opportunity.stagename`):
PostgreSQL folds unquoted names to lower case, so the staging SQL can write `StageName` as Salesforce
spells it.

`required` fields must be present or the object cannot be extracted; the others are read when the org
has them (custom fields such as `Segment__c` are Momentum's suggestions, and staging falls back when an
org does not have them: dbt_project/models/staging/salesforce/).
"""

from __future__ import annotations

from dataclasses import dataclass

from extract.objects import CrmObject


@dataclass(frozen=True)
class SalesforceField:
    name: str  # API name, as Salesforce spells it
    pg_type: str
    required: bool = False


@dataclass(frozen=True)
class SalesforceObject:
    api_name: str
    fields: tuple[SalesforceField, ...]
    # The CrmObject the extract engine works with: raw table name, key, stamp, checks.
    optional: bool = False
    money_fields: tuple[str, ...] = ()
    detect_deletions: bool = True
    # The field an incremental read filters on: SystemModstamp, but a field history object has none (its
    # rows are never edited), so CreatedDate.
    modstamp_field: str = "SystemModstamp"

    @property
    def raw_name(self) -> str:
        return self.api_name.lower()

    def crm_object(self) -> CrmObject:
        return CrmObject(
            self.raw_name,
            "id",
            modstamp=self.modstamp_field.lower(),
            optional=self.optional,
            money_columns=tuple(name.lower() for name in self.money_fields),
            detect_deletions=self.detect_deletions,
        )


def _fields(spec: str, stamp: str = "SystemModstamp") -> tuple[SalesforceField, ...]:
    """'Name:type' pairs, one per line; a trailing '!' marks a required field. `stamp`: the object's
    modstamp field, listed last."""
    fields = []
    for line in spec.split():
        name, pg_type = line.split(":")
        required = pg_type.endswith("!")
        fields.append(SalesforceField(name, pg_type.rstrip("!"), required))
    return (
        SalesforceField("Id", "text", True),
        *fields,
        SalesforceField(stamp, "timestamptz", True),
    )


SALESFORCE_OBJECTS: tuple[SalesforceObject, ...] = (
    # The org's fiscal year; an export has no Organization.csv and the pipeline falls back to calendar
    # quarters (extract/org_settings.py).
    SalesforceObject(
        "Organization",
        _fields("Name:text FiscalYearStartMonth:integer DefaultCurrencyIsoCode:text"),
        optional=True,
        detect_deletions=False,
    ),
    # Role names ("Account Executive", "Sales Manager") tell reps from managers.
    SalesforceObject("UserRole", _fields("Name:text!"), optional=True, detect_deletions=False),
    SalesforceObject(
        "User",
        _fields(
            "Name:text! Email:text UserRoleId:text ManagerId:text Department:text Segment__c:text "
            "TimeZoneSidKey:text IsActive:boolean! CreatedDate:timestamptz!"
        ),
    ),
    SalesforceObject(
        "Account",
        _fields(
            "Name:text! Industry:text NumberOfEmployees:integer Segment__c:text Region__c:text "
            "OwnerId:text CreatedDate:timestamptz!"
        ),
    ),
    SalesforceObject(
        "Contact",
        _fields(
            "AccountId:text FirstName:text LastName:text Email:text Title:text Department:text "
            "Seniority__c:text Time_Zone__c:text CreatedDate:timestamptz!"
        ),
    ),
    # Stage metadata: the only source of what a stage means (open, closed, won, probability, category).
    SalesforceObject(
        "OpportunityStage",
        _fields(
            "ApiName:text MasterLabel:text! SortOrder:integer IsActive:boolean IsClosed:boolean! IsWon:boolean! "
            "DefaultProbability:numeric ForecastCategoryName:text"
        ),
        detect_deletions=False,
    ),
    SalesforceObject(
        "Opportunity",
        _fields(
            "AccountId:text OwnerId:text Name:text! StageName:text! Amount:numeric CloseDate:date "
            "Probability:numeric ForecastCategoryName:text NextStep:text Type:text LeadSource:text "
            "Loss_Reason__c:text IsClosed:boolean! IsWon:boolean! CreatedDate:timestamptz! "
            "AI_Win_Probability__c:numeric AI_Next_Best_Action__c:text "
            "AI_Model_Version__c:text AI_Scored_At__c:timestamptz"
        ),
        # CurrencyIsoCode is not listed: only multi-currency orgs have it, so its absence is no news. Every
        # source keeps fields it does not list, and the raw check refuses an org with several currencies.
        money_fields=("Amount",),
    ),
    # One row per change of stage, amount, probability or close date (ForecastCategory, the category at
    # that moment, holds the API value: BestCase, Forecast, ...), with the values after the change.
    SalesforceObject(
        "OpportunityHistory",
        _fields(
            "OpportunityId:text! CreatedDate:timestamptz! StageName:text Amount:numeric CloseDate:date "
            "Probability:numeric ForecastCategory:text"
        ),
        money_fields=("Amount",),
        detect_deletions=False,
    ),
    # Changes of the fields the org tracks (field history tracking, Setup > Object Manager > Opportunity >
    # Fields & Relationships > Set History Tracking), one row per field and change, values as text.
    # OpportunityHistory writes a row only when stage, amount, probability or close date change, so a
    # forecast category changed on its own is seen here alone (staging/salesforce/stg_crm__opportunity_history).
    # Optional: an org that tracks nothing, or hides the object, still builds.
    SalesforceObject(
        "OpportunityFieldHistory",
        _fields("OpportunityId:text! Field:text! DataType:text OldValue:text NewValue:text", "CreatedDate"),
        optional=True,
        detect_deletions=False,
        modstamp_field="CreatedDate",
    ),
    SalesforceObject(
        "OpportunityContactRole",
        _fields("OpportunityId:text! ContactId:text! Role:text IsPrimary:boolean CreatedDate:timestamptz!"),
    ),
    SalesforceObject(
        "Task",
        _fields(
            "WhatId:text WhoId:text AccountId:text OwnerId:text Subject:text Type:text Status:text! "
            "Priority:text ActivityDate:date CompletedDateTime:timestamptz CallDisposition:text "
            "CallDurationInSeconds:integer Description:text CreatedDate:timestamptz! AI_External_Id__c:text "
            "AI_Action_Type__c:text AI_Context__c:text AI_Script__c:text AI_Recommended_At__c:timestamptz "
            "AI_Expected_Impact_Amount__c:numeric AI_Model_Version__c:text"
        ),
        detect_deletions=False,
    ),
    SalesforceObject(
        "Event",
        _fields(
            "WhatId:text WhoId:text AccountId:text OwnerId:text Subject:text Type:text "
            "StartDateTime:timestamptz! EndDateTime:timestamptz Description:text CreatedDate:timestamptz!"
        ),
        detect_deletions=False,
    ),
    # Each rep's weekly forecast call. Collaborative Forecasts keeps only the current call, so the weekly
    # history lives in a custom object; an org without it gets no commit line in the forecast.
    SalesforceObject(
        "Forecast_Submission__c",
        _fields(
            "OwnerId:text! Fiscal_Quarter__c:text! Submitted_Date__c:date! Commit_Amount__c:numeric "
            "Best_Case_Amount__c:numeric"
        ),
        optional=True,
        money_fields=("Commit_Amount__c", "Best_Case_Amount__c"),
    ),
)

OBJECTS_BY_API_NAME = {sf_object.api_name: sf_object for sf_object in SALESFORCE_OBJECTS}
OBJECTS_BY_RAW_NAME = {sf_object.raw_name: sf_object for sf_object in SALESFORCE_OBJECTS}
