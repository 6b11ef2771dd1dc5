"""The one place that reads Momentum's environment.

Everything else receives a `Settings` value; nothing else reads `os.environ`
at import time. See the README's table of environment variables.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

# Every MOMENTUM_<CRM>_* variable is handed to that CRM's connector, prefix dropped and lower-cased
# (MOMENTUM_SALESFORCE_ACCESS_TOKEN -> salesforce["access_token"]); the README lists each CRM's.
CRM_CREDENTIAL_PREFIXES = ("SALESFORCE", "HUBSPOT")


@dataclass(frozen=True)
class Settings:
    home: Path
    """Where the embedded warehouse, MLflow artifacts and Dagster's run history live."""
    warehouse_url: str | None
    """An external PostgreSQL server; None means start the embedded one."""
    schedule_timezone: str
    """Time zone of the 06:00 morning schedule."""
    min_closed_deals_per_class: int
    """Below this many won (and lost) deals no model is trained; scores fall back to stage probability."""
    fiscal_year_start_month: int | None = None
    """Overrides the CRM's own fiscal year (extract/org_settings.py); None: take it from the CRM."""
    crm: str = "demo"
    """Which CRM is read and written (crm/connectors.py): demo (schema `crm` of the warehouse), salesforce, hubspot,
    or files (a folder of export files, MOMENTUM_CRM_PATH)."""
    crm_path: Path | None = None
    """The folder of CRM export files MOMENTUM_CRM=files reads."""
    crm_outbox: Path | None = None
    """Where MOMENTUM_CRM=files writes the Data Loader files to load by hand; None: `<home>/outbox`."""
    crm_credentials: Mapping[str, Mapping[str, str]] = field(default_factory=dict, repr=False)
    """Per CRM ("salesforce", "hubspot"): its MOMENTUM_<CRM>_* settings, secrets included: never printed."""
    lock_timeout_seconds: float = 60
    """How long a pipeline statement waits for a lock (e.g. on a CRM table) before it fails; 0: forever."""
    statement_timeout_seconds: float = 1800
    """How long one pipeline statement may run before PostgreSQL cancels it; 0: no limit."""
    run_wait_seconds: float = 0
    """How long a run waits for another Momentum run on the same warehouse to finish; 0: refuse at once."""
    promotion_floor: bool = True
    """A first champion must beat the best baseline's holdout AUC (stage probability, CRM probability, forecast
    category: MOMENTUM_PROMOTION_FLOOR=stage, the default); `none` lifts the floor, for tests on CRMs too small
    to learn from."""
    dashboard_password: str | None = field(default=None, repr=False)
    """The password leadership's dashboard asks for; required to bind it to any address but loopback."""
    dashboard_db_password: str | None = field(default=None, repr=False)
    """The dashboard's read-only warehouse role's password on an external server (else generated once)."""
    dashboard_reader_urls: tuple[str, str] | None = field(default=None, repr=False)
    """Set by `momentum dashboard` for the app it starts: the read-only role's warehouse and MLflow URLs."""

    @property
    def pgdata_dir(self) -> Path:
        return self.home / "pgdata"

    @property
    def mlflow_artifacts_dir(self) -> Path:
        return self.home / "mlflow-artifacts"

    @property
    def outbox_dir(self) -> Path:
        return self.crm_outbox or self.home / "outbox"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def data_docs_dir(self) -> Path:
        """Great Expectations Data Docs (index.html); their GX project is the sibling `gx/`."""
        return self.home / "data_docs"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    home = Path(env.get("MOMENTUM_HOME") or Path.cwd() / ".momentum").resolve()
    return Settings(
        home=home,
        warehouse_url=env.get("MOMENTUM_WAREHOUSE_URL") or None,
        schedule_timezone=env.get("MOMENTUM_SCHEDULE_TIMEZONE", "UTC"),
        min_closed_deals_per_class=int(env.get("MOMENTUM_MIN_CLOSED_DEALS", "200")),
        fiscal_year_start_month=_month(env.get("MOMENTUM_FISCAL_YEAR_START_MONTH")),
        crm=env.get("MOMENTUM_CRM") or "demo",
        crm_path=Path(env["MOMENTUM_CRM_PATH"]).expanduser().resolve()
        if env.get("MOMENTUM_CRM_PATH")
        else None,
        crm_outbox=Path(env["MOMENTUM_CRM_OUTBOX"]).expanduser().resolve()
        if env.get("MOMENTUM_CRM_OUTBOX")
        else None,
        crm_credentials=_crm_credentials(env),
        lock_timeout_seconds=_seconds(env, "MOMENTUM_LOCK_TIMEOUT", 60),
        statement_timeout_seconds=_seconds(env, "MOMENTUM_STATEMENT_TIMEOUT", 1800),
        run_wait_seconds=_seconds(env, "MOMENTUM_RUN_WAIT", 0),
        promotion_floor=_promotion_floor(env.get("MOMENTUM_PROMOTION_FLOOR") or "stage"),
        dashboard_password=env.get("MOMENTUM_DASHBOARD_PASSWORD") or None,
        dashboard_db_password=env.get("MOMENTUM_DASHBOARD_DB_PASSWORD") or None,
        dashboard_reader_urls=(
            env["MOMENTUM_DASHBOARD_READER_URL"],
            env.get("MOMENTUM_DASHBOARD_MLFLOW_URL", ""),
        )
        if env.get("MOMENTUM_DASHBOARD_READER_URL")
        else None,
    )


def _crm_credentials(env: Mapping[str, str]) -> dict[str, dict[str, str]]:
    credentials: dict[str, dict[str, str]] = {}
    for crm in CRM_CREDENTIAL_PREFIXES:
        prefix = f"MOMENTUM_{crm}_"
        values = {
            name.removeprefix(prefix).lower(): value for name, value in env.items() if name.startswith(prefix)
        }
        credentials[crm.lower()] = values
    return credentials


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    value = env.get(name)
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1
    if not seconds >= 0 or seconds == float("inf"):
        raise ValueError(f"{name} must be a number of seconds (0 or more), not {value!r}")
    return seconds


def _promotion_floor(value: str) -> bool:
    if value not in ("stage", "none"):
        raise ValueError(f"MOMENTUM_PROMOTION_FLOOR must be stage or none, not {value!r}")
    return value == "stage"


def _month(value: str | None) -> int | None:
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= 12:
        raise ValueError(f"MOMENTUM_FISCAL_YEAR_START_MONTH must be a month number 1..12, not {value!r}")
    return int(value)
