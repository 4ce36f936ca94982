import time
from dataclasses import asdict, fields
from datetime import date
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
from seeds.scenario import ScenarioError, check_all, load
from seeds.simulation import Options, Simulation

COUNTS = ("days", "merchants", "buyers", "products", "orders_per_day")
SHARES = ("dispute_rate", "rejection_rate")


class Command(BaseCommand):
    help = (
        "Run a market through the real services over simulated days (deterministic: the same "
        "options on an empty database print the same last line, to the log's size and root)."
    )

    def add_arguments(self, parser):
        defaults = asdict(Options())
        for option in fields(Options):
            flag = f"--{option.name.replace('_', '-')}"
            kind = {int: int, float: float}.get(type(defaults[option.name]), str)
            parser.add_argument(
                flag, type=kind, default=None, help=f"default: {defaults[option.name]}"
            )
        parser.add_argument(
            "--scenario",
            help="a classroom story: a YAML file, or the name of one in seeds/scenarios/ "
            "(its options apply unless a flag says otherwise; its outcomes are checked)",
        )
        parser.add_argument(
            "--report",
            default="simulation-report.html",
            help="where to write the HTML report with its charts (default: %(default)s)",
        )

    def handle(self, *args, **given):
        scenario = None
        if given["scenario"]:
            try:
                scenario = load(given["scenario"])
            except ScenarioError as error:
                raise CommandError(f"--scenario: {error}") from error
        options = self._options(given, scenario.options if scenario else {})
        if User.objects.filter(username__startswith="sim_").exists():
            raise CommandError(
                "This database holds a simulated market already: simulate runs on a database "
                f"without one ({connection.settings_dict['NAME']}); start from an empty one."
            )
        # Made-up addresses: the simulation's e-mails stay in memory.
        settings.MAILERS = {**settings.MAILERS, "default": {"BACKEND": QUIET_MAIL}}
        console = Console(file=self.stdout, highlight=False)
        if scenario:
            console.print(f"[bold]{scenario.title}[/bold]\n{scenario.story}".rstrip())
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

            started = time.monotonic()

            def progress(step, total, note):
                rate = step / max(time.monotonic() - started, 1e-9)
                bar.update(task, completed=step, total=total, note=f"{note} · {rate:.1f} steps/s")

            simulation = Simulation(options, scenario=scenario, progress=progress)
            result = simulation.run()
            elapsed = time.monotonic() - started
            bar.update(
                task,
                completed=3 + options.days,
                note=f"done · {result.order_count:,} orders in {elapsed:.1f} s "
                f"({result.order_count / max(elapsed, 1e-9):,.1f} orders/s)",
            )
        self._summary(console, result)
        outcomes = check_all(scenario, simulation) if scenario else []
        for outcome in outcomes:
            self.stdout.write(outcome.line)
        written = report.write(result, Path(given["report"]))
        self.stdout.write(f"report: {written.resolve()}")
        self.stdout.write(result.line)
        failed = [outcome for outcome in outcomes if not outcome.ok]
        if failed:
            raise CommandError(
                f"{len(failed)} of the scenario's {len(outcomes)} outcomes did not come true"
            )

    def _options(self, given: dict, from_scenario: dict) -> Options:
        values = asdict(Options()) | from_scenario
        values |= {
            name: value for name, value in given.items() if name in values and value is not None
        }
        if isinstance(values["start"], str):
            try:
                values["start"] = date.fromisoformat(values["start"])
            except ValueError as error:
                raise CommandError(
                    f"--start: {values['start']!r} is not a date (YYYY-MM-DD)."
                ) from error
        for name in COUNTS:
            if values[name] < 1:
                raise CommandError(
                    f"--{name.replace('_', '-')}: give 1 or more, not {values[name]}."
                )
        for name in SHARES:
            if not 0 <= values[name] <= 1:
                raise CommandError(
                    f"--{name.replace('_', '-')}: a share from 0 to 1, not {values[name]}."
                )
        return Options(**values)

    def _summary(self, console, result) -> None:
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
