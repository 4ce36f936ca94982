"""The personal-information scanner (listings.pii, DOMAIN.md §7a).

The valid numbers here are computed by this file's own helpers (GB 11643 check character, Luhn),
not by the scanner, so the scanner is checked against an independent statement of the rules.
"""

from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from listings.pii import (
    COMPOUND_SURNAMES,
    PERSONAL_INFORMATION_KINDS,
    SINGLE_SURNAMES,
    Finding,
    find_in_text,
    is_bank_card,
    is_person_name,
    is_resident_id,
    scan_sample,
    scan_values,
)
from listings.samples import Sample

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
PROVINCES = ["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82"]  # fmt: skip


def check_character(first_seventeen: str) -> str:
    return "10X98765432"[
        sum(int(d) * w for d, w in zip(first_seventeen, WEIGHTS, strict=True)) % 11
    ]


def with_check(first_seventeen: str) -> str:
    return first_seventeen + check_character(first_seventeen)


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def with_luhn(body: str) -> str:
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


def kinds(value: str | None) -> list[str]:
    return [f.kind for f in scan_values("c", [value])]


# Real-format examples, checked here once so the tests below read plainly.
ID_X = with_check("11010519491231002")  # Beijing Chaoyang, born 1949-12-31
ID_DIGIT = with_check("31011519880512001")  # Shanghai Pudong, born 1988-05-12
ID_AND_LUHN = "310115198805120018"  # a resident ID whose 18 digits also pass Luhn
CARD_16 = with_luhn("622202123456789")
CARD_19 = with_luhn("622848001234567890")
ORDER_NUMBER = "2024051812345678901"


def test_the_examples_are_what_they_claim():
    assert ID_X == "11010519491231002X"
    assert ID_DIGIT[-1] != "X"
    assert check_character(ID_AND_LUHN[:17]) == ID_AND_LUHN[-1] and luhn_ok(ID_AND_LUHN)
    assert (len(CARD_16), len(CARD_19)) == (16, 19)
    assert not luhn_ok(ORDER_NUMBER)


# --- resident ID numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", [ID_X, ID_X.lower(), ID_DIGIT, ID_AND_LUHN])
def test_valid_resident_id_is_found(value):
    assert is_resident_id(value)
    assert kinds(value) == ["resident_id"]
    assert find_in_text(f"身份证号：{value}。") == [("resident_id", value)]


def test_resident_id_that_also_passes_luhn_is_not_a_bank_card():
    assert not is_bank_card(ID_AND_LUHN)
    assert scan_values("id", [ID_AND_LUHN, f"证件 {ID_AND_LUHN}"]) == [
        Finding("resident_id", "id", 2)
    ]
    assert find_in_text(f"号码{ID_AND_LUHN}") == [("resident_id", ID_AND_LUHN)]


@pytest.mark.parametrize("wrong", ["0", "1", "2", "9"])
def test_resident_id_with_a_wrong_check_character_is_not_reported(wrong):
    value = ID_X[:17] + wrong
    assert not luhn_ok(value)  # so nothing else is found either

    assert not is_resident_id(value)
    assert kinds(value) == []
    assert find_in_text(f"身份证{value}") == []


@pytest.mark.parametrize(
    ("first_seventeen", "why"),
    [
        ("44030519990230123", "30 February 1999"),
        ("44030519991301123", "month 13"),
        ("44030518991231123", "born before 1900"),
        ("44030521000101123", "born in the future"),
        ("99010519800101123", "province 99"),
        ("16010519800101123", "province 16"),
        ("00010519800101123", "province 00"),
    ],
)
def test_impossible_birth_date_or_unknown_region_is_not_a_resident_id(first_seventeen, why):
    value = with_check(first_seventeen)

    assert not is_resident_id(value), why
    assert "resident_id" not in kinds(value)
    assert all(kind != "resident_id" for kind, _ in find_in_text(f"ID {value}"))


