"""A data product's sample: read it (CSV or a JSON array of objects), profile it, compare it with the
declared fields.

Pure Python, no ORM: the automated checks, the merchants' pre-check and the ``scan_sample`` command
all read samples through here. A sample never leaves the server raw, so the profile holds counts and
the ranges of numbers and dates, never a text value.
"""

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import PurePosixPath

from django.utils.translation import gettext_lazy as _

from exchange.errors import RuleViolation

# (simulator rule) A sample is a sample, not the product: past these sizes the merchant is asked to
# cut it down, which also bounds the work of the automated checks.
MAX_SAMPLE_ROWS = 100_000
MAX_SAMPLE_COLUMNS = 500

CSV_DELIMITERS = (",", "\t", ";")
# How much text csv.Sniffer looks at. The delimiter shows in the first lines, and the sniffer's
# quote pattern takes quadratic time on some texts (64 KiB of apostrophes: seconds; 4 KiB: ~0.1 s).
SNIFF_CHARACTERS = 4 * 1024
# How far a binary file (NUL bytes) is looked for before decoding.
BINARY_PROBE_BYTES = 64 * 1024

# The magic numbers of files merchants upload by mistake (xlsx/docx/zip, xls/doc, PDF, gzip).
BINARY_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF", b"\x1f\x8b")
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

COLUMN_TYPES = ("integer", "decimal", "boolean", "date", "datetime", "text", "empty")


# --- refusals --------------------------------------------------------------------------------------


class SampleRefused(RuleViolation):
    """The sample cannot be used; subclasses name the rule."""

    code = "sample_refused"
    field = "sample"
    message_template = _("The sample cannot be read.")


class SampleEmpty(SampleRefused):
    code = "sample_empty"
    message_template = _(
        "The sample has no rows: it needs a header row and at least one data row (CSV), or a non-empty array of objects (JSON)."
    )


class SampleEncodingError(SampleRefused):
    code = "sample_encoding"
    message_template = _(
        "The sample is not UTF-8 text (line %(line)s, byte %(byte)s): save it as UTF-8, for example “CSV UTF-8” in Excel, and upload it again."
    )


class SampleFormatError(SampleRefused):
    code = "sample_format"
    message_template = _("The sample is neither CSV nor a JSON array of objects.")


class SampleTooLarge(SampleRefused):
    code = "sample_too_large"
    message_template = _("The sample is too large: at most %(limit)s rows; send a smaller extract.")


def _too_many_columns() -> SampleTooLarge:
    return SampleTooLarge(
        _("The sample is too wide: at most %(limit)s columns; send the columns that matter."),
        params={"limit": MAX_SAMPLE_COLUMNS},
    )


# --- reading ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """A parsed sample: every value a string, ``None`` for an empty CSV cell or a JSON null."""

    format: str  # "csv" | "json"
    columns: list[str]
    rows: list[dict[str, str | None]]


def read_sample(data: bytes, *, filename: str) -> Sample:
    """Parse a sample file. ``.csv`` and ``.json`` decide the format; any other name, the content.

    Raises:
        SampleEmpty ``sample_empty``; SampleEncodingError ``sample_encoding``;
        SampleFormatError ``sample_format``; SampleTooLarge ``sample_too_large``.
    """
    if data.startswith(UTF16_BOMS):
        raise SampleEncodingError(params={"line": 1, "byte": 1})
    if data.startswith(BINARY_SIGNATURES) or b"\x00" in data[:BINARY_PROBE_BYTES]:
        raise SampleFormatError(
            _(
                "The sample is a binary file (a spreadsheet, document or archive?), not CSV or JSON: export it as CSV UTF-8 or JSON."
            )
        )
    text = _decode(data)
    if not text.strip():
        raise SampleEmpty()
    suffix = PurePosixPath(filename).suffix.lower()
    if suffix == ".json" or (suffix != ".csv" and text.lstrip()[:1] in ("[", "{")):
        return _read_json(text)
    return _read_csv(text)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise SampleEncodingError(params={"line": line, "byte": error.start + 1}) from error


