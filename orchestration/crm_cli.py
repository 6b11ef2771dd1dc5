"""`momentum crm`: the configured CRM (MOMENTUM_CRM) as Momentum sees it.

Registered in orchestration/cli.py with `main.add_command(crm)`.
"""

from __future__ import annotations

from pathlib import Path

import click

from crm.check import check_crm, format_report
from crm.connectors import crm_source
from warehouse.server import warehouse_url
from warehouse.settings import load_settings


@click.group()
def crm() -> None:
    """The CRM Momentum reads (MOMENTUM_CRM: demo, salesforce, hubspot or files)."""


@crm.command()
def check() -> None:
    """List the CRM's objects, fields and records, what each Momentum feature needs from them and what is
    missing, and the API budget; exit 1 when something required is missing."""
    settings = load_settings()
    # Only the demo CRM lives in the warehouse; other sources never connect to it here.
    url = warehouse_url(settings) if settings.crm == "demo" else ""
    report = check_crm(crm_source(settings, url))
    click.echo(format_report(report))
    if report.problems:
        raise SystemExit(1)


@crm.command()
@click.option(
    "--check", "check_only", is_flag=True, help="List the fields Momentum writes that the CRM lacks."
)
@click.option(
    "--write-package",
    "package_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write a Salesforce metadata package (missing fields, permission set) for an admin to deploy.",
)
@click.option("--create", is_flag=True, help="HubSpot: create the missing properties (and their group).")
def setup(check_only: bool, package_dir: Path | None, create: bool) -> None:
    """What the CRM needs before Momentum writes back: every field its syncs write, with its type, and
    which are missing; exit 1 when one is."""
    settings = load_settings()
    if settings.crm == "hubspot":
        from orchestration.hubspot_setup_cli import hubspot_setup

        hubspot_setup(settings, create)
        return
    if settings.crm != "salesforce":
        click.echo(
            f"MOMENTUM_CRM={settings.crm}: nothing to set up (Momentum sets up Salesforce and HubSpot here)"
        )
        return
    from crm.salesforce.org_writer import OrgWriter
    from crm.salesforce.setup import check_fields, format_check, write_package
    from reverse_etl.mapping import load_mappings

    org = OrgWriter(settings.crm_credentials.get("salesforce", {}))
    try:
        statuses = check_fields(org, list(load_mappings().values()))
        limits = org.sf.restful("limits/")["DailyApiRequests"]
        budget = (
            f"{limits['Remaining']:,} of {limits['Max']:,} daily requests left; each sync may use "
            f"{org.call_ceiling:,} (MOMENTUM_SALESFORCE_SYNC_API_CALLS)"
        )
    finally:
        org.close()
    click.echo(format_check(statuses, budget))
    if package_dir is not None:
        files = write_package(package_dir, statuses)
        click.echo(
            f"wrote {len(files)} files to {package_dir}: deploy with `sf project deploy start --metadata-dir {package_dir}`"
        )
    if any(not status.present for status in statuses):
        raise SystemExit(1)
