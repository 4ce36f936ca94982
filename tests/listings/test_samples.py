"""Reading, profiling and schema-checking a data product's sample (listings.samples)."""

import json

import pytest
from django.utils import translation

from listings.samples import (
    MAX_SAMPLE_COLUMNS,
    MAX_SAMPLE_ROWS,
    Sample,
    SampleEmpty,
    SampleEncodingError,
    SampleFormatError,
    SampleRefused,
    SampleTooLarge,
    compare_with_schema,
    profile_sample,
    read_sample,
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def refusal(data: bytes, filename: str = "sample.csv") -> SampleRefused:
    with pytest.raises(SampleRefused) as caught:
        read_sample(data, filename=filename)
    assert caught.value.field == "sample"
    assert caught.value.http_status == 400
    return caught.value


def column(profile: dict, name: str) -> dict:
    return next(item for item in profile["columns"] if item["name"] == name)


# --- CSV -------------------------------------------------------------------------------------------


def test_csv_keeps_quoted_commas_and_line_breaks_inside_values():
    data = 'name,address,note\n"Li, Ming","上海市黄浦区\n南京东路1号","said ""hi"""\nWang,Beijing,\n'.encode()

    sample = read_sample(data, filename="people.csv")

    assert sample == Sample(
        format="csv",
        columns=["name", "address", "note"],
        rows=[
            {"name": "Li, Ming", "address": "上海市黄浦区\n南京东路1号", "note": 'said "hi"'},
            {"name": "Wang", "address": "Beijing", "note": None},
        ],
    )


def test_csv_with_a_byte_order_mark_has_a_clean_first_column_name():
    sample = read_sample("\ufeff编号,城市\n1,上海\r\n2,杭州\r\n".encode(), filename="cities.csv")

    assert sample.columns == ["编号", "城市"]
    assert sample.rows == [{"编号": "1", "城市": "上海"}, {"编号": "2", "城市": "杭州"}]


def test_csv_semicolon_delimiter_is_detected():
    sample = read_sample(b"id;amount;note\n1;12,50;a,b\n2;3,00;c\n", filename="eu.csv")

    assert sample.columns == ["id", "amount", "note"]
    assert sample.rows[0] == {"id": "1", "amount": "12,50", "note": "a,b"}


def test_csv_tab_delimiter_is_detected():
    sample = read_sample(b"id\tcity\n1\tShanghai, Pudong\n", filename="tabs.tsv")

    assert sample.format == "csv"
    assert sample.rows == [{"id": "1", "city": "Shanghai, Pudong"}]


def test_csv_delimiter_must_be_in_the_header_row():
    sample = read_sample(b"id,note\n1,a;b;c\n2,d;e;f\n3,g;h;i\n", filename="notes.csv")

    assert sample.columns == ["id", "note"]
    assert sample.rows[0] == {"id": "1", "note": "a;b;c"}


def test_csv_with_apostrophes_in_values_is_read():
    data = (
        "id,comment\n" + "".join(f"{n},\"it's 'fine', isn't it\"\n" for n in range(2000))
    ).encode()

    sample = read_sample(data, filename="comments.csv")

    assert len(sample.rows) == 2000
    assert sample.rows[0] == {"id": "0", "comment": "it's 'fine', isn't it"}


def test_deeply_nested_json_is_refused():
    error = refusal(b"[" * 100_000 + b"]" * 100_000, "deep.json")

    assert error.code == "sample_format"


def test_csv_single_column_falls_back_to_comma():
    sample = read_sample(b"city\nShanghai\nHangzhou\n", filename="one.csv")

    assert sample.columns == ["city"]
    assert [row["city"] for row in sample.rows] == ["Shanghai", "Hangzhou"]


def test_csv_short_rows_are_padded_with_none_and_blank_lines_skipped():
    sample = read_sample(b"a,b,c\n1,2\n\n,,\n4,,6\n", filename="gaps.csv")

    assert sample.rows == [{"a": "1", "b": "2", "c": None}, {"a": "4", "b": None, "c": "6"}]


def test_unknown_extension_is_read_by_content():
    assert read_sample(b'[{"a": 1}]', filename="export.txt").format == "json"
    assert read_sample(b"a,b\n1,2\n", filename="export.dat").format == "csv"
    assert read_sample(b"a,b\n1,2\n", filename="no-extension").format == "csv"


def test_csv_extension_wins_over_content():
    sample = read_sample(b"[x],y\n1,2\n", filename="brackets.csv")

    assert sample.columns == ["[x]", "y"]


# --- JSON ------------------------------------------------------------------------------------------


def test_json_array_of_objects_with_nested_values_and_nulls():
    data = json.dumps(
        [
            {
                "id": 1,
                "name": "张伟",
                "score": 98.50,
                "active": True,
                "tags": ["a", "b"],
                "address": {"city": "上海"},
            },
            {"id": 2, "name": None, "active": False, "extra": "x"},
        ],
        ensure_ascii=False,
    ).encode()

    sample = read_sample(data, filename="people.json")

    assert sample.format == "json"
    assert sample.columns == ["id", "name", "score", "active", "tags", "address", "extra"]
    assert sample.rows == [
        {
            "id": "1",
            "name": "张伟",
            "score": "98.5",
            "active": "true",
            "tags": '["a","b"]',
            "address": '{"city":"上海"}',
            "extra": None,
        },
        {
            "id": "2",
            "name": None,
            "score": None,
            "active": "false",
            "tags": None,
            "address": None,
            "extra": "x",
        },
    ]


def test_json_numbers_keep_their_digits():
    sample = read_sample(
        b'[{"price": 12345678901234567.89, "rate": 1.50, "big": 123456789012345678901}]',
        filename="n.json",
    )

    assert sample.rows == [
        {"price": "12345678901234567.89", "rate": "1.50", "big": "123456789012345678901"}
    ]


def test_json_with_bom_is_read():
    assert read_sample('\ufeff[{"a": "b"}]'.encode(), filename="bom.json").rows == [{"a": "b"}]


# --- refusals --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"", "empty.csv"),
        (b"  \n\n", "blank.csv"),
        (b"a,b,c\n", "header.csv"),
        (b"a,b\n\n,\n", "blank-rows.csv"),
        (b"[]", "empty.json"),
        (b"[{}]", "no-keys.json"),
    ],
)
def test_sample_without_rows_is_refused(data, filename):
    error = refusal(data, filename)

    assert isinstance(error, SampleEmpty)
    assert error.code == "sample_empty"


