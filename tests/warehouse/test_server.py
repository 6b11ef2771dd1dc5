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


@pytest.mark.parametrize(
    "url", ["postgresql://revops:p%40ss@db/sales", "postgresql://revops@db/sales?password=p%40ss"]
)
def test_dbt_gets_the_decoded_password_from_either_form(url):
    assert dbt_environment(url)["MOMENTUM_DB_PASSWORD"] == "p@ss"


@pytest.mark.parametrize(
    ("url", "printed"),
    [
        (
            "postgresql://revops:s3cret@db.internal:6543/sales",
            "postgresql://revops:***@db.internal:6543/sales",
        ),
        (
            "postgresql://revops@db.internal:6543/sales?password=s3cret",
            "postgresql://revops@db.internal:6543/sales?password=***",
        ),
        (
            "postgresql://revops:p%40ss@db/sales?sslmode=require&PASSWORD=s3cret",
            "postgresql://revops:***@db/sales?sslmode=require&PASSWORD=***",
        ),
        (
            "postgresql://db/sales?sslpassword=s3cret&application_name=x",
            "postgresql://db/sales?sslpassword=***&application_name=x",
        ),
        ("postgresql://postgres@/momentum?host=/tmp/pg", "postgresql://postgres@/momentum?host=/tmp/pg"),
    ],
)
def test_a_printed_url_never_shows_a_password_whatever_its_form(url, printed):
    assert redact(url) == printed


def test_momentum_warehouse_url_prints_no_password_given_as_a_query_parameter(tmp_path):
    from click.testing import CliRunner

    from orchestration.cli import main

    url = "postgresql://revops@db.internal:6543/sales?password=s3cret"
    result = CliRunner().invoke(
        main, ["warehouse", "url"], env={"MOMENTUM_WAREHOUSE_URL": url, "MOMENTUM_HOME": str(tmp_path)}
    )
    assert result.exit_code == 0, result.output
    assert "s3cret" not in result.output
    assert "password=***" in result.output


def test_settings_default_home_is_dot_momentum_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    settings = load_settings({})

    assert settings.home == tmp_path / ".momentum"
    assert settings.warehouse_url is None
    assert settings.schedule_timezone == "UTC"
