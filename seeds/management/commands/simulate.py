from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from exchange.accounts.models import User
from seeds import report
from seeds.management.commands.seed_demo import QUIET_MAIL
from seeds.simulation import START, Options, Simulation


class Command(BaseCommand):
    help = (
        "Run a market through the real services over simulated days (deterministic: the same "
        "options on an empty database print the same last line, to the log's size and root)."
    )

    def add_arguments(self, parser):
        defaults = Options()
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument("--days", type=int, default=defaults.days)
        parser.add_argument("--merchants", type=int, default=defaults.merchants)
        parser.add_argument("--buyers", type=int, default=defaults.buyers)
        parser.add_argument("--products", type=int, default=defaults.products)
        parser.add_argument("--orders-per-day", type=int, default=defaults.orders_per_day)
        parser.add_argument("--dispute-rate", type=float, default=defaults.dispute_rate)
        parser.add_argument("--rejection-rate", type=float, default=defaults.rejection_rate)
        parser.add_argument(
            "--start", default=START.isoformat(), help="the first market day (YYYY-MM-DD)"
        )
        parser.add_argument(
            "--report",
            default="simulation-report.html",
            help="where to write the HTML report with its charts (default: %(default)s)",
        )

    def handle(self, *args, **o):
        from datetime import date

        try:
            start = date.fromisoformat(o["start"])
        except ValueError as error:
            raise CommandError(f"--start: {o['start']!r} is not a date (YYYY-MM-DD).") from error
        for name in ("days", "merchants", "buyers", "products", "orders_per_day"):
            if o[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')}: give 1 or more, not {o[name]}.")
        for name in ("dispute_rate", "rejection_rate"):
            if not 0 <= o[name] <= 1:
                raise CommandError(
                    f"--{name.replace('_', '-')}: a share from 0 to 1, not {o[name]}."
                )
        if User.objects.filter(username__startswith="sim_").exists():
            raise CommandError(
                "This database holds a simulated market already: simulate runs on a database "
                f"without one ({connection.settings_dict['NAME']}); start from an empty one."
            )
        options = Options(
            seed=o["seed"],
            days=o["days"],
            merchants=o["merchants"],
            buyers=o["buyers"],
            products=o["products"],
            orders_per_day=o["orders_per_day"],
            dispute_rate=o["dispute_rate"],
            rejection_rate=o["rejection_rate"],
            start=start,
        )
        # Made-up addresses: the simulation's e-mails stay in memory.
        settings.MAILERS = {**settings.MAILERS, "default": {"BACKEND": QUIET_MAIL}}
        console = Console(file=self.stdout, highlight=False)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[note]}"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        ) as bar:
            task = bar.add_task("simulating", total=3 + options.days, note="")

            def progress(step, total, note):
                bar.update(task, completed=step, total=total, note=note)

            result = Simulation(options, progress=progress).run()
            bar.update(task, completed=3 + options.days, note="done")
        table = Table(title="Simulated market", show_header=False)
        for label, value in (
            ("merchants signed", result.merchants),
            ("products listed / rejected", f"{result.listed} / {result.rejected}"),
            ("buyers verified", result.buyers),
            ("orders by status", ", ".join(f"{k} {v}" for k, v in sorted(result.orders.items()))),
            ("disputes", result.disputes),
            ("turnover (cleared and settled)", f"¥{result.turnover.amount:,}"),
            ("settlement batches", result.batches),
            ("certificate log", f"{result.log_size} entries"),
        ):
            table.add_row(label, str(value))
        console.print(table)
        written = report.write(result, Path(o["report"]))
        self.stdout.write(f"report: {written.resolve()}")
        self.stdout.write(result.line)
