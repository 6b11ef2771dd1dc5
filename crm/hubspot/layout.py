"""Where HubSpot lands: schema `raw_hubspot`, one table per object (crm/hubspot/properties.py), read by
dbt_project/models/staging/hubspot/. HubSpot's API has no fiscal-year setting, so quarters are calendar
quarters unless MOMENTUM_FISCAL_YEAR_START_MONTH says otherwise, and no weekly forecast submissions, so the
forecast has no commit line."""

from __future__ import annotations

from crm.hubspot.properties import HUBSPOT_OBJECTS
from extract.layout import FiscalYearField, RawLayout, feature_needs

HUBSPOT_LAYOUT = RawLayout(
    schema="raw_hubspot",
    objects=tuple(hubspot_object.crm_object() for hubspot_object in HUBSPOT_OBJECTS),
    dbt_staging="hubspot",
    # No such table: extract/org_settings.py falls back to calendar quarters (or the setting).
    fiscal_year=FiscalYearField("portal_settings", "fiscal_year_start_month", "updatedat"),
    needs=feature_needs(
        deals="deal",
        stages="deal_stage",
        users="owner",
        history="deal_property_history",
        tasks="task",
        events="meeting",
        contacts="contact",
        contact_roles="deal_contact",
        accounts="company",
        forecast="forecast_submission",
        organization="portal_settings",
    ),
    fields={
        hubspot_object.raw_name: tuple((p.name, p.required) for p in hubspot_object.properties)
        for hubspot_object in HUBSPOT_OBJECTS
    },
)
