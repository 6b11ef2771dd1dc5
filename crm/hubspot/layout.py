"""Where HubSpot lands: schema `raw_hubspot`, one table per object (crm/hubspot/properties.py), read by
dbt_project/models/staging/hubspot/. HubSpot's API has no fiscal-year setting, so quarters are calendar
quarters unless MOMENTUM_FISCAL_YEAR_START_MONTH says otherwise, and no weekly forecast submissions, so the
forecast has no commit line."""

from __future__ import annotations

from dataclasses import replace

from crm.hubspot.properties import HUBSPOT_OBJECTS
from extract.layout import FeatureNeed, FiscalYearField, RawLayout, feature_needs

# HubSpot keeps no date on a deal-to-contact association: `momentum crm check` says how the roles are dated
# (dbt_project/models/staging/hubspot/stg_crm__opportunity_contact_roles.sql says why).
ROLE_DATES = (
    "; HubSpot keeps no date on a role: each counts from the day after the contact's first call, email, meeting or task on "
    "the deal, or else from the first extract that saw it"
)


def _roles_dated(needs: tuple[FeatureNeed, ...]) -> tuple[FeatureNeed, ...]:
    return tuple(
        replace(need, feature=need.feature.replace(")", ROLE_DATES + ")", 1))
        if "deal_contact" in need.objects
        else need
        for need in needs
    )


HUBSPOT_LAYOUT = RawLayout(
    schema="raw_hubspot",
    objects=tuple(hubspot_object.crm_object() for hubspot_object in HUBSPOT_OBJECTS),
    dbt_staging="hubspot",
    # No such table: extract/org_settings.py falls back to calendar quarters (or the setting).
    fiscal_year=FiscalYearField("portal_settings", "fiscal_year_start_month", "updatedat"),
    needs=_roles_dated(
        feature_needs(
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
        )
    ),
    fields={
        hubspot_object.raw_name: tuple((p.name, p.required) for p in hubspot_object.properties)
        for hubspot_object in HUBSPOT_OBJECTS
    },
)
