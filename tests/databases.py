"""Throwaway databases on the session's test server (tests/conftest.py `server_url`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg


@contextmanager
def scratch_database(server_url: str, prefix: str = "test", template: str | None = None) -> Iterator[str]:
    """A new database (optionally a copy of `template`), yielded as a URL and dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = urlunsplit(urlsplit(server_url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{name}"' + (f' template "{template}"' if template else ""))
    try:
        yield urlunsplit(urlsplit(server_url)._replace(path="/" + name))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')