def test_sample_that_is_not_utf8_is_refused_naming_the_line():
    data = "id,城市\n1,上海\n".encode("gbk")

    error = refusal(data)

    assert isinstance(error, SampleEncodingError)
    assert error.code == "sample_encoding"
    assert error.params == {"line": 1, "byte": 4}
    assert error.message.startswith("The sample is not UTF-8 text (line 1, byte 4)")


def test_utf16_sample_is_an_encoding_refusal():
    error = refusal("a,b\n1,2\n".encode("utf-16"))

    assert error.code == "sample_encoding"


def test_csv_row_with_more_cells_than_the_header_is_refused_naming_the_line():
    data = b'a,b\n1,2\n"multi\nline",2\n3,4,5\n'

    error = refusal(data)

    assert isinstance(error, SampleFormatError)
    assert error.code == "sample_format"
    assert error.message == (
        "Line 5 of the CSV sample has 3 cells but the header row has 2 columns (is a value with a “,” missing its quotes?)."
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b'{"a": 1}',
            "The JSON sample must be an array of objects, one object per row; it is an object.",
        ),
        (
            b'[{"a": 1}, [1, 2]]',
            "Row 2 of the JSON sample is an array, not an object: the sample must be an array of objects.",
        ),
        (
            b'[{"a": 1}, "text"]',
            "Row 2 of the JSON sample is a string, not an object: the sample must be an array of objects.",
        ),
        (
            b'[{"a": 1},\n {"a": }]',
            "The JSON sample is not valid JSON (line 2, column 8): Expecting value.",
        ),
        (b'[{"a": NaN}]', "The JSON sample holds NaN, which is not a JSON number."),
    ],
)
def test_json_that_is_not_an_array_of_objects_is_refused(data, message):
    error = refusal(data, "sample.json")

    assert error.code == "sample_format"
    assert error.message == message


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"a,,c\n1,2,3\n", "Column 2 of the CSV header row has no name: every column needs one."),
        (
            b"a,b,a\n1,2,3\n",
            "The column “a” appears twice in the CSV header row (columns 1 and 3).",
        ),
    ],
)
def test_csv_header_needs_unique_names(data, message):
    error = refusal(data)

    assert error.code == "sample_format"
    assert error.message == message


@pytest.mark.parametrize("data", [b"PK\x03\x04\x14\x00\x06\x00", b"%PDF-1.7\n", b"a,b\n1,\x002\n"])
def test_binary_file_is_not_a_sample(data):
    error = refusal(data, "sample.csv")

    assert error.code == "sample_format"
    assert error.message.startswith("The sample is a binary file")


