import pytest

from exchange.registry import services
from exchange.registry.models import CertificateKind, Right
from tests.factories import credit_code


def registration(number: int, **overrides) -> services.Registration:
    """A data-resource registration of subject ``number``, as the registry receives it."""
    values = {
        "kind": CertificateKind.DATA_RESOURCE,
        "registrant_name": "上海测试数据科技有限公司",
        "registrant_credit_code": credit_code(7),
        "subject_type": "tests.resource",
        "subject_id": number,
        "subject_label": f"测试数据资源 {number}",
        "rights": [Right.RESOURCE_HOLDING.value],
        "content": {"resource": number, "price": "12.50"},
    }
    return services.Registration(**{**values, **overrides})


@pytest.fixture
def issue():
    """Issue ``count`` certificates in one batch (one append, one checkpoint)."""

    def issue_batch(count: int, start: int = 0):
        return services.issue_certificates([registration(start + n) for n in range(count)])

    return issue_batch
