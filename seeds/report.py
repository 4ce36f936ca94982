"""The simulation's report: what happened, as charts in one self-contained HTML file (Apache
ECharts inlined from the vendored copy, so it opens anywhere, offline). The figures are SQL
aggregates over the simulated market's orders, clearing lines and batches."""

from decimal import Decimal
from pathlib import Path

from django.contrib.staticfiles import finders
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from settlement.models import ClearingLine, LineKind, OrderStatus, PayoutBatch


def figures_of(orders, listings, days: list[dict]) -> dict:
    """The report's series: orders and trade value by day placed, orders by status, settlement
    batches, fees and subsidies by kind, listed products by board, the top products."""
    local = timezone.get_current_timezone()
    by_day = {
        row["day"].isoformat(): row
        for row in orders.annotate(day=TruncDate("placed_at", tzinfo=local))
        .values("day")
        .annotate(orders=Count("id"), value=Sum("value_amount"))
        .order_by("day")
    }
    statuses = dict(OrderStatus.choices)
    batches = (
        PayoutBatch.objects.filter(orders__in=orders)
        .values("business_date", "total_amount")
        .annotate(orders=Count("orders"))
        .order_by("business_date")
    )
    lines = (  # what the fees and subsidies came to (not the trade value or refunds)
        ClearingLine.objects.filter(order__in=orders)
        .exclude(kind__in=(LineKind.VALUE, LineKind.REFUND))
        .values("kind")
        .annotate(total=Sum("amount"))
        .order_by("kind")
    )
    kinds = dict(LineKind.choices)
    boards: dict[str, int] = {}
    for listing in listings:
        board = str(listing.product.registered_version.board.name)
        boards[board] = boards.get(board, 0) + 1
    top = (
        orders.values("product_name")
        .annotate(orders=Count("id"), value=Sum("value_amount"))
        .order_by("-value", "product_name")[:10]
    )
    return {
        "days": [row["date"] for row in days],
        "working": [row["working"] for row in days],
        "orders_by_day": [by_day.get(row["date"], {}).get("orders", 0) for row in days],
        "value_by_day": [str(by_day.get(row["date"], {}).get("value") or 0) for row in days],
        "statuses": [
            {"name": str(statuses[status]), "value": count}
            for status, count in orders.values_list("status").annotate(n=Count("id")).order_by()
        ],
        "batches": [
            {
                "date": b["business_date"].isoformat(),
                "paid": str(b["total_amount"]),
                "orders": b["orders"],
            }
            for b in batches
        ],
        "lines": [
            {"name": str(kinds[line["kind"]]), "total": str(line["total"])} for line in lines
        ],
        "boards": [{"name": name, "value": count} for name, count in sorted(boards.items())],
        "top": [
            {"name": row["product_name"], "orders": row["orders"], "value": str(row["value"])}
            for row in top
        ],
    }


def write(result, path: Path) -> Path:
    """Write ``result``'s report to ``path`` (one HTML file, charts and data inside)."""
    script = Path(finders.find("exchange/js/echarts.min.js")).read_text(encoding="utf-8")
    html = render_to_string(
        "seeds/simulation_report.html",
        {
            "result": result,
            "options": result.options,
            "figures": result.figures,
            "turnover": f"{result.turnover.amount:,}",
            "labels": {
                "orders": _("Orders"),
                "value": _("Trade value (CNY)"),
                "paid": _("Paid out (CNY)"),
                "yuan": _("CNY"),
                "dayOff": _("day off"),
                "tenThousand": _("×10k"),
            },
            "top": [
                {**row, "value": f"{Decimal(row['value']):,}"} for row in result.figures["top"]
            ],
            "echarts": script,
        },
    )
    path.write_text(html, encoding="utf-8")
    return path
