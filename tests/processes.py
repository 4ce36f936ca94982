"""Helpers for tests that start real server processes (gunicorn, Celery, bin/stack)."""

import os
import signal
import subprocess


def stop_process_group(process: subprocess.Popen, *, timeout: float = 20) -> None:
    """SIGTERM to the process's whole group (it was started with start_new_session=True), then
    SIGKILL if it has not exited within ``timeout`` seconds."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
