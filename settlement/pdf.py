"""The buyer's receipt of an order and a payee's settlement statement as PDFs (reportlab), in the
CID font the certificates use (nothing embedded, no font file on the server)."""

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from exchange.money import format_amount
from exchange.registry.pdf import CJK_FONT, _wrapped

WIDTH, HEIGHT = A4
LEFT, RIGHT = 20 * mm, WIDTH - 20 * mm


class _Page:
    """A canvas that writes lines downwards and turns the page when it runs out."""

    def __init__(self, title: str):
        self.buffer = BytesIO()
        self.canvas = canvas.Canvas(self.buffer, pagesize=A4, pageCompression=1)
        self.canvas.setTitle(title)
        self.y = HEIGHT - 25 * mm

    def _room(self, needed: float) -> None:
        if self.y - needed < 20 * mm:
            self.canvas.showPage()
            self.y = HEIGHT - 20 * mm

    def heading(self, text: str, size: float = 16) -> None:
        self._room(12 * mm)
        self.canvas.setFont(CJK_FONT, size)
        self.canvas.drawString(LEFT, self.y, text)
        self.y -= size * 0.5 * mm + 4 * mm

    def fact(self, label: str, value: str) -> None:
        self._room(7 * mm)
        self.canvas.setFont(CJK_FONT, 9)
        self.canvas.setFillGray(0.4)
        self.canvas.drawString(LEFT, self.y, str(label))
        self.canvas.setFillGray(0)
        self.canvas.setFont(CJK_FONT, 10)
        for line in _wrapped(str(value), CJK_FONT, 10, RIGHT - LEFT - 35 * mm) or [""]:
            self.canvas.drawString(LEFT + 35 * mm, self.y, line)
            self.y -= 5.5 * mm

    def row(self, cells: list[str], widths: list[float], *, bold: bool = False) -> None:
        """One table row; the last-but-one column (the amount) is right-aligned."""
        wrapped = [
            _wrapped(str(cell), CJK_FONT, 8.5, width * mm - 2 * mm) or [""]
            for cell, width in zip(cells, widths, strict=True)
        ]
        height = max(len(lines) for lines in wrapped) * 4.5 * mm
        self._room(height + 2 * mm)
        self.canvas.setFont(CJK_FONT, 8.5)
        self.canvas.setFillGray(0.35 if bold else 0)
        x = LEFT
        for index, (lines, width) in enumerate(zip(wrapped, widths, strict=True)):
            for number, line in enumerate(lines):
                y = self.y - number * 4.5 * mm
                if index == len(widths) - 2:
                    self.canvas.drawRightString(x + width * mm - 2 * mm, y, line)
                else:
                    self.canvas.drawString(x, y, line)
            x += width * mm
        self.canvas.setFillGray(0)
        self.y -= height + 1.5 * mm

    def gap(self) -> None:
        self.y -= 4 * mm

    def done(self) -> bytes:
        self.canvas.save()
        return self.buffer.getvalue()


LINE_WIDTHS = [30, 40, 40, 25, 35]


def _lines(page: _Page, lines) -> None:
    page.row([_("Line"), _("From"), _("To"), _("Amount"), _("Rule")], LINE_WIDTHS, bold=True)
    for line in lines:
        transfer = line.transfer
        page.row(
            [line.get_kind_display(), transfer.debit_account, transfer.credit_account,
             format_amount(line.amount, line.currency), line.rule],
            LINE_WIDTHS,
        )  # fmt: skip


def receipt_pdf(*, order, lines) -> bytes:
    """The buyer's receipt: what was bought, what was paid, and each line of its clearing."""
    page = _Page(_("Receipt of order %(order)s") % {"order": order.pk})
    page.heading(_("Receipt of order %(order)s") % {"order": order.pk})
    page.fact(_("Product"), order.product_name)
    page.fact(_("Merchant"), order.merchant.company_name)
    page.fact(_("Buyer"), order.buyer.name)
    page.fact(_("Plan"), f"{order.get_plan_kind_display()} × {order.quantity}")
    page.fact(_("Trade value"), format_amount(order.value_amount, order.currency))
    page.fact(_("Buyer's service fee"), format_amount(order.buyer_fee_amount, order.currency))
    page.fact(_("Total"), format_amount(order.total_amount, order.currency))
    page.fact(_("Status"), order.get_status_display())
    page.fact(_("Contract"), order.contract.number or _("being registered"))
    if order.cleared_at:
        page.fact(_("Cleared"), timezone.localtime(order.cleared_at).strftime("%Y-%m-%d %H:%M"))
    for delivery in order.deliveries.all():
        page.fact(_("Delivery"), f"{delivery.original_name} · SHA-256 {delivery.sha256}")
    page.gap()
    if lines:
        page.heading(_("Clearing"), 12)
        _lines(page, lines)
    return page.done()


PAYOUT_WIDTHS = [60, 35, 20, 25, 30]


def statement_pdf(*, batch, payouts, orders) -> bytes:
    """A settlement statement: the viewer's payouts of the batch and each order's lines."""
    day = batch.business_date.isoformat()
    page = _Page(_("Settlement of %(day)s") % {"day": day})
    page.heading(_("Settlement of %(day)s") % {"day": day})
    page.fact(_("Status"), batch.get_status_display())
    if batch.certificate_id:
        page.fact(_("Certificate"), batch.certificate.number)
        page.fact(_("digest of the lines"), batch.digest)
    page.gap()
    page.heading(_("Payouts to the bank"), 12)
    page.row([_("Payee"), _("Account"), _("Orders"), _("Amount"), _("Transfer")], PAYOUT_WIDTHS,
             bold=True)  # fmt: skip
    for payout in payouts:
        page.row(
            [payout.payee.name, payout.account.get_purpose_display(), payout.orders,
             format_amount(payout.amount, payout.currency), payout.transfer.key],
            PAYOUT_WIDTHS,
        )  # fmt: skip
    page.gap()
    for order, lines in orders:
        page.heading(
            f"{_('Order')} #{order.pk} · {order.product_name} · "
            f"{format_amount(order.value_amount, order.currency)}",
            11,
        )
        _lines(page, lines)
        page.gap()
    return page.done()
