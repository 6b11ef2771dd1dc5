"""`momentum crm setup [--check|--create]` for MOMENTUM_CRM=hubspot (orchestration/crm_cli.py)."""

from __future__ import annotations

import click

from warehouse.settings import Settings


def hubspot_setup(settings: Settings, create: bool) -> None:
    """List the properties Momentum writes and the missing ones; with `create`, create those first. Exit 1
    when one is still missing."""
    from crm.hubspot.portal_writer import PortalWriter
    from crm.hubspot.setup import check_properties, create_missing, format_check
    from reverse_etl.mapping import load_mappings

    portal = PortalWriter(settings.crm_credentials.get("hubspot", {}))
    mappings = list(load_mappings().values())
    statuses = check_properties(portal, mappings)
    if create and any(not s.present for s in statuses):
        created = create_missing(portal, statuses)
        click.echo(f"created {len(created)} HubSpot properties: {', '.join(created)}")
        portal = PortalWriter(settings.crm_credentials.get("hubspot", {}))  # read the properties afresh
        statuses = check_properties(portal, mappings)
    budget = (
        f"{portal.daily_remaining()} daily requests left; each sync may use {portal.call_ceiling:,} "
        "(MOMENTUM_HUBSPOT_SYNC_API_CALLS); batches of 100 records, 100-190 requests per 10 seconds by tier"
    )
    click.echo(format_check(statuses, budget))
    if any(not status.present for status in statuses):
        raise SystemExit(1)
