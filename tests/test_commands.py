from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from exchange import clock


def run(*args) -> str:
    out = StringIO()
    call_command("clock", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_clock_command_sets_advances_and_returns_to_real_time():
    assert run().endswith("(real time)\n")
    assert run("set", "2026-12-01T09:00").startswith("2026-12-01 09:00:00 CST (simulated)")
    assert run("advance", "3d").startswith("2026-12-04 09:00:00")
    assert run("advance", "90m").startswith("2026-12-04 10:30:00")
    run("real")
    assert not clock.is_simulated()


@pytest.mark.django_db
@pytest.mark.parametrize("args", [("set", "tomorrow"), ("advance", "-1d"), ("advance", "3 weeks")])
def test_clock_command_refuses_bad_input(args):
    with pytest.raises(CommandError):
        run(*args)
    assert not clock.is_simulated()
