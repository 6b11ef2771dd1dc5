"""A Salesforce org as an extract source (extract/source.py), through simple-salesforce.

    MOMENTUM_CRM=salesforce
    MOMENTUM_SALESFORCE_INSTANCE_URL + MOMENTUM_SALESFORCE_ACCESS_TOKEN      (a session: OAuth, CLI, ...)
    or MOMENTUM_SALESFORCE_USERNAME + _PASSWORD + _SECURITY_TOKEN [+ _DOMAIN=test for a sandbox]
    optional: _API_VERSION (59.0), _CA_BUNDLE, _BULK_THRESHOLD, _DAILY_API_CEILING

- columns(): the object's describe. Fields Momentum needs (crm/salesforce/fields.py) land with the type
  listed there, any other field the org has with its Salesforce type; names in lower case. A needed
  field describe does not list (absent, or hidden from the integration user by field-level security)
  stops the object's copy_rows when it is required, and is skipped with a warning when it is optional.
- copy_rows(): `SELECT <fields> FROM <Object> WHERE SystemModstamp >= <watermark>` (CreatedDate for field
  history, which has no SystemModstamp). The large objects
  (Opportunity, OpportunityHistory, Task, Event, Account, Contact, OpportunityContactRole) go through a
  Bulk 2.0 query job when at least
  `bulk_threshold` records changed: CSV pages of `BULK_PAGE_RECORDS` streamed page by page (the
  `Sforce-Locator` chain), never a whole object in memory. The others, and small increments, go
  through REST `query` pages (2,000 records each).
- copy_ids(): every live Id (`SELECT Id FROM <Object>`), so the extract marks the records gone as
  deleted (extract/deletions.py). Ids stay in the 18-character form the API gives; staging keys on the
  15-character form.
- today(): the date of the org's server (the `Date` header of the `limits` call made on opening).
Retries, the daily-limit refusal and the API ceiling: crm/salesforce/api_session.py.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Self

from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceResourceNotFound

from crm.salesforce.api_session import ApiUsage, retrying_session
from crm.salesforce.copy_text import csv_pages_to_copy, records_to_copy
from crm.salesforce.credentials import login_arguments, whole_number
from crm.salesforce.errors import SalesforceApiLimitReached, SalesforceFieldMissing, SalesforceSetupError
from crm.salesforce.fields import OBJECTS_BY_RAW_NAME, SalesforceObject
from crm.salesforce.layout import SALESFORCE_LAYOUT

log = logging.getLogger(__name__)

__all__ = [
    "SalesforceApiLimitReached",
    "SalesforceApiSource",
    "SalesforceFieldMissing",
    "SalesforceSetupError",
]

DEFAULT_API_VERSION = "59.0"
# The objects that can hold many records in a real org: worth a Bulk 2.0 job (a few calls for any size)
# once enough records changed. Accounts, contacts and contact roles count too: their live ids are listed
# on every run to notice deletions.
BULK_OBJECTS = frozenset(
    {"Opportunity", "OpportunityHistory", "Task", "Event", "Account", "Contact", "OpportunityContactRole"}
)
# Changed records from which a large object goes through Bulk 2.0 rather than REST pages of 2,000.
DEFAULT_BULK_THRESHOLD = 10_000
# Records per Bulk 2.0 result page: the most the source holds in memory at once (a few MB); each page is
# one API call, so 5 million activities cost 500 calls.
BULK_PAGE_RECORDS = 10_000

# PostgreSQL type of a field Momentum does not list, by its Salesforce type. Compound (address,
# location) and binary fields are not extracted: Bulk 2.0 cannot query them and staging has no use for them.
_PG_TYPES = {
    "boolean": "boolean",
    "int": "integer",
    "long": "bigint",
    "double": "numeric",
    "currency": "numeric",
    "percent": "numeric",
    "date": "date",
    "datetime": "timestamptz",
    "time": "time",
}
_NOT_EXTRACTED = frozenset({"address", "location", "base64", "anyType", "complexvalue"})


class SalesforceApiSource:
    layout = SALESFORCE_LAYOUT

    def __init__(
        self,
        login: Mapping[str, str],
        *,
        api_version: str = DEFAULT_API_VERSION,
        ca_bundle: str | None = None,
        bulk_threshold: int = DEFAULT_BULK_THRESHOLD,
        daily_api_ceiling: int | None = None,
        retries: int = 5,
        backoff_factor: float = 0.5,
        bulk_poll_seconds: float = 1.0,
        bulk_page_records: int = BULK_PAGE_RECORDS,
    ):
        self._login = dict(login)
        self.api_version = api_version
        self.ca_bundle = ca_bundle
        self.bulk_threshold = bulk_threshold
        self.usage = ApiUsage(ceiling=daily_api_ceiling)
        self._retries = retries
        self._backoff_factor = backoff_factor
        self._bulk_poll_seconds = bulk_poll_seconds
        self._bulk_page_records = bulk_page_records
        self.name = f"Salesforce ({self._login.get('instance_url') or self._login.get('username')})"
        self._sf: Salesforce | None = None
        self._today: date | None = None
        # Per object: lower-case raw column -> API name, from describe.
        self._api_names: dict[str, dict[str, str]] = {}
        self._missing_required: dict[str, list[str]] = {}

    @classmethod
    def from_settings(cls, credentials: Mapping[str, str]) -> SalesforceApiSource:
        """From the MOMENTUM_SALESFORCE_* variables (Settings.crm_credentials["salesforce"])."""
        return cls(
            login_arguments(credentials, "MOMENTUM_CRM=salesforce"),
            api_version=credentials.get("api_version") or DEFAULT_API_VERSION,
            ca_bundle=credentials.get("ca_bundle") or None,
            bulk_threshold=whole_number(credentials, "bulk_threshold", DEFAULT_BULK_THRESHOLD),
            daily_api_ceiling=whole_number(credentials, "daily_api_ceiling", None),
        )

    # --- connection ---------------------------------------------------------------------------------
    def __enter__(self) -> Self:
        session = retrying_session(
            retries=self._retries,
            backoff_factor=self._backoff_factor,
            verify=self.ca_bundle or True,
            usage=self.usage,
            session_login="session_id" in self._login,
        )
        self._sf = Salesforce(**self._login, version=self.api_version, session=session, parse_float=Decimal)
        self._check_budget()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._sf is not None:
            log.info("Salesforce API usage after this extract: %s", self.usage)
            self._sf.session.close()
            self._sf = None

    @property
    def sf(self) -> Salesforce:
        if self._sf is None:
            raise RuntimeError("SalesforceApiSource is used outside its `with` block")
        return self._sf

    def _check_budget(self) -> None:
        """The `limits` call: logs the API budget (and stops at the ceiling, api_session.py), and reads the
        server's date."""
        response = self.sf.session.get(self.sf.base_url + "limits/", headers=self.sf.headers, timeout=60)
        response.raise_for_status()
        daily = response.json().get("DailyApiRequests", {})
        if self.usage.used is None and daily.get("Max") is not None:
            self.usage.used, self.usage.total = daily["Max"] - daily["Remaining"], daily["Max"]
        log.info("Salesforce API usage before this extract: %s", self.usage)
        server_date = response.headers.get("Date")
        self._today = parsedate_to_datetime(server_date).astimezone(UTC).date() if server_date else None

    def today(self) -> date:
        return self._today or datetime.now(UTC).date()

    # --- objects --------------------------------------------------------------------------------------
    def columns(self, object_name: str) -> list[tuple[str, str]]:
        sf_object = OBJECTS_BY_RAW_NAME[object_name]
        try:
            described = self.sf.restful(f"sobjects/{sf_object.api_name}/describe")
        except SalesforceResourceNotFound:
            return []  # the org has no such object (a custom object not deployed): the extract decides
        # A required field missing is reported here as absent (`momentum crm check` names it) and stops the
        # object's extract in copy_rows, before any record moves.
        columns, self._missing_required[object_name] = _columns(sf_object, described["fields"])
        self._api_names[object_name] = {raw: api for raw, (api, _) in columns.items()}
        return [(raw, pg_type) for raw, (_, pg_type) in columns.items()]

    def api_budget(self) -> str:
        """The org's API usage for `momentum crm check`."""
        return str(self.usage)

    def copy_rows(self, object_name: str, fields: Sequence[str], since: datetime | None) -> Iterator[bytes]:
        sf_object = OBJECTS_BY_RAW_NAME[object_name]
        api_fields = [self._api_name(object_name, field) for field in fields]
        if self._missing_required.get(object_name):
            raise _missing_fields_error(sf_object, self._missing_required[object_name])
        where = ""
        if since is not None:
            # Whole seconds, rounded down: re-reading a record stamped in the same second is harmless
            # (the extract merges by Id); SOQL datetime literals carry no fraction.
            where = f" WHERE {sf_object.modstamp_field} >= {since.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
        soql = f"SELECT {', '.join(api_fields)} FROM {sf_object.api_name}{where}"
        return self._copy(sf_object, soql, api_fields, where)

    def copy_ids(self, object_name: str, primary_key: str) -> Iterator[bytes]:
        sf_object = OBJECTS_BY_RAW_NAME[object_name]
        return self._copy(sf_object, f"SELECT Id FROM {sf_object.api_name}", ["Id"], "")

    def _copy(
        self, sf_object: SalesforceObject, soql: str, api_fields: list[str], where: str
    ) -> Iterator[bytes]:
        if self._use_bulk(sf_object, where):
            log.info("Salesforce %s through Bulk 2.0: %s", sf_object.api_name, soql)
            bulk = getattr(self.sf.bulk2, sf_object.api_name)
            pages = bulk.query(soql, max_records=self._bulk_page_records, wait=self._bulk_poll_seconds)
            return csv_pages_to_copy(pages, api_fields)
        return records_to_copy(self.sf.query_all_iter(soql), api_fields)

    def _use_bulk(self, sf_object: SalesforceObject, where: str) -> bool:
        if sf_object.api_name not in BULK_OBJECTS:
            return False
        if self.bulk_threshold <= 0:
            return True
        # One REST call tells how many records the query covers.
        counted = self.sf.query(f"SELECT COUNT() FROM {sf_object.api_name}{where}")
        return counted["totalSize"] >= self.bulk_threshold

    def _api_name(self, object_name: str, field: str) -> str:
        if object_name not in self._api_names:
            self.columns(object_name)
        return self._api_names[object_name][field]


