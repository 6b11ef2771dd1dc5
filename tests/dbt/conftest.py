"""Fixtures for the dbt tests: a database per test module, since one dbt build serves a whole module."""

from __future__ import annotations

import pytest

from tests.databases import scratch_database


@pytest.fixture(scope="module")
def module_database(server_url: str) -> str:
    with scratch_database(server_url, "test_dbt") as url:
        yield url
