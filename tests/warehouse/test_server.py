import shutil
import subprocess

import pytest
import sqlalchemy

from warehouse.server import dbt_environment, redact
from warehouse.settings import load_settings


def test_the_warehouse_url_works_for_sqlalchemy(warehouse_url):
    engine = sqlalchemy.create_engine(warehouse_url)
    with engine.connect() as connection:
        assert connection.execute(sqlalchemy.text("select current_database()")).scalar().startswith("test_")
    engine.dispose()


@pytest.mark.skipif(shutil.which("psql") is None, reason="no psql client on this machine")
def test_the_warehouse_url_works_for_psql(warehouse_url):
    result = subprocess.run(
        ["psql", warehouse_url, "-tAc", "select 41 + 1"], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "42"


def test_dbt_gets_host_port_user_and_database_from_a_socket_url():
    env = dbt_environment("postgresql://postgres@/momentum?host=/srv/momentum/pgdata")

    assert env == {
        "MOMENTUM_DB_HOST": "/srv/momentum/pgdata",
        "MOMENTUM_DB_PORT": "5432",
        "MOMENTUM_DB_USER": "postgres",
        "MOMENTUM_DB_PASSWORD": "",
        "MOMENTUM_DB_NAME": "momentum",
    }


def test_dbt_gets_the_parts_of_a_tcp_url():
    env = dbt_environment("postgresql://revops:s3cret@db.internal:6543/sales")

    assert (env["MOMENTUM_DB_HOST"], env["MOMENTUM_DB_PORT"], env["MOMENTUM_DB_NAME"]) == (
        "db.internal",
        "6543",
        "sales",
    )
    assert env["MOMENTUM_DB_PASSWORD"] == "s3cret"


def test_a_printed_url_never_shows_the_password():
    assert (
        redact("postgresql://revops:s3cret@db.internal:6543/sales")
        == "postgresql://revops:***@db.internal:6543/sales"
    )


def test_settings_default_home_is_dot_momentum_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    settings = load_settings({})

    assert settings.home == tmp_path / ".momentum"
    assert settings.warehouse_url is None
    assert settings.schedule_timezone == "UTC"
