"""The HTTP session Momentum hands simple-salesforce, which has no retry of its own
(docs/crm-api-contracts.md, section 1.3).

- 429 and 503 (and dropped connections) are retried with exponential backoff, honouring Retry-After.
  POST and PATCH are retried too: Momentum only POSTs query jobs, which are idempotent (a duplicate job
  is a wasted call, never a duplicate record), and PATCHes collection updates and upserts by external id,
  which are idempotent too (crm/salesforce/destination.py); the destination adds jitter to the backoff.
- 403 REQUEST_LIMIT_EXCEEDED (the org's daily API limit) is never retried: retrying only burns more of
  a budget that is already gone. The source stops with `SalesforceApiLimitReached`.
- Every response's `Sforce-Limit-Info: api-usage=N/M` is tracked (Bulk 2.0 calls included, which the
  client itself does not parse), and the extract stops once usage reaches the configured ceiling, so
  Momentum never takes the org's last API calls from its other integrations.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from crm.salesforce.errors import SalesforceApiLimitReached, SalesforceBusy, SalesforceSetupError

log = logging.getLogger(__name__)

RETRIED_STATUSES = (429, 503)
_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")


@dataclass
class ApiUsage:
    used: int | None = None
    total: int | None = None
    ceiling: int | None = None  # stop once `used` reaches this; None: 90% of the org's daily limit

    def limit(self) -> int | None:
        if self.ceiling is not None:
            return self.ceiling
        return int(self.total * 0.9) if self.total else None

    def __str__(self) -> str:
        if self.used is None:
            return "unknown (no Sforce-Limit-Info header seen)"
        return f"{self.used}/{self.total} daily API requests (Momentum stops at {self.limit()})"


def retrying_session(
    *,
    retries: int = 5,
    backoff_factor: float = 0.5,
    verify: str | bool = True,
    usage: ApiUsage,
    session_login: bool = True,
    backoff_jitter: float = 0.0,
    on_limit: str = "the extract stopped, objects already extracted are kept and the next run resumes from there",
) -> requests.Session:
    """`session_login`: Momentum was given a session (access token), which no call can renew, so a 401
    means the token is wrong or expired (with a username and password simple-salesforce logs in again)."""
    session = requests.Session()
    # REQUESTS_CA_BUNDLE and proxies from the environment would override `verify` per request
    # (requests' merge_environment_settings): the configured CA bundle must win.
    session.trust_env = verify is True
    session.verify = verify
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff_factor,
        backoff_max=60,
        backoff_jitter=backoff_jitter,
        status_forcelist=RETRIED_STATUSES,
        allowed_methods=frozenset({"GET", "HEAD", "POST", "PATCH", "PUT", "DELETE"}),
        respect_retry_after_header=True,
        retry_after_max=300,
        # The last 429/503 reaches simple-salesforce, which raises its own error naming the status.
        raise_on_status=False,
    )
    session.mount("https://", HTTPAdapter(max_retries=retry))
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.hooks["response"].append(_usage_hook(usage, session_login, on_limit))
    return session


def _usage_hook(usage: ApiUsage, session_login: bool, on_limit: str):
    def track(response: requests.Response, *args, **kwargs) -> None:
        if response.status_code == 401 and session_login:
            raise SalesforceSetupError(
                "Salesforce refused the session (INVALID_SESSION_ID): MOMENTUM_SALESFORCE_ACCESS_TOKEN is wrong or "
                "expired for MOMENTUM_SALESFORCE_INSTANCE_URL; get a new one (e.g. `sf org display`)"
            )
        if response.status_code == 403 and "REQUEST_LIMIT_EXCEEDED" in response.text:
            used = _USAGE.search(response.headers.get("Sforce-Limit-Info", ""))
            if used is not None and int(used[1]) < int(used[2]):
                # The daily budget is not spent: a concurrent-request limit, which passes (api_session callers
                # that can wait retry it: crm/salesforce/org_writer.py).
                raise SalesforceBusy(
                    "Salesforce refused the request: too many concurrent requests for the org (REQUEST_LIMIT_EXCEEDED"
                    f" at {used[1]}/{used[2]} daily requests); " + on_limit
                )
            raise SalesforceApiLimitReached(
                "Salesforce refused the request: the org's daily API limit is reached (REQUEST_LIMIT_EXCEEDED); "
                + on_limit
            )
        match = _USAGE.search(response.headers.get("Sforce-Limit-Info", ""))
        if match is None:
            return
        usage.used, usage.total = int(match[1]), int(match[2])
        limit = usage.limit()
        if limit is not None and usage.used >= limit:
            raise SalesforceApiLimitReached(
                f"Salesforce API usage is {usage.used} of the org's {usage.total} daily requests, at Momentum's "
                f"ceiling of {limit} (MOMENTUM_SALESFORCE_DAILY_API_CEILING): " + on_limit
            )

    return track
