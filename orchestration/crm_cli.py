"""`momentum crm`: the configured CRM (MOMENTUM_CRM) as Momentum sees it.

Registered in orchestration/cli.py with `main.add_command(crm)`.
"""

from __future__ import annotations

import click

from crm.check import check_crm, format_report
from crm.connectors import crm_source
from warehouse.server import warehouse_url
from warehouse.settings import load_settings


@click.group()
def crm() -> None:
    """The CRM Momentum reads (MOMENTUM_CRM: demo, salesforce or files)."""


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
