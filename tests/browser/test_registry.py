"""The certificate page's verify button: the browser checks the signature and the proof itself."""

import pytest
from playwright.sync_api import expect

from exchange.registry import services
from tests.browser.test_review_path import assert_fits_the_window
from tests.registry.conftest import forge_entry, registration

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_browser_verifies_a_certificate_against_the_latest_checkpoint(page, results_dir):
    services.issue_certificates([registration(n) for n in range(20)])
    batch = services.issue_certificates([registration(n) for n in range(20, 23)])
    certificate = batch[1]  # log index 21 of 23

    page.goto(f"/registry/{certificate.number}/")
    expect(page.get_by_test_id("number")).to_have_text(certificate.number)
    page.locator("button[data-action=verify]").click()
    result = page.get_by_test_id("verify-result")
    expect(result).to_have_attribute("data-outcome", "verified")
    expect(result).to_contain_text("21")
    expect(result).to_contain_text("23")
    assert_fits_the_window(page)
    page.screenshot(path=results_dir / "registry-certificate-verified.png", full_page=True)


def test_after_tampering_the_page_and_the_browser_name_the_entry(page):
    certificates = services.issue_certificates([registration(n) for n in range(8)])
    forge_entry(5, b'{"forged":true}')

    page.goto(f"/registry/{certificates[5].number}/")
    expect(page.get_by_test_id("server-problems")).to_contain_text("5")
    page.locator("button[data-action=verify]").click()
    result = page.get_by_test_id("verify-result")
    expect(result).to_have_attribute("data-outcome", "failed")
    expect(result).to_contain_text("entry 5")
    page.goto(f"/registry/{certificates[6].number}/")
    page.locator("button[data-action=verify]").click()
    expect(page.get_by_test_id("verify-result")).to_have_attribute("data-outcome", "verified")
