"""Fixtures for the dbt tests: a database per test module, since one dbt build serves a whole module."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest


@pytest.fixture(scope="module")
def module_database(server_url: str) -> str:
    database = f"test_dbt_{uuid.uuid4().hex[:12]}"
    admin = urlunsplit(urlsplit(server_url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{database}"')
    yield urlunsplit(urlsplit(server_url)._replace(path="/" + database))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{database}" with (force)')