def test_more_rows_than_the_limit_are_refused():
    exactly = b"n\n" + b"1\n" * MAX_SAMPLE_ROWS
    assert len(read_sample(exactly, filename="max.csv").rows) == MAX_SAMPLE_ROWS

    error = refusal(exactly + b"2\n")

    assert isinstance(error, SampleTooLarge)
    assert error.code == "sample_too_large"
    assert error.message == "The sample is too large: at most 100,000 rows; send a smaller extract."


def test_more_json_rows_than_the_limit_are_refused():
    error = refusal(b"[" + b",".join([b"{}"] * (MAX_SAMPLE_ROWS + 1)) + b"]", "big.json")

    assert error.code == "sample_too_large"


@pytest.mark.parametrize("filename", ["wide.csv", "wide.json"])
def test_more_columns_than_the_limit_are_refused(filename):
    names = [f"c{n}" for n in range(MAX_SAMPLE_COLUMNS + 1)]
    if filename.endswith(".csv"):
        data = (",".join(names) + "\n" + ",".join("1" for _ in names) + "\n").encode()
    else:
        data = json.dumps([dict.fromkeys(names, 1)]).encode()

    error = refusal(data, filename)

    assert error.code == "sample_too_large"
    assert (
        error.message
        == "The sample is too wide: at most 500 columns; send the columns that matter."
    )


# --- profile ---------------------------------------------------------------------------------------


def test_profile_infers_types_null_rates_and_ranges():
    data = (
        "id,amount,flag,cn_flag,zero_one,day,moment,city,blank\n"
        "3,12.50,true,是,0,2024-05-18,2024-05-18T09:30:00,上海,\n"
        "10,-3,FALSE,否,1,2024/5/1,2024-05-18 10:00,杭州,\n"
        "7,100,true,是,1,2023年12月31日,2024-05-19,上海,\n"
        "-2,,,,,,,,\n"
    ).encode()

    profile = profile_sample(read_sample(data, filename="types.csv"))

    assert profile["format"] == "csv"
    assert profile["rows"] == 4
    assert profile["duplicate_rows"] == 0
    assert [(c["name"], c["type"], c["null_rate"]) for c in profile["columns"]] == [
        ("id", "integer", 0.0),
        ("amount", "decimal", 0.25),
        ("flag", "boolean", 0.25),
        ("cn_flag", "boolean", 0.25),
        ("zero_one", "integer", 0.25),
        ("day", "date", 0.25),
        ("moment", "datetime", 0.25),
        ("city", "text", 0.25),
        ("blank", "empty", 1.0),
    ]
    assert column(profile, "id") == {
        "name": "id",
        "type": "integer",
        "null_rate": 0.0,
        "distinct": 4,
        "min": "-2",
        "max": "10",
        "min_length": None,
        "max_length": None,
    }
    assert (column(profile, "amount")["min"], column(profile, "amount")["max"]) == ("-3", "100")
    assert (column(profile, "day")["min"], column(profile, "day")["max"]) == (
        "2023-12-31",
        "2024-05-18",
    )
    assert (column(profile, "moment")["min"], column(profile, "moment")["max"]) == (
        "2024-05-18T09:30:00",
        "2024-05-19",
    )
    assert column(profile, "city") == {
        "name": "city",
        "type": "text",
        "null_rate": 0.25,
        "distinct": 2,
        "min": None,
        "max": None,
        "min_length": 2,
        "max_length": 2,
    }
    assert column(profile, "blank") == {
        "name": "blank",
        "type": "empty",
        "null_rate": 1.0,
        "distinct": 0,
        "min": None,
        "max": None,
        "min_length": None,
        "max_length": None,
    }
    assert (column(profile, "flag")["min"], column(profile, "flag")["distinct"]) == (None, 2)


def test_profile_never_shows_a_text_value():
    profile = profile_sample(
        read_sample("name,note\n张伟,机密\n李娜,内部\n".encode(), filename="t.csv")
    )

    text = json.dumps(profile, ensure_ascii=False)

    assert all(word not in text for word in ("张伟", "李娜", "机密", "内部"))


def test_profile_withholds_the_range_of_integer_codes():
    data = b"mobile,zip,quantity\n13812345678,020000,5\n13998765432,200120,12\n"

    profile = profile_sample(read_sample(data, filename="codes.csv"))

    assert [(c["type"], c["min"], c["max"]) for c in profile["columns"]] == [
        ("integer", None, None),
        ("integer", None, None),
        ("integer", "5", "12"),
    ]


