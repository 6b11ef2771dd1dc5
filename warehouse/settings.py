"""The one place that reads Momentum's environment.

Everything else receives a `Settings` value; nothing else reads `os.environ`
at import time. See the README's table of environment variables.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


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
    """Which CRM is read and written (crm/connectors.py); `demo`: schema `crm` of the warehouse."""
    promotion_floor: bool = True
    """A first champion must beat the stage baseline's holdout AUC (MOMENTUM_PROMOTION_FLOOR=stage, the
    default); `none` lifts the floor, for tests on CRMs too small to learn from."""

    @property
    def pgdata_dir(self) -> Path:
        return self.home / "pgdata"

    @property
    def mlflow_artifacts_dir(self) -> Path:
        return self.home / "mlflow-artifacts"

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
        promotion_floor=_promotion_floor(env.get("MOMENTUM_PROMOTION_FLOOR") or "stage"),
    )


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
