"""The query half of the local Salesforce server: SOQL over REST (paged by `nextRecordsUrl`) and Bulk 2.0
query jobs (CSV paged by `Sforce-Locator`), read from the demo CRM through read-only connections.
`SalesforceApiServer` (server.py) mixes it in; it needs the server's `connection()`, `api_object()`,
`rest_page_size` and result folder."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime

from psycopg import sql

from simulator.salesforce_api.api_error import ApiError
from simulator.salesforce_api.catalog import ApiField, ApiObject, id_18_sql, source_select, value_sql
from simulator.salesforce_api.results import CsvResult, JsonResult, write_csv_result, write_json_result
from simulator.salesforce_api.soql import Condition, Query, SoqlError, parse_soql

# The literal a SOQL condition needs for each field type (anything else: a quoted string).
_LITERAL_TYPES = {
    "datetime": datetime,
    "date": date,
    "boolean": bool,
    "int": int,
    "double": (int, float),
    "currency": (int, float),
}


class QueryApi:
    """SOQL and Bulk 2.0 query jobs (mixed into SalesforceApiServer)."""

    _queries: dict[str, JsonResult]
    _jobs: dict[str, tuple[dict, CsvResult]]

    def _parse(self, soql: str) -> Query:
        try:
            return parse_soql(soql)
        except SoqlError as error:
            raise ApiError(400, error.error_code, str(error)) from None

    def _count(self, query: Query) -> int:
        api_object = self.api_object(query.object_name)
        select = sql.SQL("select count(*) from {} o").format(source_select(api_object.name))
        with self.connection() as conn:
            return conn.execute(select + self._where_order_limit(api_object, query)).fetchone()[0]

    def _select(self, query: Query, *, csv: bool, version: str) -> sql.Composable:
        if query.count:
            raise ApiError(400, "MALFORMED_QUERY", "COUNT() is not supported in a Bulk query")
        api_object = self.api_object(query.object_name)
        fields = [self._field(api_object, name) for name in query.fields]
        if csv:
            columns = sql.SQL(", ").join(
                sql.SQL("{} as {}").format(value_sql(f, csv=True), sql.Identifier(f.name)) for f in fields
            )
        else:
            url = sql.SQL("{} || {}").format(
                sql.Literal(f"/services/data/v{version}/sobjects/{api_object.name}/"),
                id_18_sql(sql.Identifier("Id")),
            )
            pairs = [
                sql.SQL("'attributes', json_build_object('type', {}, 'url', {})").format(
                    sql.Literal(api_object.name), url
                )
            ]
            pairs += [sql.SQL("{}, {}").format(sql.Literal(f.name), value_sql(f, csv=False)) for f in fields]
            columns = sql.SQL("json_build_object({})::text").format(sql.SQL(", ").join(pairs))
        select = sql.SQL("select {} from {} o").format(columns, source_select(api_object.name))
        return select + self._where_order_limit(api_object, query)

    def _field(self, api_object: ApiObject, name: str):
        found = api_object.field(name)
        if found is None:
            raise ApiError(
                400,
                "INVALID_FIELD",
                f"No such column '{name}' on entity '{api_object.name}'. If you are attempting to use a custom "
                "field, be sure to append the '__c' after the custom field name.",
            )
        return found

    def _comparable(self, api_object: ApiObject, condition: Condition) -> ApiField:
        """The condition's field, when its literal has the field's type (a quoted datetime does not)."""
        api_field = self._field(api_object, condition.field)
        expected = _LITERAL_TYPES.get(api_field.type, str)
        values = condition.value if condition.operator == "in" else (condition.value,)
        if any(value is not None and not isinstance(value, expected) for value in values):
            raise ApiError(
                400,
                "INVALID_FIELD",
                f"value of filter criterion for field '{api_field.name}' must be of type {api_field.type} "
                "and should not be enclosed in quotes",
            )
        return api_field

    def _where_order_limit(self, api_object: ApiObject, query: Query) -> sql.Composable:
        clauses = sql.SQL("")
        if query.conditions:
            clauses += sql.SQL(" where ") + sql.SQL(" and ").join(
                sql.SQL("{} = any({})").format(
                    sql.Identifier(self._comparable(api_object, c).name), sql.Literal(list(c.value))
                )
                if c.operator == "in"
                else sql.SQL("{} {} {}").format(
                    sql.Identifier(self._comparable(api_object, c).name),
                    sql.SQL(c.operator),
                    sql.Literal(c.value),
                )
                if c.value is not None
                # SOQL's `= null` / `!= null` mean SQL's is [not] null.
                else sql.SQL("{} is {}null").format(
                    sql.Identifier(self._comparable(api_object, c).name),
                    sql.SQL("not " if c.operator == "<>" else ""),
                )
                for c in query.conditions
            )
        if query.order_by:
            direction = sql.SQL(" desc" if query.descending else "")
            clauses += sql.SQL(" order by {}{}").format(
                sql.Identifier(self._field(api_object, query.order_by).name), direction
            )
        if query.limit is not None:
            clauses += sql.SQL(" limit {}").format(sql.Literal(query.limit))
        return clauses

    def rest_query(self, soql: str, version: str) -> dict:
        query = self._parse(soql)
        if query.count:
            return {"totalSize": self._count(query), "done": True, "records": []}
        select = self._select(query, csv=False, version=version)
        with self.connection() as conn:
            result = write_json_result(conn, select, self._folder, self.rest_page_size)
        query_id = "01g" + uuid.uuid4().hex[:15]
        self._queries[query_id] = result
        return self.rest_page(query_id, 0, version)

    def rest_page(self, query_id: str, number: int, version: str) -> dict:
        result = self._queries.get(query_id)
        if result is None or number >= len(result.page_offsets):
            raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        records = [json.loads(line) for line in result.page(number)]
        done = number + 1 >= len(result.page_offsets)
        page = {"totalSize": result.total, "done": done, "records": records}
        if done:
            self._queries.pop(query_id, None)
            result.path.unlink(missing_ok=True)
        else:
            page["nextRecordsUrl"] = (
                f"/services/data/v{version}/query/{query_id}-{(number + 1) * self.rest_page_size}"
            )
        return page

    def create_query_job(self, body: dict, version: str) -> dict:
        if body.get("operation") not in ("query", "queryAll") or not body.get("query"):
            raise ApiError(400, "INVALIDJOB", "a query job needs operation query or queryAll and a query")
        query = self._parse(body["query"])
        select = self._select(query, csv=True, version=version)
        with self.connection() as conn:
            result = write_csv_result(conn, select, self._folder)
        job_id = "750" + uuid.uuid4().hex[:15]
        info = {
            "id": job_id,
            "operation": body["operation"],
            "object": query.object_name,
            "state": "UploadComplete",
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(version),
            "lineEnding": "LF",
            "columnDelimiter": "COMMA",
        }
        self._jobs[job_id] = (info, result)
        return info

    def query_job(self, job_id: str) -> tuple[dict, CsvResult]:
        if job_id not in self._jobs:
            raise ApiError(404, "NOT_FOUND", f"Job not found: {job_id}")
        info, result = self._jobs[job_id]
        return {**info, "state": "JobComplete", "numberRecordsProcessed": result.total, "retries": 0}, result

    def delete_job(self, job_id: str) -> None:
        _, result = self._jobs.pop(job_id, (None, None))
        if result is not None:
            result.path.unlink(missing_ok=True)
