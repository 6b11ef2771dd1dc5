"""Where Salesforce lands: schema `raw_salesforce`, one table per object (crm/salesforce/fields.py), read
by dbt_project/models/staging/salesforce/. The API source and the data-export source land alike."""

from __future__ import annotations

from crm.salesforce.fields import SALESFORCE_OBJECTS
from extract.layout import FeatureNeed, FiscalYearField, RawLayout, feature_needs

SALESFORCE_LAYOUT = RawLayout(
    schema="raw_salesforce",
    objects=tuple(sf_object.crm_object() for sf_object in SALESFORCE_OBJECTS),
    dbt_staging="salesforce",
    fiscal_year=FiscalYearField("organization", "fiscalyearstartmonth", "systemmodstamp"),
    needs=feature_needs(
        deals="opportunity",
        stages="opportunitystage",
        users="user",
        history="opportunityhistory",
        tasks="task",
        events="event",
        contacts="contact",
        contact_roles="opportunitycontactrole",
        accounts="account",
        forecast="forecast_submission__c",
        organization="organization",
    )
    + (
        # OpportunityHistory has no row for a forecast category changed on its own: without field history a
        # snapshot sees such a change at the deal's next stage, amount or close date change (late, never early).
        FeatureNeed(
            "forecast category changes on the day they happened (track Opportunity's Forecast Category history; "
            "else seen at the next stage, amount or close date change)",
            ("opportunityfieldhistory",),
        ),
    ),
    fields={
        sf_object.raw_name: tuple((f.name.lower(), f.required) for f in sf_object.fields)
        for sf_object in SALESFORCE_OBJECTS
    },
)