def test_profile_dates_must_be_real_calendar_dates():
    profile = profile_sample(read_sample(b"day\n2024-02-29\n2023-02-29\n", filename="d.csv"))

    assert profile["columns"][0]["type"] == "text"


def test_profile_compares_decimals_as_numbers_and_counts_duplicate_rows():
    data = b"price,unit\n9.5,kg\n10.25,kg\n9.5,kg\n1e3,t\n9.5,kg\n"

    profile = profile_sample(read_sample(data, filename="p.csv"))

    assert profile["duplicate_rows"] == 2
    assert (
        profile["columns"][0]["type"],
        profile["columns"][0]["min"],
        profile["columns"][0]["max"],
    ) == ("decimal", "9.5", "1e3")


def test_profile_rounds_rates_to_four_decimals_and_is_json_serialisable():
    sample = Sample(format="csv", columns=["a"], rows=[{"a": "1"}, {"a": None}, {"a": None}])

    profile = profile_sample(sample)

    assert profile["columns"][0]["null_rate"] == 0.6667
    assert json.loads(json.dumps(profile)) == profile


def test_profile_of_json_sample():
    data = b'[{"id": 1, "ok": true, "score": 2.5, "at": "2024-05-18T10:00:00+08:00"}, {"id": 2, "ok": false, "score": null, "at": "2024-05-18T01:00:00Z"}]'

    profile = profile_sample(read_sample(data, filename="j.json"))

    assert [(c["name"], c["type"], c["null_rate"]) for c in profile["columns"]] == [
        ("id", "integer", 0.0),
        ("ok", "boolean", 0.0),
        ("score", "decimal", 0.5),
        ("at", "datetime", 0.0),
    ]
    assert (column(profile, "at")["min"], column(profile, "at")["max"]) == (
        "2024-05-18T01:00:00+00:00",
        "2024-05-18T10:00:00+08:00",
    )


# --- the declared fields ---------------------------------------------------------------------------


def schema_profile() -> dict:
    data = b"id,price,qty,flag,day,name,blank\n1,9.5,3,0,2024-05-18,a,\n2,10,4,1,2024-05-19,b,\n"
    return profile_sample(read_sample(data, filename="s.csv"))


def test_schema_that_matches_has_no_findings():
    declared = [
        {"name": "id", "type": "integer"},
        {"name": "price", "type": "number"},
        {"name": "qty", "type": "number"},
        {"name": "flag", "type": "boolean"},
        {"name": "day", "type": "date"},
        {"name": "name", "type": "string"},
        {"name": "blank", "type": "integer"},
    ]

    assert compare_with_schema(schema_profile(), declared) == []


def test_schema_comparison_reports_missing_undeclared_and_mismatched_columns():
    declared = [
        {"name": "id", "type": "date"},
        {"name": "price", "type": "integer"},
        {"name": "qty", "type": "decimal"},
        {"name": "flag", "type": "boolean"},
        {"name": "day", "type": "datetime"},
        {"name": "name", "type": "text"},
        {"name": "customer_mobile", "type": "string"},
    ]

    findings = compare_with_schema(schema_profile(), declared)

    assert findings == [
        {
            "field": "id",
            "code": "type_mismatch",
            "message": "The field “id” is declared as date but the sample's values are integer.",
        },
        {
            "field": "price",
            "code": "type_mismatch",
            "message": "The field “price” is declared as integer but the sample's values are decimal.",
        },
        {
            "field": "customer_mobile",
            "code": "missing_column",
            "message": "The declared field “customer_mobile” is not a column of the sample.",
        },
        {
            "field": "blank",
            "code": "undeclared_column",
            "message": "The sample's column “blank” is not among the declared fields.",
        },
    ]


def test_schema_without_types_or_with_unknown_types_checks_names_only():
    declared = [
        {"name": "id"},
        {"name": "price", "type": ""},
        {"name": "day", "type": "geometry"},
        {"name": " name "},
    ]

    codes = [(f["field"], f["code"]) for f in compare_with_schema(schema_profile(), declared)]

    assert codes == [
        ("qty", "undeclared_column"),
        ("flag", "undeclared_column"),
        ("blank", "undeclared_column"),
    ]


def test_schema_type_aliases():
    declared = [
        {"name": "id", "type": "INT"},
        {"name": "price", "type": "float"},
        {"name": "flag", "type": "bool"},
        {"name": "name", "type": "varchar"},
    ]

    findings = compare_with_schema(schema_profile(), declared)

    assert [f["code"] for f in findings] == ["undeclared_column"] * 3
