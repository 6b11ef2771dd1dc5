"""Failures a user can fix, said in one line that names the setting or path to fix.

The `momentum` command runs every subcommand through `ExplainedGroup`: an error `explain` recognises
ends in one message and exit code 2, with no traceback; `momentum --debug ...` shows the traceback.
Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path

import click
import psycopg

from actions.playbook import PlaybookError
from crm.connectors import CrmNotConfigured
from crm.hubspot.errors import HubSpotApiLimitReached, HubSpotPropertyMissing, HubSpotSyncStopped
from crm.salesforce.errors import SalesforceApiLimitReached, SalesforceFieldMissing
from crm.salesforce.export_files import ExportFileError
from extract.as_of import AsOfNotServable
from extract.source_switch import CrmSourceSwitched
from warehouse.run_lock import RunLockBusy
from warehouse.server import redact
from warehouse.settings import load_settings

EXIT_USER_ERROR = 2
# How libpq rejects a connection string it cannot parse (psycopg raises them as ProgrammingError).
URL_PARSE_ERRORS = ("invalid URI", "invalid connection option", "invalid integer value", 'missing "="')


def explain(error: BaseException) -> str | None:
    """One line saying what went wrong and what to change, or None when the error is not the user's to fix."""
    if isinstance(error, RunLockBusy):
        return str(error)
    if isinstance(
        error,
        PlaybookError
        | AsOfNotServable
        | CrmNotConfigured
        | CrmSourceSwitched
        | ExportFileError
        | SalesforceApiLimitReached
        | SalesforceFieldMissing
        | HubSpotApiLimitReached
        | HubSpotPropertyMissing
        | HubSpotSyncStopped,
    ):
        # They name the play and file, the as-of date, the CRM setting to change, or the export file and column.
        return str(error)
    if isinstance(error, psycopg.OperationalError):
        return _warehouse_unreachable(error)
    if type(error) is psycopg.ProgrammingError and str(error).startswith(URL_PARSE_ERRORS):
        return _warehouse_url_invalid(error)
    if isinstance(error, PermissionError | IsADirectoryError | NotADirectoryError) and error.filename:
        return _unwritable_home(error)
    return None


def _warehouse_unreachable(error: psycopg.OperationalError) -> str:
    settings = load_settings()
    detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if settings.warehouse_url is None:
        return (
            f"the embedded warehouse under {settings.home} did not answer ({detail}); "
            "`make clean-demo` starts over with a new one, or set MOMENTUM_WAREHOUSE_URL to another server"
        )
    where = redact(settings.warehouse_url)
    if "authentication failed" in detail or "password" in detail:
        return f"the warehouse refused the login ({detail}): check the user and password in MOMENTUM_WAREHOUSE_URL ({where})"
    return (
        f"cannot reach the warehouse at {where} ({detail}): check the server is up and MOMENTUM_WAREHOUSE_URL"
    )


def _warehouse_url_invalid(error: psycopg.ProgrammingError) -> str:
    settings = load_settings()
    detail = str(error).strip().splitlines()[0]
    where = redact(settings.warehouse_url or "")
    return (
        f"MOMENTUM_WAREHOUSE_URL is not a URL PostgreSQL accepts ({detail}): fix it ({where}); "
        "query parameters are lower case, for example ?password=..."
    )


def _unwritable_home(error: OSError) -> str:
    home = load_settings().home
    path = Path(error.filename)
    inside = path == home or home in path.parents
    setting = f"MOMENTUM_HOME ({home})" if inside else "the path"
    return f"cannot write {path} ({error.strerror}): make {setting} a folder this user can write"


class ExplainedGroup(click.Group):
    """A click group whose subcommands end in one readable line on a failure the user can fix."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception as error:
            message = None if (ctx.obj or {}).get("debug") else explain(error)
            if message is None:
                raise
            click.echo(f"momentum: {message}", err=True)
            ctx.exit(EXIT_USER_ERROR)
