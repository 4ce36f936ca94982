"""Every state of the table, reached through the services, refuses every move it does not allow."""

import pytest

from exchange import lifecycle
from exchange.errors import InvalidTransition
from merchants.states import TRANSITIONS, MerchantStatus
from tests.factories import merchant_in

S = MerchantStatus


@pytest.mark.django_db
@pytest.mark.parametrize("status", list(S), ids=[s.value for s in S])
def test_stored_state_refuses_moves_outside_the_table(status, applicant, operator):
    from django.db import transaction

    merchant = merchant_in(status, applicant=applicant, operator=operator)
    assert merchant.status == status
    events = merchant.events.count()
    for target in set(S) - set(TRANSITIONS[status]):
        with pytest.raises(InvalidTransition), transaction.atomic():
            lifecycle.transition(merchant, target, actor=operator)
        merchant.refresh_from_db()
        assert merchant.status == status
    assert merchant.events.count() == events
