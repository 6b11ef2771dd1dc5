"""Shared fixtures: a real PostgreSQL for every test that needs one.

The server is the embedded one (pgserver) in a temporary MOMENTUM_HOME, or the
server named by MOMENTUM_TEST_SERVER_URL. Each test that asks for `warehouse_url`
gets a fresh database of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from warehouse.server import warehouse_url as resolve_warehouse_url
from warehouse.settings import load_settings


@pytest.fixture(scope="session")
def server_url(tmp_path_factory) -> str:
    external = os.environ.get("MOMENTUM_TEST_SERVER_URL")
    if external:
        return external
    home = tmp_path_factory.mktemp("momentum_home")
    return resolve_warehouse_url(load_settings({"MOMENTUM_HOME": str(home)}))


@pytest.fixture
def warehouse_url(server_url: str) -> str:
    database = f"test_{uuid.uuid4().hex[:12]}"
    admin = urlunsplit(urlsplit(server_url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{database}"')
    yield urlunsplit(urlsplit(server_url)._replace(path="/" + database))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{database}" with (force)')
