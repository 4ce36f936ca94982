"""A certificate as a one-page PDF (reportlab), with its facts and its inclusion proof.

Chinese text uses the Adobe CID font STSong-Light, which PDF readers supply, so nothing is
embedded and no font file is needed on the server.
"""

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

CJK_FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def _wrapped(text: str, font: str, size: float, width: float) -> list[str]:
    lines, line = [], ""
    for char in text:
        if pdfmetrics.stringWidth(line + char, font, size) > width:
            lines.append(line)
            line = ""
        line += char
    return [*lines, line] if line else lines


def certificate_pdf(*, certificate, status, rights, valid_until, verification, **_context) -> bytes:
    buffer = BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    page.setTitle(certificate.number)
    page.setSubject(_("Registration certificate"))
    width, height = A4
    left, right = 25 * mm, width - 25 * mm
    y = height - 30 * mm
    page.setFont(CJK_FONT, 24)
    page.drawCentredString(width / 2, y, "登 记 凭 证")
    y -= 9 * mm
    page.setFont(CJK_FONT, 12)
    page.drawCentredString(width / 2, y, str(_("Registration certificate")))
    y -= 14 * mm
    facts = [
        (_("Certificate number"), certificate.number),
        (_("Kind"), f"{certificate.get_kind_display()} · {certificate.get_action_display()}"),
        (_("Status"), str(status.label)),
        (_("Registrant"), f"{certificate.registrant_name}  {certificate.registrant_credit_code}"),
        (_("Subject"), certificate.subject_label),
        (_("Rights registered"), " · ".join(str(r) for r in rights)),
        (_("Content digest"), f"SHA-256 {certificate.digest}"),
        (_("Issued"), timezone.localtime(certificate.issued_at).strftime("%Y-%m-%d %H:%M")),
        (_("Valid until"), timezone.localtime(valid_until).strftime("%Y-%m-%d")),
        (_("Log index"), "—" if certificate.log_index is None else str(certificate.log_index)),
    ]
    if certificate.original_id:
        facts.insert(3, (_("References"), certificate.original.number))
    for label, value in facts:
        page.setFont(CJK_FONT, 9)
        page.setFillGray(0.4)
        page.drawString(left, y, str(label))
        page.setFillGray(0)
        page.setFont(CJK_FONT, 11)
        for line in _wrapped(value, CJK_FONT, 11, right - left - 40 * mm):
            page.drawString(left + 40 * mm, y, line)
            y -= 6 * mm
        y -= 1.5 * mm
    y -= 4 * mm
    page.setFont(CJK_FONT, 11)
    page.drawString(left, y, str(_("Inclusion proof")) + "  (c2sp.org/tlog-proof@v1)")
    y -= 6 * mm
    page.setFont("Courier", 6.5)
    for line in certificate.proof.splitlines():
        for part in _wrapped(line, "Courier", 6.5, right - left) or [""]:
            if y < 20 * mm:
                page.showPage()
                page.setFont("Courier", 6.5)
                y = height - 20 * mm
            page.drawString(left, y, part)
            y -= 3.2 * mm
    page.setFont(CJK_FONT, 8)
    page.setFillGray(0.4)
    check = _("Checked against the log when this PDF was made: %(outcome)s") % {
        "outcome": _("valid") if verification.ok else "; ".join(verification.problems)
    }
    page.drawString(left, 12 * mm, check[:120])
    page.showPage()
    page.save()
    return buffer.getvalue()
