"""Schemathesis hooks for tests/test_api_fuzz.py: aim generated requests at rows that exist.

The schemathesis CLI imports this module (``SCHEMATHESIS_HOOKS=tests.fuzz_hooks``); the test writes
the rows the current role can see to the JSON file named by ``FUZZ_ROWS``: path-parameter sets by
path prefix, longest prefix first, e.g. ``{"/api/merchants/{merchant_pk}/documents/{id}/":
[{"merchant_pk": 3, "id": 7}], "/api/merchants/{id}/": [{"id": 3}, ...]}``.

- Coverage (and examples) cases are given real rows in turn, so the positive cases the coverage
  phase derives from the schema reach the services and real serialised rows, not only the 404.
- Fuzzing cases keep their generated parameters half of the time (the 404s, the odd values) and
  get a real row the other half.
"""

import json
import os
from itertools import count
from pathlib import Path

import schemathesis
from hypothesis import strategies as st

ROWS: dict[str, list[dict]] = json.loads(Path(os.environ["FUZZ_ROWS"]).read_text())
_turns: dict[str, count] = {}


def rows_for(path: str) -> list[dict]:
    prefix = next((prefix for prefix in ROWS if path.startswith(prefix)), None)
    return ROWS[prefix] if prefix else []


@schemathesis.hook
def map_case(context, case):
    """Coverage and examples cases take the next real row of their operation."""
    if case.meta is None or case.meta.phase.name not in ("coverage", "examples"):
        return case
    path = context.operation.path
    rows = rows_for(path)
    if rows and case.path_parameters:
        turn = next(_turns.setdefault(f"{case.method} {path}", count()))
        case.path_parameters = {**case.path_parameters, **rows[turn % len(rows)]}
    return case


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    """Half the fuzzing cases address rows that exist."""
    rows = rows_for(context.operation.path)
    if not rows:
        return st.just(path_parameters)
    # Hypothesis leans towards the first alternative: the real rows come first.
    return st.one_of(
        st.sampled_from(rows).map(lambda known: {**path_parameters, **known}),
        st.just(path_parameters),
    )
