"""A small-preset CRM (~2,700 deals) built once per test module: building it is the slow part (a few seconds)."""

from __future__ import annotations

import datetime as dt
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from simulator.build import build_demo_crm

DEMO_TODAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def demo_crm_url(server_url: str):
    database = f"test_demo_{uuid.uuid4().hex[:12]}"
    admin = urlunsplit(urlsplit(server_url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{database}"')
    url = urlunsplit(urlsplit(server_url)._replace(path="/" + database))
    build_demo_crm(url, "small", seed=7, today=DEMO_TODAY)
    yield url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{database}" with (force)')
