import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from exchange.creditcode import (
    AUTHORITY_TYPES,
    CREDIT_CODE_ALPHABET,
    build_credit_code,
    credit_code_check_character,
    credit_code_warnings,
    normalize_credit_code,
    validate_credit_code,
)
from merchants.validators import validate_contact_phone

REAL_CODES = [
    "9144030071526726XG",
    "91330100716105852F",
    "91110000802100433B",
    "91350200776049653A",
]


def failed_rule(value: str) -> str:
    with pytest.raises(ValidationError) as caught:
        validate_credit_code(value)
    return caught.value.code


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid_without_warnings(code):
    assert validate_credit_code(code) is None
    assert credit_code_warnings(code) == []


def test_weights_are_powers_of_three_mod_31():
    from exchange.creditcode import CREDIT_CODE_WEIGHTS

    assert CREDIT_CODE_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("9144030071526726X", "length"),
        ("9144030071526726XGG", "length"),
        ("", "length"),
        ("9144030071526726XO", "alphabet"),  # O is never used
        ("91440300715267I6XG", "alphabet"),
        ("9144030071526726xg", "alphabet"),  # lower case is not normalised by the validator itself
        ("9444030071526726XG", "authority_type"),  # market regulation registers types 1-3 only
        ("Y244030071526726XG", "authority_type"),
        ("B144030071526726XG", "authority_type"),  # no authority B
        ("91A4030071526726XG", "region"),
        ("9144030071526726XH", "check_character"),
    ],
)
def test_each_rule_has_its_code(value, rule):
    assert failed_rule(value) == rule


def test_check_character_message_names_the_expected_character():
    with pytest.raises(ValidationError) as caught:
        validate_credit_code("9144030071526726XH")
    assert caught.value.params == {"expected": "G", "actual": "H"}


def test_central_registrations_use_region_100000():
    code = build_credit_code(authority_type="11", region="100000", organisation_base="00001234")
    assert validate_credit_code(code) is None


@pytest.mark.parametrize("authority", sorted(AUTHORITY_TYPES))
def test_every_authority_type_pair_of_the_standard_is_accepted(authority):
    for kind in AUTHORITY_TYPES[authority]:
        code = build_credit_code(
            authority_type=authority + kind, region="310000", organisation_base="12345678"
        )
        assert validate_credit_code(code) is None


def test_organisation_code_fault_is_only_a_warning():
    # Position 17 wrong for GB 11714, position 18 recomputed so the credit code itself holds.
    first_17 = "91310115MA1K3YJ2" + "9"
    code = first_17 + credit_code_check_character(first_17)
    assert validate_credit_code(code) is None
    assert len(credit_code_warnings(code)) == 1


def test_normalisation_strips_blanks_and_upper_cases():
    assert normalize_credit_code(" 9144 0300 7152 6726 xg\u3000") == "9144030071526726XG"
    assert normalize_credit_code("914403-00715267-26XG") == "9144030071526726XG"


@given(
    pair=st.sampled_from([a + t for a, types in AUTHORITY_TYPES.items() for t in types]),
    region=st.from_regex(r"\A[0-9]{6}\Z"),
    base=st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=8, max_size=8),
)
def test_built_codes_validate_and_any_other_check_character_fails(pair, region, base):
    code = build_credit_code(authority_type=pair, region=region, organisation_base=base)
    assert validate_credit_code(code) is None
    for wrong in CREDIT_CODE_ALPHABET.replace(code[17], "")[:5]:
        assert failed_rule(code[:17] + wrong) == "check_character"


@pytest.mark.parametrize(
    "phone", ["13812345678", "021-12345678", "02112345678", "0571-8765432", "021-12345678-123"]
)
def test_contact_phone_accepts_mobiles_and_landlines(phone):
    assert validate_contact_phone(phone) is None


@pytest.mark.parametrize("phone", ["12812345678", "1381234567", "phone", "+86 138"])
def test_contact_phone_refuses_other_formats(phone):
    with pytest.raises(ValidationError) as caught:
        validate_contact_phone(phone)
    assert caught.value.code == "phone_format"
