"""Find or start the warehouse and hand out connections to it.

With no `MOMENTUM_WAREHOUSE_URL`, an embedded PostgreSQL is started through
`pgserver` with its data under `MOMENTUM_HOME/pgdata`. It keeps running after
the process exits (cleanup_mode=None), so the next command reuses it instead
of paying a cold start.
"""

from __future__ import annotations

import functools
from urllib.parse import parse_qs, quote, unquote, urlsplit, urlunsplit

import psycopg

from warehouse.roles import adopt_pipeline_objects, ensure_pipeline_role
from warehouse.settings import Settings
from warehouse.timeouts import url_options, with_session_timeouts

WAREHOUSE_DATABASE = "momentum"


def warehouse_url(settings: Settings) -> str:
    """A postgresql:// URL of the warehouse database that psql, psycopg and SQLAlchemy accept."""
    if settings.warehouse_url:
        return settings.warehouse_url
    socket_dir = _start_embedded(settings)
    url = f"postgresql://postgres@/{WAREHOUSE_DATABASE}?host={quote(socket_dir, safe='/')}"
    _ensure_database(url, WAREHOUSE_DATABASE)
    return url


def pipeline_warehouse_url(settings: Settings) -> str:
    """The URL the pipeline (extract, dbt, scoring, TMVAs, reverse ETL) connects with.

    On the embedded server that is the `momentum_pipeline` role, which has no privilege on the demo CRM's
    truth (schema sim_truth): the no-leakage rule is enforced by grants, not by convention. An external
    `MOMENTUM_WAREHOUSE_URL` is used as given: its role is the operator's choice. Either way every session
    gets MOMENTUM_LOCK_TIMEOUT and MOMENTUM_STATEMENT_TIMEOUT (warehouse/timeouts.py).
    """
    url = settings.warehouse_url or _pipeline_role_url(warehouse_url(settings), _crm_grants(settings))
    return with_session_timeouts(url, settings)


def refresh_pipeline_grants(settings: Settings) -> None:
    """Grant the pipeline role the CRM again after the demo CRM was recreated (a dropped schema loses its
    grants). A no-op on an external warehouse."""
    if not settings.warehouse_url:
        ensure_pipeline_role(warehouse_url(settings), crm_grants=_crm_grants(settings))


@functools.cache
def _pipeline_role_url(admin_url: str, crm_grants) -> str:
    # Once per process: the grants are idempotent but take a few dozen statements.
    url = ensure_pipeline_role(admin_url, crm_grants=crm_grants)
    adopt_pipeline_objects(admin_url)
    return url


def _crm_grants(settings: Settings):
    """The CRM's own grants for the pipeline role. Imported here, when the role is made: the CRM's grants
    follow its allow-list (crm/connectors.py chooses them by MOMENTUM_CRM), and nothing in warehouse/ needs
    the CRM until then."""
    from crm.connectors import crm_grants

    return crm_grants(settings)


def mlflow_database_url(settings: Settings) -> str:
    """MLflow's tracking store and registry: a sibling database on the same server.

    MLflow manages its own tables with Alembic, so it gets a database of its own
    (`<warehouse>_mlflow`) instead of a schema in the warehouse.
    """
    url = warehouse_url(settings)
    _ensure_database(url, _mlflow_database(url))
    return mlflow_url_beside(url)


def mlflow_url_beside(url: str) -> str:
    """The MLflow database's URL next to the warehouse `url`, without connecting (for printing)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + _mlflow_database(url)))


def _mlflow_database(url: str) -> str:
    return (urlsplit(url).path.lstrip("/") or "postgres") + "_mlflow"


def connect(url: str, **kwargs) -> psycopg.Connection:
    return psycopg.connect(url, **kwargs)


def dbt_environment(url: str) -> dict[str, str]:
    """The variables `dbt_project/profiles.yml` reads through env_var()."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    host = query.get("host", [parts.hostname or "localhost"])[0]
    env = {
        "MOMENTUM_DB_HOST": host,
        "MOMENTUM_DB_PORT": str(parts.port or int(query.get("port", ["5432"])[0])),
        "MOMENTUM_DB_USER": unquote(parts.username or "") or "postgres",
        # Percent-decoded, and from `?password=` when the userinfo has none: libpq accepts both forms.
        "MOMENTUM_DB_PASSWORD": unquote(parts.password or "") or query.get("password", [""])[0],
        "MOMENTUM_DB_NAME": parts.path.lstrip("/") or "postgres",
    }
    if options := url_options(url):
        # libpq reads session settings (the pipeline's timeouts) from here: profiles.yml has no such field.
        env["PGOPTIONS"] = options
    return env


# Query parameters libpq reads a secret from: `?password=` is as valid a way to pass one as the userinfo.
SECRET_PARAMETERS = ("password", "sslpassword")


def redact(url: str) -> str:
    """The URL with every password replaced by ***, safe to print or log: the userinfo's, and any
    `password=` / `sslpassword=` query parameter (libpq accepts both forms)."""
    parts = urlsplit(url)
    if parts.password:
        userinfo, _, host = parts.netloc.rpartition("@")
        parts = parts._replace(netloc=f"{userinfo.split(':', 1)[0]}:***@{host}")
    if parts.query:
        pairs = [pair.partition("=") for pair in parts.query.split("&")]
        parts = parts._replace(
            query="&".join(
                f"{name}{equals}{'***' if name.lower() in SECRET_PARAMETERS and value else value}"
                for name, equals, value in pairs
            )
        )
    return urlunsplit(parts)


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