def _read_csv(text: str) -> Sample:
    delimiter = _csv_delimiter(text)
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=delimiter,
        quotechar='"',
        doublequote=True,
        strict=False,
    )
    try:
        header = next((cells for cells in reader if any(cells)), None)
        if header is None:
            raise SampleEmpty()
        columns = _csv_columns(header)
        width = len(columns)
        rows: list[dict[str, str | None]] = []
        line = reader.line_num
        for cells in reader:
            start, line = line + 1, reader.line_num
            if not any(cells):
                continue  # blank lines, and lines of bare delimiters that spreadsheets leave behind
            if len(cells) > width:
                raise SampleFormatError(
                    _(
                        "Line %(line)s of the CSV sample has %(cells)s cells but the header row has %(columns)s columns (is a value with a “%(delimiter)s” missing its quotes?)."
                    ),
                    params={
                        "line": start,
                        "cells": len(cells),
                        "columns": width,
                        "delimiter": _delimiter_name(delimiter),
                    },
                )
            if len(rows) == MAX_SAMPLE_ROWS:
                raise SampleTooLarge(params={"limit": f"{MAX_SAMPLE_ROWS:,}"})
            values = [cell or None for cell in cells]
            if len(values) < width:
                values.extend([None] * (width - len(values)))
            rows.append(dict(zip(columns, values, strict=True)))
    except csv.Error as error:
        raise SampleFormatError(
            _("Line %(line)s of the CSV sample cannot be parsed: %(error)s."),
            params={"line": reader.line_num, "error": str(error)},
        ) from error
    if not rows:
        raise SampleEmpty()
    return Sample(format="csv", columns=columns, rows=rows)


def _csv_delimiter(text: str) -> str:
    sample = text[:SNIFF_CHARACTERS]
    if len(text) > SNIFF_CHARACTERS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # whole lines only
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters="".join(CSV_DELIMITERS)).delimiter
    except csv.Error:
        delimiter = ","
    header = next((line for line in sample.splitlines() if line.strip()), "")
    if delimiter not in header:
        # The sniffer can be misled by the values; a delimiter that is not in the header is wrong.
        delimiter = next((candidate for candidate in CSV_DELIMITERS if candidate in header), ",")
    return delimiter


def _delimiter_name(delimiter: str) -> str:
    return {"\t": "tab"}.get(delimiter, delimiter)


def _csv_columns(header: list[str]) -> list[str]:
    columns = [name.strip() for name in header]
    if len(columns) > MAX_SAMPLE_COLUMNS:
        raise _too_many_columns()
    seen: dict[str, int] = {}
    for position, name in enumerate(columns, start=1):
        if not name:
            raise SampleFormatError(
                _("Column %(position)s of the CSV header row has no name: every column needs one."),
                params={"position": position},
            )
        if name in seen:
            raise SampleFormatError(
                _(
                    "The column “%(name)s” appears twice in the CSV header row (columns %(first)s and %(second)s)."
                ),
                params={"name": name, "first": seen[name], "second": position},
            )
        seen[name] = position
    return columns


def _read_json(text: str) -> Sample:
    try:
        # Decimal keeps a number's digits as written; NaN and Infinity are not JSON.
        document = json.loads(
            text,
            parse_float=_json_decimal,
            parse_int=_json_integer,
            parse_constant=_refuse_constant,
        )
    except json.JSONDecodeError as error:
        raise SampleFormatError(
            _("The JSON sample is not valid JSON (line %(line)s, column %(column)s): %(error)s."),
            params={"line": error.lineno, "column": error.colno, "error": error.msg},
        ) from error
    except RecursionError as error:
        raise SampleFormatError(
            _("The JSON sample is nested too deeply to be a table of rows.")
        ) from error
    if not isinstance(document, list):
        raise SampleFormatError(
            _("The JSON sample must be an array of objects, one object per row; it is %(kind)s."),
            params={"kind": _json_kind(document)},
        )
    if not document:
        raise SampleEmpty()
    if len(document) > MAX_SAMPLE_ROWS:
        raise SampleTooLarge(params={"limit": f"{MAX_SAMPLE_ROWS:,}"})
    columns: dict[str, None] = {}  # insertion-ordered set
    rows = []
    for number, item in enumerate(document, start=1):
        if not isinstance(item, dict):
            raise SampleFormatError(
                _(
                    "Row %(row)s of the JSON sample is %(kind)s, not an object: the sample must be an array of objects."
                ),
                params={"row": number, "kind": _json_kind(item)},
            )
        for key in item:
            if key not in columns:
                columns[key] = None
                if len(columns) > MAX_SAMPLE_COLUMNS:
                    raise _too_many_columns()
        try:
            rows.append({key: _json_text(value) for key, value in item.items()})
        except RecursionError as error:
            raise SampleFormatError(
                _("The JSON sample is nested too deeply to be a table of rows.")
            ) from error
    if not columns:
        raise SampleEmpty()
    names = list(columns)
    return Sample(
        format="json", columns=names, rows=[{name: row.get(name) for name in names} for row in rows]
    )