def test_resident_id_inside_a_longer_digit_run_is_not_reported():
    assert "resident_id" not in kinds("9" + ID_DIGIT)
    assert find_in_text(f"1{ID_X}") == []


# --- bank cards ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "622202123456789",
        "6228480012345678",
        "62284800123456789",
        "622848001234567890",
        "411111111111111",
    ],
)
def test_luhn_valid_card_numbers_are_found(body):
    card = with_luhn(body)

    assert kinds(card) == ["bank_card"]
    assert find_in_text(f"卡号{card}，") == [("bank_card", card)]


def test_card_number_grouped_by_blanks_is_found():
    grouped = " ".join(CARD_16[i : i + 4] for i in range(0, 16, 4))
    grouped_19 = " ".join(CARD_19[i : i + 4] for i in range(0, 19, 4))

    assert find_in_text(f"卡号 {grouped} 有效") == [("bank_card", grouped)]
    assert find_in_text(grouped_19) == [("bank_card", grouped_19)]
    assert kinds(grouped) == ["bank_card"]


@pytest.mark.parametrize("card", [CARD_16, CARD_19])
def test_luhn_invalid_number_is_not_a_card(card):
    broken = card[:-1] + str((int(card[-1]) + 1) % 10)

    assert not luhn_ok(broken)
    assert kinds(broken) == []
    assert find_in_text(f"卡号{broken}") == []


def test_card_number_inside_a_longer_digit_run_or_zero_padded_is_not_reported():
    assert kinds("0000000000000000") == []
    assert kinds(CARD_19 + "0") == []
    assert find_in_text(f"{CARD_16} 1234") == [("bank_card", CARD_16)]
    assert find_in_text(" ".join(CARD_16[i : i + 4] for i in range(0, 16, 4)) + " 1234 5678") == []


def test_order_number_is_neither_an_id_nor_a_card():
    assert kinds(ORDER_NUMBER) == []
    assert find_in_text(f"订单号{ORDER_NUMBER}已发货") == []


# --- mobile numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("电话13812345678", "13812345678"),
        ("请联系张先生，电话13812345678，谢谢", "13812345678"),
        ("手机：138-1234-5678", "138-1234-5678"),
        ("138 1234 5678", "138 1234 5678"),
        ("+86 139 1234 5678", "+86 139 1234 5678"),
        ("+8615912345678", "+8615912345678"),
        ("86-19912345678", "86-19912345678"),
    ],
)
def test_mobile_number_is_found_in_text(text, found):
    assert find_in_text(text) == [("mobile", found)]
    assert kinds(text) == ["mobile"]


@pytest.mark.parametrize(
    "value",
    [
        "021-62345678",
        "02162345678",
        "(021) 6234 5678",
        "0755-83456789",
        "12812345678",  # 12 is not a mobile prefix
        "1381234567",  # ten digits
        "12345138123456789012",  # a mobile number inside a 20-digit run
        "订单12345138123456789012号",
        "138123456789",  # twelve digits
    ],
)
def test_landlines_and_longer_digit_runs_are_not_mobile_numbers(value):
    assert kinds(value) == []
    assert find_in_text(value) == []


def test_plain_mobile_number_cells():
    assert scan_values("phone", ["13812345678", "15912345678", "8613812345678", None, "暂无"]) == [
        Finding("mobile", "phone", 3)
    ]


# --- e-mail ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email", ["zhang.san@example.com", "li_si+data@mail.sh.cn", "wang-wu@163.com"]
)
def test_email_is_found(email):
    assert find_in_text(f"邮箱{email}，") == [("email", email)]
    assert kinds(email) == ["email"]


@pytest.mark.parametrize("value", ["user@localhost", "@example.com", "a@b", "price@10.5"])
def test_not_an_email(value):
    assert kinds(value) == []


# --- cells, columns and samples --------------------------------------------------------------------


