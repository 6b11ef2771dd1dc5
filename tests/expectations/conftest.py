"""The clean marts, scores and payloads of outputs_fixture.py, rebuilt for every test in one database per module."""

import pytest

from tests.databases import scratch_database
from tests.expectations.outputs_fixture import create_marts, create_scores, create_synced_crm, execute

SCHEMAS = "marts, ml, crm, sim_truth, raw_crm, reverse_etl, expectations"


@pytest.fixture(scope="module")
def outputs_database(server_url):
    # Creating a database per test costs ~8 s on the embedded server; recreating the schemas ~1 s.
    with scratch_database(server_url, "outputs") as url:
        yield url


@pytest.fixture
def outputs(outputs_database):
    execute(outputs_database, f"drop schema if exists {SCHEMAS} cascade")
    create_marts(outputs_database)
    create_scores(outputs_database)
    create_synced_crm(outputs_database)
    return outputs_database