# (simulator rule) No column of a real table holds numbers this long; past it a number is refused
# rather than converted (Python refuses integers of more than 4,300 digits).
MAX_JSON_NUMBER_CHARACTERS = 1000


class SampleNumberTooLong(SampleFormatError):
    code = "sample_number_too_long"
    message_template = _(
        "The JSON sample holds a number of %(length)s characters, starting %(start)s…: numbers may have at most %(limit)s; write it as a string if it is a code."
    )


def _json_integer(text: str) -> int:
    _refuse_long_number(text)
    return int(text)


def _json_decimal(text: str) -> Decimal:
    _refuse_long_number(text)
    return Decimal(text)


def _refuse_long_number(text: str) -> None:
    if len(text) > MAX_JSON_NUMBER_CHARACTERS:
        raise SampleNumberTooLong(
            params={
                "length": f"{len(text):,}",
                "start": text[:12],
                "limit": f"{MAX_JSON_NUMBER_CHARACTERS:,}",
            }
        )


def _refuse_constant(name: str):
    raise SampleFormatError(
        _("The JSON sample holds %(name)s, which is not a JSON number."), params={"name": name}
    )


def _json_kind(value):
    kinds = (
        (dict, _("an object")),
        (list, _("an array")),
        (str, _("a string")),
        (bool, _("a boolean")),
        (int | Decimal, _("a number")),
    )
    return next((kind for cls, kind in kinds if isinstance(value, cls)), _("null"))


def _json_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    return json.dumps(_plain(value), ensure_ascii=False, separators=(",", ":"))


