"""/healthz: is this instance able to serve? Database and broker reachable."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from kombu import Connection


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"  # embedded default: tasks run in-process, there is no broker to reach
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as broker:
        broker.ensure_connection(max_retries=1)
    return "ok"


@never_cache
def healthz(request):
    checks, healthy = {}, True
    for name, probe in (("database", _database), ("broker", _broker)):
        try:
            checks[name] = probe()
        except Exception as error:
            checks[name] = f"error: {type(error).__name__}"
            healthy = False
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )
