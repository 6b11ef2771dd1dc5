"""The error a request to the local Salesforce server is answered with: an HTTP status and Salesforce's
`[{"message", "errorCode", "fields"}]` body (docs/crm-api-contracts.md, section 1.3)."""

from __future__ import annotations


class ApiError(Exception):
    def __init__(self, status: int, error_code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.headers = headers or {}
