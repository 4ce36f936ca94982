"""``manage.py scan_sample PATH [--json]`` and the scan report it prints (a contract outside tools read)."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from listings.pii import PERSONAL_INFORMATION_KINDS
from listings.sample_report import scan_report

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = (
    "姓名,手机,身份证号,城市,金额,备注\n"
    "张伟,13812345678,11010519491231002X,上海,12.50,\n"
    "王芳,138-1234-5679,,杭州,3,电话13912345678\n"
    "李娜,,,黄浦区,100,\n"
)
EXPECTED = {
    "format": "csv",
    "rows": 3,
    "duplicate_rows": 0,
    "columns": [
        {"name": "姓名", "type": "text", "null_rate": 0.0, "distinct": 3, "min": None, "max": None, "min_length": 2, "max_length": 2},
        {"name": "手机", "type": "text", "null_rate": 0.3333, "distinct": 2, "min": None, "max": None, "min_length": 11, "max_length": 13},
        {"name": "身份证号", "type": "text", "null_rate": 0.6667, "distinct": 1, "min": None, "max": None, "min_length": 18, "max_length": 18},
        {"name": "城市", "type": "text", "null_rate": 0.0, "distinct": 3, "min": None, "max": None, "min_length": 2, "max_length": 3},
        {"name": "金额", "type": "decimal", "null_rate": 0.0, "distinct": 3, "min": "3", "max": "100", "min_length": None, "max_length": None},
        {"name": "备注", "type": "text", "null_rate": 0.6667, "distinct": 1, "min": None, "max": None, "min_length": 13, "max_length": 13},
    ],
    "personal_information": [
        {"kind": "person_name", "column": "姓名", "count": 3},
        {"kind": "mobile", "column": "手机", "count": 2},
        {"kind": "resident_id", "column": "身份证号", "count": 1},
        {"kind": "mobile", "column": "备注", "count": 1},
    ],
}  # fmt: skip


@pytest.fixture
def sample_path(tmp_path) -> Path:
    path = tmp_path / "客户样本.csv"
    path.write_text(SAMPLE, encoding="utf-8")
    return path


def run(*args) -> str:
    out = StringIO()
    call_command("scan_sample", *args, stdout=out)
    return out.getvalue()


def test_scan_report_has_the_contract_shape():
    report = scan_report(SAMPLE.encode(), filename="sample.csv")

    assert report == EXPECTED
    assert {"rows", "columns", "personal_information"} <= set(report)
    assert all({"name", "type", "null_rate"} <= set(column) for column in report["columns"])
    assert all(set(item) == {"kind", "column", "count"} for item in report["personal_information"])
    assert {item["kind"] for item in report["personal_information"]} <= set(
        PERSONAL_INFORMATION_KINDS
    )


def test_scan_report_of_a_json_sample():
    data = json.dumps([{"email": "a@example.com", "n": 1}, {"email": None, "n": 2}]).encode()

    report = scan_report(data, filename="s.json")

    assert report["rows"] == 2
    assert [(c["name"], c["type"], c["null_rate"]) for c in report["columns"]] == [
        ("email", "text", 0.5),
        ("n", "integer", 0.0),
    ]
    assert report["personal_information"] == [{"kind": "email", "column": "email", "count": 1}]


def test_command_prints_one_json_object(sample_path):
    output = run(str(sample_path), "--json")

    assert output.count("\n") == 1
    assert json.loads(output) == EXPECTED
    assert "姓名" in output  # ensure_ascii=False: the names as written


def test_command_prints_a_table_without_json(sample_path):
    output = run(str(sample_path))

    assert output.splitlines() == [
        "客户样本.csv: csv, 3 rows (0 duplicate), 6 columns",
        "",
        "column    type      null rate",
        "姓名      text      0.00%",
        "手机      text      33.33%",
        "身份证号  text      66.67%",
        "城市      text      0.00%",
        "金额      decimal   0.00%",
        "备注      text      66.67%",
        "",
        "personal information:",
        "  person_name  in 姓名: 3 cells",
        "  mobile       in 手机: 2 cells",
        "  resident_id  in 身份证号: 1 cell",
        "  mobile       in 备注: 1 cell",
    ]


def test_command_table_says_when_nothing_was_found(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("id,amount\n1,2.5\n", encoding="utf-8")

    assert run(str(path)).splitlines()[-1] == "personal information: none found"


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (b'{"a": 1}', "bad.json", "sample_format"),
        (b"", "empty.csv", "sample_empty"),
        ("名称\n数据\n".encode("gbk"), "gbk.csv", "sample_encoding"),
        (b"a,b\n1,2,3\n", "wide-row.csv", "sample_format"),
    ],
)
def test_command_refuses_a_sample_naming_the_rule(tmp_path, content, name, code):
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(CommandError) as caught:
        run(str(path), "--json")

    assert str(caught.value).startswith(f"{code}: ")


def test_command_names_a_missing_path(tmp_path):
    missing = tmp_path / "nowhere.csv"

    with pytest.raises(CommandError) as caught:
        run(str(missing), "--json")

    assert str(caught.value) == f"{missing}: no such file"


def test_command_refuses_a_directory(tmp_path):
    with pytest.raises(CommandError) as caught:
        run(str(tmp_path), "--json")

    assert str(caught.value) == f"{tmp_path}: is a directory, not a sample file"


def manage(*args: str) -> subprocess.CompletedProcess:
    environ = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "exchange.settings.test",
        "PYTHONIOENCODING": "ascii",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        timeout=120,
        check=False,
    )


def test_manage_py_scan_sample_json_prints_one_json_object_in_utf8(sample_path):
    # PYTHONIOENCODING=ascii: the command makes its stdout UTF-8 whatever the console says.
    result = manage("scan_sample", str(sample_path), "--json")

    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout.decode("utf-8")) == EXPECTED


def test_manage_py_scan_sample_exits_non_zero_on_a_refused_sample(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"a": 1}', encoding="utf-8")

    result = manage("scan_sample", str(path), "--json")

    assert result.returncode == 1
    assert result.stdout == b""
    assert b"sample_format: " in result.stderr
