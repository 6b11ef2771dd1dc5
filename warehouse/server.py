"""Find or start the warehouse and hand out connections to it.

With no `MOMENTUM_WAREHOUSE_URL`, an embedded PostgreSQL is started through
`pgserver` with its data under `MOMENTUM_HOME/pgdata`. It keeps running after
the process exits (cleanup_mode=None), so the next command reuses it instead
of paying a cold start.
"""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit, urlunsplit

import psycopg

from warehouse.settings import Settings

WAREHOUSE_DATABASE = "momentum"


def warehouse_url(settings: Settings) -> str:
    """A postgresql:// URL of the warehouse database that psql, psycopg and SQLAlchemy accept."""
    if settings.warehouse_url:
        return settings.warehouse_url
    socket_dir = _start_embedded(settings)
    url = f"postgresql://postgres@/{WAREHOUSE_DATABASE}?host={quote(socket_dir, safe='/')}"
    _ensure_database(url, WAREHOUSE_DATABASE)
    return url


def mlflow_database_url(settings: Settings) -> str:
    """MLflow's tracking store and registry: a sibling database on the same server.

    MLflow manages its own tables with Alembic, so it gets a database of its own
    (`<warehouse>_mlflow`) instead of a schema in the warehouse.
    """
    url = warehouse_url(settings)
    parts = urlsplit(url)
    database = (parts.path.lstrip("/") or "postgres") + "_mlflow"
    _ensure_database(url, database)
    return urlunsplit(parts._replace(path="/" + database))


def connect(url: str, **kwargs) -> psycopg.Connection:
    return psycopg.connect(url, **kwargs)


def dbt_environment(url: str) -> dict[str, str]:
    """The variables `dbt_project/profiles.yml` reads through env_var()."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    host = query.get("host", [parts.hostname or "localhost"])[0]
    return {
        "MOMENTUM_DB_HOST": host,
        "MOMENTUM_DB_PORT": str(parts.port or int(query.get("port", ["5432"])[0])),
        "MOMENTUM_DB_USER": parts.username or "postgres",
        "MOMENTUM_DB_PASSWORD": parts.password or "",
        "MOMENTUM_DB_NAME": parts.path.lstrip("/") or "postgres",
    }


def redact(url: str) -> str:
    """The URL with its password replaced, safe to print or log."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def _start_embedded(settings: Settings) -> str:
    import pgserver  # imported here: only the embedded path needs it

    settings.pgdata_dir.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(settings.pgdata_dir, cleanup_mode=None)
    return parse_qs(urlsplit(server.get_uri()).query)["host"][0]


def _ensure_database(url: str, database: str) -> None:
    admin_url = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (database,)).fetchone()
        if not exists:
            conn.execute(f'create database "{database}"')
