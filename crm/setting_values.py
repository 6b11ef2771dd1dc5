"""Reading a CRM's MOMENTUM_<CRM>_* settings (Settings.crm_credentials[<crm>]) as typed values, with the
error naming the setting to fix. Each CRM raises its own setup error (a CrmNotConfigured)."""

from __future__ import annotations

from collections.abc import Mapping


def whole_number(
    credentials: Mapping[str, str], key: str, default: int | None, *, crm: str, error: type[Exception]
) -> int | None:
    """`credentials[key]` as an int, `default` when unset or empty; `error` names MOMENTUM_<CRM>_<KEY>."""
    value = credentials.get(key)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise error(f"MOMENTUM_{crm.upper()}_{key.upper()}={value!r} is not a whole number") from None
