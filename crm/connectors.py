"""The CRM Momentum reads and writes, chosen by MOMENTUM_CRM (Settings.crm).

The orchestration layer asks here for a source and a destination and hands them to the extract and to
reverse ETL, which only know their interfaces.
"""

from __future__ import annotations

import functools

from crm.demo.destination import DemoCrmDestination
from crm.demo.grants import grant_demo_crm
from crm.demo.source import DemoCrmSource
from extract.source import CrmSource
from reverse_etl.destination import DestinationFactory
from warehouse.roles import CrmGrants

KINDS = ("demo",)
DEMO_SCHEMA = "crm"


def crm_source(kind: str, warehouse_url: str) -> CrmSource:
    """The source to extract from; the demo CRM lives in the warehouse database, schema `crm`."""
    _check(kind)
    return DemoCrmSource(warehouse_url, DEMO_SCHEMA)


def crm_destination(kind: str) -> DestinationFactory:
    """What reverse ETL writes into: a factory of one mapping's destination over an open connection."""
    _check(kind)
    return functools.partial(DemoCrmDestination, schema=DEMO_SCHEMA)


def crm_grants(kind: str) -> CrmGrants:
    """What the pipeline role may do on the CRM's tables, granted by the warehouse admin
    (warehouse/roles.py): the demo CRM grants reading, and writing only the allow-listed fields."""
    _check(kind)
    return grant_demo_crm


def _check(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(
            f"MOMENTUM_CRM={kind!r} is not a CRM this version reads: use one of {', '.join(KINDS)}"
        )
