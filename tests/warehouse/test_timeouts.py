"""Every pipeline connection carries lock_timeout and statement_timeout, dbt's included."""

from __future__ import annotations

import psycopg
import pytest

from warehouse.server import dbt_environment, pipeline_warehouse_url
from warehouse.settings import load_settings


def _timeouts(url: str) -> tuple[str, str]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select current_setting('lock_timeout'), current_setting('statement_timeout')"
        ).fetchone()


def test_the_pipeline_url_sets_both_timeouts_by_default_and_from_the_settings(warehouse_url):
    default = load_settings({"MOMENTUM_WAREHOUSE_URL": warehouse_url})
    assert _timeouts(pipeline_warehouse_url(default)) == ("1min", "30min")

    tuned = load_settings(
        {
            "MOMENTUM_WAREHOUSE_URL": warehouse_url,
            "MOMENTUM_LOCK_TIMEOUT": "2.5",
            "MOMENTUM_STATEMENT_TIMEOUT": "0",
        }
    )
    url = pipeline_warehouse_url(tuned)
    assert _timeouts(url) == ("2500ms", "0")
    # ...and dbt, which connects by itself, gets them through libpq's PGOPTIONS
    assert dbt_environment(url)["PGOPTIONS"] == "-c lock_timeout=2500 -c statement_timeout=0"


def test_options_the_warehouse_url_already_has_are_kept(warehouse_url):
    separator = "&" if "?" in warehouse_url else "?"
    given = warehouse_url + separator + "options=-c%20search_path%3Dmarts%20-c%20lock_timeout%3D5s"
    url = pipeline_warehouse_url(load_settings({"MOMENTUM_WAREHOUSE_URL": given}))
    with psycopg.connect(url) as conn:
        assert conn.execute("show search_path").fetchone()[0] == "marts"
        # the operator's own -c comes last, so it wins
        assert conn.execute("show lock_timeout").fetchone()[0] == "5s"


@pytest.mark.parametrize("value", ["soon", "-1", "inf", "nan"])
def test_a_timeout_that_is_not_seconds_names_the_setting(value):
    with pytest.raises(ValueError, match="MOMENTUM_LOCK_TIMEOUT must be a number of seconds"):
        load_settings({"MOMENTUM_LOCK_TIMEOUT": value})
