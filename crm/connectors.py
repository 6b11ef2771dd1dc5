"""The CRM Momentum reads and writes, chosen by MOMENTUM_CRM (Settings.crm).

The orchestration layer asks here for a source, its raw layout and a destination, and hands them to the
extract and to reverse ETL, which only know their interfaces.

- `demo`: the simulated CRM in the warehouse's schema `crm`.
- `salesforce`: a Salesforce org through its REST and Bulk 2.0 APIs (MOMENTUM_SALESFORCE_* credentials).
- `hubspot`: a HubSpot portal through its CRM v3 API (MOMENTUM_HUBSPOT_* credentials).
- `files`: a folder of CRM export files (MOMENTUM_CRM_PATH): Salesforce's data export, or HubSpot's exports. Write-back
  to a Salesforce export goes to Data Loader CSV files in the outbox (MOMENTUM_CRM_OUTBOX) for the user to load.
"""

from __future__ import annotations

import functools
from pathlib import Path

from crm.demo.destination import DemoCrmDestination
from crm.demo.grants import grant_demo_crm
from crm.demo.source import DemoCrmSource
from crm.hubspot.layout import HUBSPOT_LAYOUT
from crm.salesforce.layout import SALESFORCE_LAYOUT
from extract.layout import DEMO_LAYOUT, RawLayout
from extract.source import CrmSource
from reverse_etl.destination import DestinationFactory
from reverse_etl.mapping import Mapping as SyncMapping
from warehouse.roles import CrmGrants
from warehouse.settings import Settings

KINDS = ("demo", "salesforce", "hubspot", "files")
DEMO_SCHEMA = "crm"
# A Salesforce data export holds one CSV per object, named by its API name.
SALESFORCE_EXPORT_MARKER = "Opportunity.csv"


class CrmNotConfigured(ValueError):
    """MOMENTUM_CRM names no CRM this version reads, or its settings are incomplete."""


def crm_layout(settings: Settings) -> RawLayout:
    """Where the configured CRM lands (raw schema, objects, dbt staging folder); needs no connection."""
    _check(settings.crm)
    if settings.crm == "demo":
        return DEMO_LAYOUT
    if settings.crm == "hubspot":
        return HUBSPOT_LAYOUT
    if settings.crm == "files" and _is_hubspot_export(_export_folder(settings)):
        return HUBSPOT_LAYOUT
    return SALESFORCE_LAYOUT


def crm_source(settings: Settings, warehouse_url: str) -> CrmSource:
    """The source to extract from; the demo CRM lives in the warehouse database, schema `crm`."""
    _check(settings.crm)
    if settings.crm == "demo":
        return DemoCrmSource(warehouse_url, DEMO_SCHEMA)
    if settings.crm == "files":
        folder = _export_folder(settings)
        if _is_hubspot_export(folder):
            from crm.hubspot.export_source import HubSpotExportSource

            return HubSpotExportSource(folder)
        from crm.salesforce.export_source import SalesforceExportSource

        return SalesforceExportSource(folder)
    if settings.crm == "hubspot":
        from crm.hubspot.api_source import HubSpotApiSource

        return HubSpotApiSource.from_settings(settings.crm_credentials.get("hubspot", {}))
    from crm.salesforce.api_source import SalesforceApiSource

    return SalesforceApiSource.from_settings(settings.crm_credentials.get("salesforce", {}))


def crm_destination(settings: Settings) -> DestinationFactory | None:
    """What reverse ETL writes into: a factory of one mapping's destination over an open connection, or None
    when this version writes nothing back to that CRM (the payloads stay in `reverse_etl.sync_crm__*`)."""
    _check(settings.crm)
    if settings.crm == "demo":
        return functools.partial(DemoCrmDestination, schema=DEMO_SCHEMA)
    if settings.crm == "salesforce":
        from crm.salesforce.destination import open_salesforce_destination

        return functools.partial(
            open_salesforce_destination, credentials=settings.crm_credentials.get("salesforce", {})
        )
    if settings.crm == "files":
        if _is_hubspot_export(_export_folder(settings)):
            return None  # HubSpot's import format is not written yet: the payloads stay in the warehouse
        from crm.salesforce.data_loader.destination import DataLoaderOutbox

        return DataLoaderOutbox(settings.outbox_dir)
    if settings.crm == "hubspot":
        from crm.hubspot.destination import open_hubspot_destination

        return functools.partial(
            open_hubspot_destination, credentials=settings.crm_credentials.get("hubspot", {})
        )
    return None


def sync_not_taken(settings: Settings, mapping: SyncMapping) -> str | None:
    """Why the configured CRM takes no write of this sync in this version (its payload stays in the warehouse), or
    None: HubSpot has no object yet for the Momentum forecast record."""
    if settings.crm == "hubspot":
        from crm.hubspot.write_fields import OBJECTS

        if mapping.object not in OBJECTS:
            return (
                f"HubSpot has no object for Momentum's {mapping.object} records in this version: today's payload is "
                f"in reverse_etl.{mapping.source}, nothing was sent"
            )
    return None


def crm_grants(settings: Settings) -> CrmGrants | None:
    """What the pipeline role may do on the CRM's tables, granted by the warehouse admin
    (warehouse/roles.py): the demo CRM grants reading, and writing only the allow-listed fields. A CRM
    outside the warehouse needs no grant."""
    _check(settings.crm)
    return grant_demo_crm if settings.crm == "demo" or _demo_behind_api(settings) else None


def _demo_behind_api(settings: Settings) -> bool:
    """`momentum demo --crm salesforce` (or `hubspot`): the demo CRM served through the local API of the configured
    CRM. Both local APIs write into the demo CRM's tables, so the pipeline role keeps the demo CRM's grants."""
    return settings.crm_credentials.get(settings.crm, {}).get("demo_server") == "1"


def _export_folder(settings: Settings) -> Path:
    folder = settings.crm_path
    if folder is None:
        raise CrmNotConfigured(
            "MOMENTUM_CRM=files needs MOMENTUM_CRM_PATH, the folder holding the export files"
        )
    if not folder.is_dir():
        raise CrmNotConfigured(f"MOMENTUM_CRM_PATH={folder} is not a folder: point it at the export's folder")
    if not (folder / SALESFORCE_EXPORT_MARKER).is_file() and not _is_hubspot_export(folder):
        raise CrmNotConfigured(
            f"MOMENTUM_CRM_PATH={folder} holds no {SALESFORCE_EXPORT_MARKER} and no HubSpot deals export: Momentum "
            "reads a Salesforce data export (one CSV per object, named by its API name, e.g. Opportunity.csv, "
            "OpportunityHistory.csv) or HubSpot's exports (a deals CSV whose header has Record ID, Deal Name and "
            "Deal Stage, with the companies and contacts exports beside it)"
        )
    return folder


def _is_hubspot_export(folder: Path) -> bool:
    """A folder without Salesforce's Opportunity.csv whose CSVs include a HubSpot deals export."""
    from crm.hubspot.export_files import is_hubspot_export

    return not (folder / SALESFORCE_EXPORT_MARKER).is_file() and is_hubspot_export(folder)


def _check(kind: str) -> None:
    if kind not in KINDS:
        raise CrmNotConfigured(
            f"MOMENTUM_CRM={kind!r} is not a CRM this version reads: use one of {', '.join(KINDS)}"
        )