def test_a_cell_counts_once_per_kind_and_can_count_for_several_kinds():
    values = ["电话13812345678或13912345678", f"{ID_X}，邮箱a@example.com，13712345678", "无", None]

    assert scan_values("note", values) == [
        Finding("email", "note", 1),
        Finding("mobile", "note", 2),
        Finding("resident_id", "note", 1),
    ]


def test_find_in_text_lists_every_match_in_order():
    text = f"客户{ID_X}，电话138-1234-5678，备用13912345678，卡{CARD_16}，邮件x@example.com；座机021-62345678，订单{ORDER_NUMBER}"

    assert find_in_text(text) == [
        ("resident_id", ID_X),
        ("mobile", "138-1234-5678"),
        ("mobile", "13912345678"),
        ("bank_card", CARD_16),
        ("email", "x@example.com"),
    ]


def test_scan_sample_sorts_by_column_order_then_kind():
    sample = Sample(
        format="csv",
        columns=["note", "contact", "amount"],
        rows=[
            {"note": "电话13812345678", "contact": "a@example.com", "amount": "12.5"},
            {"note": f"卡{CARD_16} 邮箱b@example.com", "contact": "c@example.com", "amount": "3"},
        ],
    )

    assert scan_sample(sample) == [
        Finding("bank_card", "note", 1),
        Finding("email", "note", 1),
        Finding("mobile", "note", 1),
        Finding("email", "contact", 2),
    ]


def test_nothing_found_in_ordinary_data():
    values = [
        "12.50",
        "2024-05-18",
        "2024-05-18 12:30:45",
        "正常",
        "SKU-000123",
        "1234567890",
        None,
        "",
        "  ",
    ]

    assert scan_values("misc", values) == []


# --- personal names --------------------------------------------------------------------------------

NAMES = [
    "张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄丽", "周杰", "吴强",
    "徐秀英", "孙志强", "马丽娟", "朱建华", "胡明", "郭玉兰", "何涛", "高婷", "欧阳娜娜", "司马光",
]  # fmt: skip


def test_name_column_is_reported_with_the_number_of_name_cells():
    values = [*NAMES, "未知", "N/A", "客户A", None]

    assert scan_values("联系人", values) == [Finding("person_name", "联系人", 20)]


def test_column_with_too_few_names_is_not_reported():
    values = [*NAMES[:7], "未知", "N/A", "客户A"]  # 70 % names

    assert scan_values("c", values) == []


def test_names_are_found_by_content_not_by_header():
    assert scan_values("field_07", NAMES) == [Finding("person_name", "field_07", 20)]
    assert scan_values("姓名", ["上海", "北京", "杭州"]) == []


@pytest.mark.parametrize(
    "name", [*NAMES, "艾力·买买提", "阿依古丽·吐尔逊", "诸葛亮", "上官婉儿", " 李娜 "]
)
def test_common_names_are_names(name):
    assert is_person_name(name.strip())


PLACES = ["黄浦", "徐汇", "杨浦", "闵行", "金山", "周浦", "张江", "陆家嘴", "上海市", "黄浦区", "浦东新区", "杭州", "武汉", "金山区", "苏州河", "黄浦江", "高新区", "周浦镇", "南京路", "黄河"]  # fmt: skip
BOARDS = ["金融", "航运", "商贸物流", "科技", "制造业", "通信", "医疗", "交通", "能源", "信用", "国际板", "数字资产", "长三角"]  # fmt: skip
PRODUCTS = ["万达", "高新", "华为", "苏宁", "平安", "数据平台", "信息服务", "企业征信报告", "航运指数", "金山软件", "王氏集团", "钱江数据", "周报", "李记公司", "黄金", "石油"]  # fmt: skip


@pytest.mark.parametrize(
    ("header", "values"), [("地区", PLACES), ("板块", BOARDS), ("产品", PRODUCTS)]
)
def test_place_board_and_product_columns_are_not_name_columns(header, values):
    assert [value for value in values if is_person_name(value)] == []
    assert scan_values(header, values) == []


