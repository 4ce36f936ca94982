"""canonical_json is RFC 8785: its fast path (Python's compact sorted JSON, for ASCII keys and
exact integers) writes the very bytes the RFC 8785 implementation writes."""

import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from exchange.registry.services import canonical_json

scalars = st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text()
keys = st.text() | st.text(st.characters(max_codepoint=127))
content = st.dictionaries(
    keys,
    st.recursive(
        scalars,
        lambda children: st.lists(children) | st.dictionaries(keys, children),
        max_leaves=20,
    ),
)


@given(content)
def test_canonical_json_writes_what_rfc_8785_writes(value):
    assert canonical_json(value) == rfc8785.dumps(value)


def test_keys_sort_by_utf16_code_units_where_code_points_would_differ():
    # U+FF21 sorts before U+1F600 by code point, after it by UTF-16 code units (0xD83D).
    value = {"\uff21": 1, "\U0001f600": 2}
    assert canonical_json(value) == rfc8785.dumps(value)
    assert canonical_json(value).index("\U0001f600".encode()) < canonical_json(value).index(
        "\uff21".encode()
    )
