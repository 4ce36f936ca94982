"""``manage.py scan_sample PATH [--json]``: profile a sample file and find personal information.

The ``--json`` output is a contract read by outside tools: exactly one JSON object on stdout (UTF-8,
see ``listings.sample_report``), exit status 0. A refused sample or an unreadable path exits
non-zero with the rule or the path on stderr.
"""

import json
import unicodedata
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from exchange.errors import RuleViolation
from listings.sample_report import scan_report


class Command(BaseCommand):
    help = "Profile a sample file (CSV or a JSON array of objects) and report the personal information in it."
    # Reads one file and touches no database: the system checks are not needed.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("path", help="The sample file (.csv or .json).")
        parser.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help="Print the report as one JSON object.",
        )

    def handle(self, *args, path: str, as_json: bool, **options):
        report = scan_file(Path(path))
        _write_utf8(self.stdout)
        if as_json:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
        else:
            self.stdout.write(render_text(report, name=Path(path).name))


def scan_file(path: Path) -> dict:
    """The scan report of the file at ``path``; a missing file or a refused sample is a CommandError."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as error:
        raise CommandError(f"{path}: no such file") from error
    except IsADirectoryError as error:
        raise CommandError(f"{path}: is a directory, not a sample file") from error
    except OSError as error:
        raise CommandError(f"{path}: cannot be read ({error.strerror})") from error
    try:
        return scan_report(data, filename=path.name)
    except RuleViolation as error:
        raise CommandError(f"{error.code}: {error.message}") from error


def render_text(report: dict, *, name: str) -> str:
    """The report as a short table for people: rows, each column's type and null rate, and the
    personal information found."""
    columns = report["columns"]
    width = max(
        _display_width(text) for text in ["column", *(column["name"] for column in columns)]
    )
    lines = [
        f"{name}: {report['format']}, {_count(report['rows'], 'row')} ({report['duplicate_rows']} duplicate), "
        f"{_count(len(columns), 'column')}",
        "",
        f"{_pad('column', width)}  {'type':<8}  null rate",
    ]
    lines += [
        f"{_pad(column['name'], width)}  {column['type']:<8}  {column['null_rate']:.2%}"
        for column in columns
    ]
    lines.append("")
    found = report["personal_information"]
    if found:
        lines.append("personal information:")
        lines += [
            f"  {item['kind']:<12} in {item['column']}: {_count(item['count'], 'cell')}"
            for item in found
        ]
    else:
        lines.append("personal information: none found")
    return "\n".join(lines)


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _display_width(text: str) -> int:
    """Terminal columns: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(character) in "WF" else 1 for character in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _display_width(text))


def _write_utf8(stream) -> None:
    """Make a console stdout UTF-8 (Chinese column names), whatever the locale says."""
    # Only a real text stream can be reconfigured, not call_command's StringIO.
    reconfigure = getattr(stream, "reconfigure", None)
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    if reconfigure is not None and encoding != "utf8":
        reconfigure(encoding="utf-8")