@pytest.mark.parametrize(
    "value",
    [
        "张",
        "王小明明",
        "欧阳",
        "张伟A",
        "Zhang Wei",
        "张 伟",
        "李伟伟伟伟",
        "数据·智能",
        "上海·浦东",
    ],
)
def test_not_names(value):
    assert not is_person_name(value)


def test_surname_lists_cover_the_common_surnames():
    assert len(SINGLE_SURNAMES) >= 300
    assert {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"} <= SINGLE_SURNAMES
    assert {
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "轩辕",
        "令狐",
        "钟离",
        "澹台",
        "公冶",
        "端木",
    } <= COMPOUND_SURNAMES
    assert PERSONAL_INFORMATION_KINDS == (
        "resident_id",
        "mobile",
        "bank_card",
        "email",
        "person_name",
    )


# --- properties ------------------------------------------------------------------------------------

region_codes = st.builds(
    lambda province, rest: province + rest,
    st.sampled_from(PROVINCES),
    st.from_regex(r"\A[0-9]{4}\Z"),
)
birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=date.today())
sequences = st.integers(min_value=0, max_value=999)
valid_ids = st.builds(
    lambda region, born, seq: with_check(f"{region}{born:%Y%m%d}{seq:03d}"),
    region_codes,
    birth_dates,
    sequences,
)


@given(valid_ids)
def test_every_valid_resident_id_is_found(value):
    assert is_resident_id(value)
    assert find_in_text(f"身份证{value}，") == [("resident_id", value)]
    assert scan_values("c", [value]) == [Finding("resident_id", "c", 1)]


@given(valid_ids, st.sampled_from("0123456789X"))
def test_every_other_check_character_is_not_a_resident_id(value, replacement):
    assume(replacement != value[-1])
    changed = value[:17] + replacement

    assert not is_resident_id(changed)
    assert "resident_id" not in [kind for kind, _ in find_in_text(changed)]
    assert "resident_id" not in kinds(changed)


card_numbers = st.builds(
    lambda first, rest: with_luhn(first + rest),
    st.sampled_from("123456789"),
    st.integers(min_value=14, max_value=17).flatmap(lambda n: st.from_regex(rf"\A[0-9]{{{n}}}\Z")),
)


@given(card_numbers)
def test_every_luhn_valid_number_standing_alone_is_a_bank_card(number):
    assume(not (number[0] == "1" and number[1] in "3456789"))
    assume(not is_resident_id(number))  # an ID number that happens to pass Luhn is an ID

    assert 16 <= len(number) <= 19
    assert is_bank_card(number)
    assert find_in_text(number) == [("bank_card", number)]
    assert find_in_text(f"卡号{number}。") == [("bank_card", number)]
    assert kinds(number) == ["bank_card"]


def full_width(text: str) -> str:
    """ASCII digits, letters and signs written in their full-width forms (U+FF01–U+FF5E)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_full_width_numbers_are_found_as_written():
    mobile, id_number, card = full_width("13812345678"), full_width(ID_X), full_width(CARD_16)
    text = f"电话：{mobile}，身份证{id_number}，卡{card}，邮箱{full_width('x@example.com')}"

    assert find_in_text(text) == [
        ("mobile", mobile),
        ("resident_id", id_number),
        ("bank_card", card),
        ("email", full_width("x@example.com")),
    ]
    assert find_in_text(full_width("+86 138-1234-5678")) == [
        ("mobile", full_width("+86 138-1234-5678"))
    ]


def test_full_width_cells_count_like_ascii_ones():
    values = [full_width("13812345678"), full_width(ID_X), full_width(CARD_16), "１２３４"]

    assert scan_values("contact", values) == [
        Finding("bank_card", "contact", 1),
        Finding("mobile", "contact", 1),
        Finding("resident_id", "contact", 1),
    ]


def test_full_width_look_alikes_stay_unreported():
    assert find_in_text(full_width(f"订单{ORDER_NUMBER}")) == []
    assert find_in_text(full_width("021-62345678")) == []
