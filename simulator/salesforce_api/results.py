"""Query results kept on disk while the client pages through them, as Salesforce keeps them server-side.

A REST query's records are written as JSON lines, and its pages are read back by line; a Bulk 2.0 job's
result is PostgreSQL's CSV, paged by a locator that is the byte offset of the next record. Either way the
server holds one page in memory, never the whole result.
"""

from __future__ import annotations

import base64
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql


@dataclass
class JsonResult:
    path: Path
    total: int = 0
    # Byte offset of each page's first record: pages have a fixed size, so the list stays short.
    page_offsets: list[int] = field(default_factory=list)

    def page(self, number: int) -> list[str]:
        start = self.page_offsets[number]
        end = self.page_offsets[number + 1] if number + 1 < len(self.page_offsets) else None
        with self.path.open("rb") as lines:
            lines.seek(start)
            data = lines.read() if end is None else lines.read(end - start)
        return data.decode().splitlines()


def write_json_result(
    conn: psycopg.Connection, query: sql.Composable, folder: Path, page_size: int
) -> JsonResult:
    """Each row of `query` is one JSON record (its only column, as text)."""
    handle, name = tempfile.mkstemp(dir=folder, suffix=".jsonl")
    result = JsonResult(Path(name))
    with os.fdopen(handle, "wb") as out, conn.transaction(), conn.cursor(name="records") as cursor:
        cursor.itersize = 5000
        cursor.execute(query)
        for (record,) in cursor:
            if result.total % page_size == 0:
                result.page_offsets.append(out.tell())
            out.write(record.encode() + b"\n")
            result.total += 1
    if not result.page_offsets:
        result.page_offsets.append(0)
    return result


@dataclass
class CsvResult:
    path: Path
    header: bytes
    data_start: int
    total: int

    def page(self, locator: str | None, max_records: int) -> tuple[bytes, int, str]:
        """(CSV page with its header line, records in it, next locator or 'null')."""
        offset = decode_locator(locator) if locator else self.data_start
        records = 0
        chunks = [self.header]
        with self.path.open("rb") as lines:
            lines.seek(offset)
            pending_quotes = 0
            while records < max_records:
                line = lines.readline()
                if not line:
                    break
                chunks.append(line)
                # A quoted value may hold newlines: a record ends on a line that closes every quote.
                pending_quotes += line.count(b'"')
                if pending_quotes % 2 == 0:
                    records += 1
                    pending_quotes = 0
            at_end = not lines.peek(1)
            next_offset = lines.tell()
        return b"".join(chunks), records, ("null" if at_end else encode_locator(next_offset))


def write_csv_result(conn: psycopg.Connection, query: sql.Composable, folder: Path) -> CsvResult:
    handle, name = tempfile.mkstemp(dir=folder, suffix=".csv")
    copy_sql = sql.SQL("copy ({}) to stdout with (format csv, header)").format(query)
    with os.fdopen(handle, "wb") as out, conn.cursor() as cursor:
        with cursor.copy(copy_sql) as copy:
            for block in copy:
                out.write(block)
        total = cursor.rowcount
    with open(name, "rb") as result:
        header = result.readline()
        data_start = result.tell()
    return CsvResult(Path(name), header, data_start, total)


def encode_locator(offset: int) -> str:
    return base64.urlsafe_b64encode(str(offset).encode()).decode().rstrip("=")


def decode_locator(locator: str) -> int:
    return int(base64.urlsafe_b64decode(locator + "=" * (-len(locator) % 4)))