def _columns(
    sf_object: SalesforceObject, described: list[dict]
) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """(raw column -> (API name, PostgreSQL type), required fields describe does not list): Momentum's
    fields first, in fields.py's order, then the org's other fields in describe's order."""
    by_name = {field["name"].lower(): field for field in described}
    columns: dict[str, tuple[str, str]] = {}
    missing_required = []
    for wanted in sf_object.fields:
        field = by_name.get(wanted.name.lower())
        if field is None:
            if wanted.required:
                missing_required.append(wanted.name)
            else:
                log.warning(
                    "Salesforce %s.%s is not visible to the integration user (absent, or hidden by field-level "
                    "security): extracted without it",
                    sf_object.api_name,
                    wanted.name,
                )
            continue
        columns[wanted.name.lower()] = (field["name"], wanted.pg_type)
    for raw, field in by_name.items():
        if raw not in columns and field["type"] not in _NOT_EXTRACTED:
            columns[raw] = (field["name"], _PG_TYPES.get(field["type"], "text"))
    return columns, missing_required


def _missing_fields_error(sf_object: SalesforceObject, missing: list[str]) -> SalesforceFieldMissing:
    names = ", ".join(f"{sf_object.api_name}.{name}" for name in missing)
    return SalesforceFieldMissing(
        f"Salesforce {names} not visible to the integration user: Momentum needs "
        f"{'it' if len(missing) == 1 else 'them'}; grant read access (field-level security) "
        "in its profile or permission set"
    )
