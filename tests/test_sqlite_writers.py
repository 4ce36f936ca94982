"""The embedded default under parallel writes: eight sign-ups at once against a real server on a
SQLite file all succeed; writers queue for SQLite's one writer lock instead of failing.

They used to fail with "database is locked": each sign-up hashed its password (PBKDF2, about a
second by design) inside its write transaction, which holds the lock from BEGIN IMMEDIATE, so the
writers queued a second each and the last ones ran past the busy timeout. The server here runs
with a 3-second timeout (SQLITE_TIMEOUT) and the real password hasher, so the test fails if any
write transaction again holds the lock for the length of a hash.
"""

import http.cookiejar
import json
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tests.processes import stop_process_group
from tests.test_deploy import clean_environ, free_port

ROOT = Path(__file__).resolve().parents[1]
PARALLEL = 8
PASSWORD = "correct-horse-battery-9"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def api_sign_up(base: str, number: int) -> int:
    body = json.dumps(
        {
            "organisation_name": f"并发注册公司{number}",
            "kind": "buyer",
            "username": f"parallel{number}",
            "email": f"parallel{number}@example.com",
            "password": PASSWORD,
        }
    ).encode()
    request = urllib.request.Request(
        f"{base}/api/auth/signup/", data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def page_sign_up(base: str, number: int) -> int:
    """The sign-up page, which also signs the new admin in (a session, last_login, axes' log)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    form = opener.open(f"{base}/accounts/signup/", timeout=60).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "kind": "merchant",
            "organisation_name": f"并发页面公司{number}",
            "username": f"page{number}",
            "email": f"page{number}@example.com",
            "password": PASSWORD,
            "password_again": PASSWORD,
        }
    ).encode()
    request = urllib.request.Request(
        f"{base}/accounts/signup/", data=data, headers={"Referer": f"{base}/accounts/signup/"}
    )
    try:
        with opener.open(request, timeout=120) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_eight_parallel_sign_ups_on_a_sqlite_file_all_succeed(tmp_path):
    env = clean_environ(
        DJANGO_SETTINGS_MODULE="exchange.settings.base",  # the embedded default, real hasher
        DJANGO_DEBUG="false",
        DATABASE_URL=f"sqlite:///{tmp_path / 'exchange.sqlite3'}",
        PRIVATE_MEDIA_ROOT=str(tmp_path / "uploads"),
        SQLITE_TIMEOUT="3",
        PYTHONUNBUFFERED="1",
    )
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert migrate.returncode == 0, migrate.stderr
    port = free_port()
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "exchange.wsgi:application",
             "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4",
             "--worker-class", "gthread", "--no-control-socket", "--timeout", "120"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log_path.read_text()[-3000:]
            assert time.monotonic() < deadline, log_path.read_text()[-3000:]
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=5).close()
                break
            except (ConnectionError, urllib.error.URLError, TimeoutError):
                time.sleep(0.2)

        barrier = threading.Barrier(PARALLEL)
        statuses = {}

        def sign_up(number: int) -> None:
            barrier.wait(timeout=30)
            kind = api_sign_up if number % 2 else page_sign_up
            statuses[number] = (kind.__name__, kind(base, number))

        threads = [threading.Thread(target=sign_up, args=(n,)) for n in range(PARALLEL)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        expected = {
            n: ("api_sign_up", 201) if n % 2 else ("page_sign_up", 302) for n in range(PARALLEL)
        }
        server_log = log_path.read_text()
        assert statuses == expected, server_log[-3000:]
        assert "database is locked" not in server_log
    finally:
        stop_process_group(server, timeout=15)
    count = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c",
         "from exchange.accounts.models import User; print(User.objects.count())"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert count.stdout.strip().splitlines()[-1] == str(PARALLEL), count.stderr
