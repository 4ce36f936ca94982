"""Row locks for merchants. Evaluate what these return, or they lock nothing."""

from merchants.models import Merchant


def lock_merchant(merchant_id: int) -> Merchant:
    return Merchant.objects.select_for_update(of=("self",)).order_by("pk").get(pk=merchant_id)
