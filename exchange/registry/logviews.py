"""The log over plain HTTP, in the formats tlog clients already speak (C2SP tlog-tiles).

Open to anyone, never throttled, no trailing slashes, no redirects. Full tiles and bundles never
change, nor does a partial one of a given width, so they are cacheable forever; the checkpoint
changes with every append.
"""

from django.http import Http404, HttpResponse
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_safe

from exchange.registry import log, tiles

FOREVER = "public, max-age=31536000, immutable"
FRESH = "no-cache"


def _text(body: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = FRESH
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def checkpoint(request):
    return _text(log.latest_checkpoint().note)


@require_safe
def vkey(request):
    return _text(log.verifier_key(log.latest_checkpoint().key) + "\n")


@require_safe
@gzip_page  # entry bundles are JSON and shrink well; hash tiles are left as they are
def tile(request, path: str):
    try:
        level, index, width = tiles.parse_tile_path(f"tile/{path}")
    except ValueError as error:
        raise Http404(str(error)) from error
    size = log.latest_checkpoint().size
    if level is None:
        data = log.entry_bundle(index, width, size)
    else:
        data = log.tile_data(level, index, width, size)
    if data is None:
        raise Http404("No such tile at the latest checkpoint's size.")
    response = HttpResponse(data, content_type="application/octet-stream")
    # A tile or bundle of a given width never changes (tiles only grow, into wider names).
    response["Cache-Control"] = FOREVER
    response["Access-Control-Allow-Origin"] = "*"
    return response
