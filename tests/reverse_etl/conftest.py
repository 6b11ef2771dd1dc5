"""Fixtures: the warehouse holding the demo CRM and the payload tables, and a second database."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

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
    database = f"test_crm_{uuid.uuid4().hex[:12]}"
    admin = urlunsplit(urlsplit(server_url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{database}"')
    yield urlunsplit(urlsplit(server_url)._replace(path="/" + database))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{database}" with (force)')
