"""The project's URLs plus one that fails, for the 500 page test."""

from django.urls import path

from exchange.urls import urlpatterns as project_urlpatterns


def boom(request):
    raise RuntimeError("an unexpected failure")


urlpatterns = [path("boom/", boom), *project_urlpatterns]
