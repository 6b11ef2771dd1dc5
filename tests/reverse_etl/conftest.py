"""Fixtures: the warehouse holding the demo CRM and the payload tables, and a second database."""

from __future__ import annotations

import psycopg
import pytest

from tests.databases import scratch_database
from tests.reverse_etl.helpers import PAYLOAD_DDL, create_crm


@pytest.fixture
def crm(warehouse_url: str) -> str:
    """The warehouse URL, holding both the demo CRM and the payload tables (the product's layout)."""
    create_crm(warehouse_url)
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        conn.execute(PAYLOAD_DDL)
    return warehouse_url


@pytest.fixture
def other_database(server_url: str) -> str:
    """A second, empty database on the same server: a CRM that is not the warehouse."""
    with scratch_database(server_url, "test_crm") as url:
        yield url