def _plain(value):
    """Nested JSON made dumpable again: the Decimal numbers back to floats."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


# --- profiling -------------------------------------------------------------------------------------

_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_DATE = re.compile(
    r"([0-9]{4})(?:-([0-9]{1,2})-([0-9]{1,2})|/([0-9]{1,2})/([0-9]{1,2})|年([0-9]{1,2})月([0-9]{1,2})日)"
)
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]{1,6})?)?(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?"
)
_BOOLEAN_WORDS = frozenset({"true", "false", "是", "否", "0", "1"})
# An integer column with values this long (mobile numbers have 11 digits; resident IDs, bank cards
# and order numbers more) or with leading zeros holds codes, not quantities: its range would
# show one person's number, so the profile leaves it out.
IDENTIFIER_DIGITS = 11


def profile_sample(sample: Sample) -> dict:
    """The sample's profile: row count, duplicate rows and, per column, its inferred type, null rate,
    distinct values and the range of numbers and dates (lengths for text). JSON-serialisable."""
    total = len(sample.rows)
    distinct_rows = {tuple(row.get(name) for name in sample.columns) for row in sample.rows}
    return {
        "format": sample.format,
        "rows": total,
        "duplicate_rows": total - len(distinct_rows),
        "columns": [
            _profile_column(name, [row.get(name) for row in sample.rows], total)
            for name in sample.columns
        ],
    }


def _profile_column(name: str, values: list[str | None], total: int) -> dict:
    present = [value for value in values if value is not None]
    distinct = set(present)
    stripped = {value.strip() for value in distinct}
    kind = infer_type(stripped)
    low = high = None
    if kind in ("integer", "decimal", "date", "datetime"):
        low, high = _value_range(kind, stripped)
    has_lengths = kind == "text"
    return {
        "name": name,
        "type": kind,
        "null_rate": round((total - len(present)) / total, 4) if total else 0,
        "distinct": len(distinct),
        "min": low,
        "max": high,
        "min_length": min(map(len, distinct)) if has_lengths else None,
        "max_length": max(map(len, distinct)) if has_lengths else None,
    }


def infer_type(values: set[str]) -> str:
    """The narrowest column type all the (stripped, non-null) values fit; see ``COLUMN_TYPES``."""
    if not values:
        return "empty"
    if all(map(_INTEGER.fullmatch, values)):
        return "integer"
    if all(value.lower() in _BOOLEAN_WORDS for value in values):
        return "boolean"
    if all(map(_DECIMAL.fullmatch, values)):
        return "decimal"
    if all(_parse_date(value) for value in values):
        return "date"
    if all(_parse_date(value) or _parse_datetime(value) for value in values):
        return "datetime"
    return "text"


def _parse_date(value: str) -> date | None:
    match = _DATE.fullmatch(value)
    if match is None:
        return None
    year, *parts = match.groups()
    month, day = (int(part) for part in parts if part is not None)
    try:
        return date(int(year), month, day)
    except ValueError:
        return None


def _parse_datetime(value: str) -> datetime | None:
    if _DATETIME.fullmatch(value) is None:
        return None
    try:
        return datetime.fromisoformat(value.replace(",", "."))
    except ValueError:
        return None


def _value_range(kind: str, values: set[str]) -> tuple[str | None, str | None]:
    if kind == "integer":
        if any(map(_is_code, values)):
            return None, None
        numbers = [int(value) for value in values]
        return str(min(numbers)), str(max(numbers))
    if kind == "decimal":  # compared as numbers, shown as written
        return min(values, key=Decimal), max(values, key=Decimal)
    if kind == "date":
        dates = [_parse_date(value) for value in values]
        return min(dates).isoformat(), max(dates).isoformat()
    moments = [_parse_date(value) or _parse_datetime(value) for value in values]
    return min(moments, key=_moment_key).isoformat(), max(moments, key=_moment_key).isoformat()


def _is_code(value: str) -> bool:
    digits = value.lstrip("+-")
    return len(digits) >= IDENTIFIER_DIGITS or (len(digits) > 1 and digits[0] == "0")


def _moment_key(moment: date | datetime) -> datetime:
    """Dates, naive and aware datetimes on one line (naive ones taken as UTC) for comparing."""
    if not isinstance(moment, datetime):
        return datetime(moment.year, moment.month, moment.day)
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


# --- the declared fields ---------------------------------------------------------------------------

# Declared type → the profile types that satisfy it. "string"/"text" accept anything: every value
# is text. An undeclared or unknown type is not compared.
_ACCEPTED_TYPES = {
    "integer": {"integer"},
    "decimal": {"decimal", "integer"},
    "number": {"decimal", "integer"},
    "boolean": {"boolean"},
    "date": {"date"},
    "datetime": {"datetime", "date"},
    "text": set(COLUMN_TYPES),
    "string": set(COLUMN_TYPES),
}
_TYPE_ALIASES = {
    "int": "integer",
    "bigint": "integer",
    "float": "decimal",
    "double": "decimal",
    "numeric": "decimal",
    "bool": "boolean",
    "timestamp": "datetime",
    "str": "string",
    "varchar": "string",
    "char": "string",
}


def compare_with_schema(profile: dict, declared: list[dict]) -> list[dict]:
    """Differences between the sample's profile and the declared fields, as findings
    ``{"field", "code", "message"}`` with codes ``missing_column``, ``type_mismatch`` (in the
    declared order) and ``undeclared_column`` (in the sample's order)."""
    columns = {column["name"]: column for column in profile.get("columns", [])}
    findings = []
    names = set()
    for item in declared or []:
        if not isinstance(item, dict):
            continue
        name = str(item.get("name", "")).strip()
        if not name or name in names:
            continue
        names.add(name)
        column = columns.get(name)
        if column is None:
            findings.append(
                _finding(
                    name,
                    "missing_column",
                    _("The declared field “%(field)s” is not a column of the sample."),
                )
            )
            continue
        wanted = str(item.get("type") or "").strip().lower()
        wanted = _TYPE_ALIASES.get(wanted, wanted)
        if (
            wanted in _ACCEPTED_TYPES
            and column["type"] != "empty"
            and not _satisfies(wanted, column)
        ):
            findings.append(
                _finding(
                    name,
                    "type_mismatch",
                    _(
                        "The field “%(field)s” is declared as %(declared)s but the sample's values are %(found)s."
                    ),
                    declared=wanted,
                    found=column["type"],
                )
            )
    for name in columns:
        if name not in names:
            findings.append(
                _finding(
                    name,
                    "undeclared_column",
                    _("The sample's column “%(field)s” is not among the declared fields."),
                )
            )
    return findings


def _satisfies(wanted: str, column: dict) -> bool:
    if column["type"] in _ACCEPTED_TYPES[wanted]:
        return True
    # A 0/1 column profiles as integer; it is a fine boolean.
    return (
        wanted == "boolean"
        and column["type"] == "integer"
        and column["min"] in ("0", "1")
        and column["max"] in ("0", "1")
    )


def _finding(field: str, code: str, template, **params) -> dict:
    return {"field": field, "code": code, "message": str(template) % {"field": field, **params}}
