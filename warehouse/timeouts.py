"""lock_timeout and statement_timeout on every connection the pipeline makes.

A sync must not wait forever on a CRM table someone else holds locked, and no statement may run all night.
Both are PostgreSQL session settings, passed the way libpq takes them from anywhere: `options=-c ...` in
the pipeline's URL (psycopg, and SQLAlchemy for Great Expectations, hand it to libpq) and PGOPTIONS for dbt's
own connections (warehouse.server.dbt_environment). Values come from MOMENTUM_LOCK_TIMEOUT and
MOMENTUM_STATEMENT_TIMEOUT (warehouse/settings.py); 0 means no limit.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from warehouse.settings import Settings

LOCK_TIMEOUT_SETTING = "MOMENTUM_LOCK_TIMEOUT"
STATEMENT_TIMEOUT_SETTING = "MOMENTUM_STATEMENT_TIMEOUT"


def session_options(settings: Settings) -> str:
    """libpq `options` setting both timeouts, in milliseconds as PostgreSQL stores them."""
    return (
        f"-c lock_timeout={round(settings.lock_timeout_seconds * 1000)}"
        f" -c statement_timeout={round(settings.statement_timeout_seconds * 1000)}"
    )


def with_session_timeouts(url: str, settings: Settings) -> str:
    """`url` with the timeouts added to its `options` (an `options` the URL already has is kept, and its own
    -c settings come after ours, so they win)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    given = " ".join(value for name, value in query if name == "options")
    others = [(name, value) for name, value in query if name != "options"]
    options = " ".join(part for part in (session_options(settings), given) if part)
    return urlunsplit(
        parts._replace(query=urlencode([*others, ("options", options)], quote_via=quote, safe="/"))
    )


def url_options(url: str) -> str:
    """The libpq `options` of a URL ('' when none): what dbt's connections get through PGOPTIONS."""
    return " ".join(value for name, value in parse_qsl(urlsplit(url).query) if name == "options")
