"""Reading the MOMENTUM_SALESFORCE_* settings (Settings.crm_credentials["salesforce"]) that both the source
and the write-back need: how to log in, and the whole-number limits."""

from __future__ import annotations

from collections.abc import Mapping

from crm import setting_values
from crm.salesforce.errors import SalesforceSetupError

SETTINGS_HELP = (
    "set MOMENTUM_SALESFORCE_INSTANCE_URL and MOMENTUM_SALESFORCE_ACCESS_TOKEN, or MOMENTUM_SALESFORCE_USERNAME, "
    "MOMENTUM_SALESFORCE_PASSWORD and MOMENTUM_SALESFORCE_SECURITY_TOKEN"
)


def login_arguments(credentials: Mapping[str, str], needed_by: str) -> dict[str, str]:
    """simple-salesforce's login arguments: a session (instance URL + access token) when given, else a
    username-password login. `needed_by` names what asked, for the error when neither is set."""
    if credentials.get("instance_url") and credentials.get("access_token"):
        return {"instance_url": credentials["instance_url"], "session_id": credentials["access_token"]}
    if all(credentials.get(key) for key in ("username", "password", "security_token")):
        login = {key: credentials[key] for key in ("username", "password", "security_token")}
        return login | {"domain": credentials.get("domain") or "login"}
    raise SalesforceSetupError(f"{needed_by} needs credentials: {SETTINGS_HELP}")


def whole_number(credentials: Mapping[str, str], key: str, default: int | None) -> int | None:
    """A whole-number MOMENTUM_SALESFORCE_* setting (the limits), `default` when unset."""
    return setting_values.whole_number(
        credentials, key, default, crm="salesforce", error=SalesforceSetupError
    )
