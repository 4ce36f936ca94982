"""Schemathesis: the API against its own OpenAPI schema, served by gunicorn over realistic data.

The module serves the app the way it is deployed (gunicorn, two workers, debug off) on a database
of its own (a SQLite file, or a PostgreSQL database next to the test database), filled by
``seed_demo`` through the services: merchants in every onboarding state, products at every stage,
listings, objections, notifications and a certificate log with originals and amendments, so the
responses carry real rows (nulls included).

Then, once anonymous and once as each demo role with an API token (buyer, merchant admin,
operator), the schemathesis CLI runs the examples, coverage (positive cases derived from the
schema) and fuzzing phases with the checks ``not_a_server_error``, ``status_code_conformance``,
``content_type_conformance`` and ``response_schema_conformance``. Hooks (tests/fuzz_hooks.py) aim
the cases at rows the role can see. A second pass reads every such row through every GET
operation that addresses one, so each row's serialisation is checked against the schema.

Generation is seeded, so a run repeats; the whole module takes a few minutes on two cores.
"""

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
import schemathesis
from django.db import connection
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.processes import stop_process_group

pytestmark = pytest.mark.fuzz

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEMO_PASSWORD = "shde-demo-2026"  # seeds.demo: every demo account shares it
ROLES = ["anonymous", "buyer", "merchant", "operator"]  # readers first: the writers change rows
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
]
PY_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Fuzzing cases per operation and generation mode; the coverage phase adds its own (every
# positive case the schema defines). Sized so that four runs fit in a few minutes on two cores.
FUZZ_EXAMPLES = 3
SEED = 20260801
# The coverage phase derives hundreds of bodies from the big write schemas (the description
# sheet, the application); for a role that the view refuses before reading the body, all of them
# meet the same 403/401, so those operations are only fuzzed for that role.
COVERAGE_ONLY_FOR = {
    ("POST", "/api/products/"): {"merchant"},
    ("PATCH", "/api/product-versions/{id}/"): {"merchant"},
    ("POST", "/api/merchants/"): set(),  # the demo merchant already has its live application
    ("PATCH", "/api/merchants/{id}/"): set(),  # and it is not editable once active
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(args, env, *, timeout=300):
    result = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{' '.join(map(str, args))}:\n{result.stdout}\n{result.stderr}"
    return result


class FuzzDatabase:
    """A database of the fuzz run's own, on the profile's engine: what gunicorn serves."""

    def __init__(self, tmp: Path):
        self.vendor = connection.vendor
        if self.vendor == "sqlite":
            self.url = f"sqlite:///{tmp / 'fuzz.sqlite3'}"
            return
        base = urlsplit(os.environ["DATABASE_URL"])
        self.name = f"{base.path.lstrip('/')}_fuzz"
        self.url = urlunsplit(base._replace(path=f"/{self.name}"))
        self.admin_url = urlunsplit(base._replace(path="/postgres"))
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._execute(f'CREATE DATABASE "{self.name}"')

    def _execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(sql)

    def drop(self) -> None:
        if self.vendor != "sqlite":
            self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """gunicorn serving the seeded demo exchange; yields its base URL and the run's folder."""
    tmp = tmp_path_factory.mktemp("fuzz")
    database = FuzzDatabase(tmp)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("CELERY_BROKER_URL", "REQUIRE_SERVICES", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(
        DATABASE_URL=database.url,
        DJANGO_SETTINGS_MODULE="exchange.settings.test",
        DJANGO_DEBUG="false",
        PRIVATE_MEDIA_ROOT=str(tmp / "media"),
        PYTHONUNBUFFERED="1",
    )
    run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env)
    run([PYTHON, "manage.py", "seed_demo"], env, timeout=600)
    port = free_port()
    log_path = tmp / "gunicorn.log"
    with log_path.open("w") as log:
        gunicorn = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "exchange.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "2", "--no-control-socket", "--timeout", "60"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert gunicorn.poll() is None, f"gunicorn exited:\n{log_path.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"gunicorn did not answer:\n{log_path.read_text()[-3000:]}"  # fmt: skip
            try:
                if requests.get(f"{base}/api/schema/", timeout=30).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.3)
        yield {"base": base, "tmp": tmp, "log": log_path}
    finally:
        stop_process_group(gunicorn, timeout=15)
        database.drop()


def token_for(base: str, username: str) -> str:
    response = requests.post(
        f"{base}/api/auth/token/",
        json={"username": username, "password": DEMO_PASSWORD},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()["token"]


def visible_rows(base: str, headers: dict) -> dict[str, list[dict]]:
    """Path parameters of the rows this caller can list, by schema path prefix (longest first)."""
    session = requests.Session()
    session.headers.update(headers)

    def every(path: str) -> list[dict]:
        rows, url = [], f"{base}{path}"
        while url:
            response = session.get(url, timeout=30)
            if response.status_code != 200:
                return rows
            body = response.json()
            if isinstance(body, list):
                return body
            rows += body["results"]
            url = body.get("next")
        return rows

    merchants = [row["id"] for row in every("/api/merchants/")]
    documents = [
        {"merchant_pk": merchant, "id": document["id"]}
        for merchant in merchants
        for document in every(f"/api/merchants/{merchant}/documents/")
    ]
    versions = every("/api/product-versions/")
    version_documents = []
    for version in versions:
        detail = session.get(f"{base}/api/product-versions/{version['id']}/", timeout=30).json()
        version_documents += [
            {"id": version["id"], "document_pk": document["id"]}
            for document in detail.get("documents") or []
        ]
    checkpoint = session.get(f"{base}/api/registry/log/checkpoint/", timeout=30)
    log_size = checkpoint.json()["size"] if checkpoint.status_code == 200 else 0

    def ids(path, key="id", param="id"):
        return [{param: row[key]} for row in every(path)]

    return {
        "/api/merchants/{merchant_pk}/documents/{id}/": documents,
        "/api/merchants/{merchant_pk}/documents/": [{"merchant_pk": m} for m in merchants],
        "/api/merchants/{id}/": [{"id": m} for m in merchants],
        "/api/product-versions/{id}/documents/{document_pk}/": version_documents,
        "/api/product-versions/{id}/": [{"id": v["id"]} for v in versions],
        "/api/products/{id}/": [{"id": p} for p in sorted({v["product"] for v in versions})],
        "/api/listings/{id}/": ids("/api/listings/"),
        "/api/objections/{id}/": ids("/api/objections/"),
        "/api/notifications/{id}/": ids("/api/notifications/"),
        "/api/organisations/{id}/": ids("/api/organisations/"),
        "/api/invitations/{id}/": ids("/api/invitations/"),
        "/api/catalog/{id}/": ids("/api/catalog/"),
        "/api/registry/certificates/{number}/": ids(
            "/api/registry/certificates/", "number", "number"
        ),
        "/api/registry/log/entries/{index}/": [{"index": i} for i in range(min(log_size, 8))],
        "/api/boards/{code}/": ids("/api/boards/", "code", "code"),
        "/api/scenarios/{code}/": ids("/api/scenarios/", "code", "code"),
        "/api/merchant-categories/{code}/": ids("/api/merchant-categories/", "code", "code"),
    }


def public_operations(schema: dict) -> set[tuple[str, str]]:
    """Operations open to anyone: drf-spectacular lists the empty requirement ``{}`` for them, or
    no requirement at all for views without authentication (signing in, signing up)."""
    return {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and {} in operation.get("security", [{}])
    }


def config_for(role: str, schema: dict) -> str:
    lines = [
        "[auth]",
        # The role's token is sent as a header; schemathesis must not sign up accounts of its own.
        "auto-signup = false",
        "",
        "[phases.coverage.generation]",
        'mode = "positive"',
        "",
    ]
    skipped = {operation for operation, roles in COVERAGE_ONLY_FOR.items() if role not in roles}
    if role == "anonymous":
        # Signed out, every other operation answers 401 whatever the request: fuzzing checks that
        # answer; the coverage phase's cases would all meet it too.
        every = {
            (method.upper(), path)
            for path, item in schema["paths"].items()
            for method in item
            if method in ("get", "post", "put", "patch", "delete")
        }
        skipped |= every - public_operations(schema)
    for method, path in sorted(skipped):
        lines += [
            "[[operations]]",
            f'include-method = "{method}"',
            f'include-path = "{path}"',
            "phases.coverage.enabled = false",
            "",
        ]
    return "\n".join(lines)


def failures_of(output: str) -> str:
    """The report's failures section, or its end when there is none."""
    found = re.search(
        r"={3,} FAILURES ={3,}(.*?)(?:={3,} (?:WARNINGS|SUMMARY) ={3,})", output, re.S
    )
    return found.group(1) if found else output[-4000:]


@pytest.mark.parametrize("role", ROLES)
def test_api_conforms_to_its_schema(served, role):
    base, tmp = served["base"], served["tmp"] / role
    tmp.mkdir()
    headers = {} if role == "anonymous" else {"Authorization": f"Token {token_for(base, role)}"}
    rows = visible_rows(base, headers)
    (tmp / "rows.json").write_text(json.dumps(rows))
    schema = requests.get(f"{base}/api/schema/?format=json", timeout=60).json()
    (tmp / "schemathesis.toml").write_text(config_for(role, schema))
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.fuzz_hooks",
        "FUZZ_ROWS": str(tmp / "rows.json"),
        "PYTHONPATH": str(ROOT),
    }
    header_args = [arg for key, value in headers.items() for arg in ("-H", f"{key}: {value}")]
    st = Path(PYTHON).with_name("st")
    command = [
        str(st), "--config-file", str(tmp / "schemathesis.toml"), "run", f"{base}/api/schema/",
        "--phases", "examples,coverage,fuzzing", "--checks", ",".join(CHECKS),
        "--max-examples", str(FUZZ_EXAMPLES), "--seed", str(SEED), "--workers", "2",
        "--no-color", "--request-timeout", "60", *header_args,
    ]  # fmt: skip
    # Run in the role's folder: schemathesis keeps its cache of past crashes in the working
    # directory, and a run must not replay another's.
    result = subprocess.run(
        command, cwd=tmp, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    output = result.stdout + result.stderr
    (tmp / "schemathesis.txt").write_text(output)
    tested = re.search(r"Tested: (\d+)", output)
    operations = re.search(r"Selected: \d+/(\d+)", output)
    assert tested and operations and tested.group(1) == operations.group(1), output[-3000:]
    assert result.returncode == 0, (
        f"schemathesis as {role} found problems (full output in {tmp / 'schemathesis.txt'}):\n"
        + failures_of(output)
    )

    # Every row the role can see, through every GET operation that addresses one.
    loaded = schemathesis.openapi.from_url(
        f"{base}/api/schema/",
        config=schemathesis.Config.from_dict({"auth": {"auto-signup": False}}),
    )
    problems, read = [], 0
    for result in loaded.get_all_operations():
        operation = result.ok()
        if operation.method.lower() != "get" or "{" not in operation.path:
            continue
        prefix = next((p for p in rows if operation.path.startswith(p)), None)
        for parameters in rows.get(prefix, []):
            case = operation.Case(path_parameters=parameters)
            try:
                case.call_and_validate(base_url=base, headers=headers, checks=PY_CHECKS)
            except (Failure, FailureGroup) as error:
                problems.append(f"GET {operation.path} {parameters}: {error}")
            read += 1
    generated = re.search(r"(\d+) generated", output)
    print(f"{role}: {generated.group(1) if generated else '?'} cases generated, {read} rows read")
    assert read > (5 if role == "anonymous" else 30)
    assert not problems, "\n\n".join(problems[:20])
