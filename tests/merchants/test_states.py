"""The transition table: every pair is allowed or refused, every state reachable, terminals closed."""

import itertools

import pytest

from exchange.errors import InvalidTransition
from exchange.lifecycle import check_transition
from merchants.models import Merchant
from merchants.states import INITIAL, MAIN_PATH, TRANSITIONS, MerchantStatus

S = MerchantStatus
ALL_PAIRS = list(itertools.product(S, S))


def test_table_covers_every_state():
    assert set(TRANSITIONS) == set(S)
    assert all(set(targets) <= set(S) for targets in TRANSITIONS.values())


def test_every_state_is_reachable_from_draft():
    reached, frontier = {INITIAL}, [INITIAL]
    while frontier:
        for target in TRANSITIONS[frontier.pop()]:
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(S)


def test_terminal_states_have_no_exits():
    assert {s for s, targets in TRANSITIONS.items() if not targets} == {
        S.REJECTED,
        S.WITHDRAWN,
        S.TERMINATED,
    }


def test_main_path_is_a_road_through_the_table():
    for source, target in itertools.pairwise(MAIN_PATH):
        assert target in TRANSITIONS[source]


@pytest.mark.parametrize(
    ("source", "target"), ALL_PAIRS, ids=[f"{a.value}->{b.value}" for a, b in ALL_PAIRS]
)
def test_each_pair_is_allowed_exactly_when_the_table_says(source, target):
    merchant = Merchant(status=source)
    if target in TRANSITIONS[source]:
        assert check_transition(merchant, target) is None
    else:
        with pytest.raises(InvalidTransition) as caught:
            check_transition(merchant, target)
        assert caught.value.code == "invalid_transition"
        assert caught.value.http_status == 409
