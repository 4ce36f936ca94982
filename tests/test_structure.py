"""Structural checks that keep the API's conventions true as it grows (STYLE §9, §13)."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.permissions import AllowAny
from rest_framework.viewsets import ViewSetMixin

from tests.ledger.test_permissions import LEDGER_API_MATRIX
from tests.listings.test_permissions import LISTINGS_API_MATRIX
from tests.settlement.test_permissions import SETTLEMENT_API_MATRIX
from tests.test_cross_organisation import covered_api_paths
from tests.test_permissions import API_MATRIX

# Routes not in the permission matrix, each for a reason. This list may only shrink.
NOT_IN_MATRIX = {
    "/api/schema/": "public OpenAPI document",
    "/api/docs/": "public Swagger UI",
    "/api/redoc/": "public ReDoc",
    "/api/auth/token/": "login: anyone may try (throttled: scope token, and django-axes); tested in test_api",
    "/api/auth/signup/": "sign-up is public; tested in accounts tests",
    "/api/auth/accept-invitation/": "public with a secret token; tested in accounts tests",
    "/api/merchant-categories/{id}/": "reference data detail, same view as the list",
    "/api/organisations/{id}/": "same scoping as the list; covered by accounts tests",
    "/api/invitations/{id}/": "same scoping as the list; covered by accounts tests",
    "/api/invitations/{id}/revoke/": "covered by accounts tests",
    "/api/notifications/{id}/": "own notifications only; covered by test_notifications",
    "/api/notifications/{id}/read/": "covered by test_notifications",
    "/api/notifications/read-all/": "covered by test_notifications",
    "/api/products/": "open product: in the matrix as POST; the router has no list",
    "/api/boards/{id}/": "reference data detail, same view as the list",
    "/api/scenarios/{id}/": "reference data detail, same view as the list",
}
# Views anyone may use without signing in; each is public on purpose. This list may only shrink.
PUBLIC_VIEWS = {
    "CatalogViewSet",  # the public catalogue of listed items
    "BoardViewSet",  # reference data
    "ScenarioViewSet",  # reference data
    "TokenView",
    "SignUpView",
    "AcceptInvitationView",
    "SpectacularAPIView",
    "SpectacularSwaggerView",
    "SpectacularRedocView",
    # The registry and its log are a public record that anyone may check (issue 5).
    "CertificateViewSet",
    "LatestCheckpointView",
    "InclusionProofView",
    "ConsistencyProofView",
    "EntryBatchView",
    "EntryView",
}


def api_routes():
    """(normalised path, view callback) for every URL under /api/."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern.callback

    for raw, callback in walk(get_resolver().url_patterns):
        path = "/" + raw.replace("^", "").replace("$", "").replace("\\Z", "")
        path = re.sub(r"\(\?P<[^>]+>[^)]+\)|<[^>]+>", "{id}", path)
        if path.startswith("/api/"):
            yield path, callback


ROUTES = sorted(set(api_routes()), key=lambda r: r[0])


def test_routes_were_found():
    assert len(ROUTES) > 20


@pytest.mark.parametrize(("path", "callback"), ROUTES, ids=[p for p, _ in ROUTES])
def test_every_route_is_in_the_matrix_or_a_named_exception(path, callback):
    # The cross-organisation tests run every role against every nested route (a matrix generated
    # from the URL resolver).
    matrix_paths = (
        {entry[3] for entry in API_MATRIX}
        | {re.sub(r"\{\w+\}", "{id}", entry[2].split("?")[0]) for entry in LISTINGS_API_MATRIX}
        | {re.sub(r"\{\w+\}", "{id}", entry[2]) for entry in LEDGER_API_MATRIX}
        | {re.sub(r"\{\w+\}", "{id}", entry[2]) for entry in SETTLEMENT_API_MATRIX}
        | covered_api_paths()
    )
    assert path in matrix_paths or path in NOT_IN_MATRIX, (
        f"{path} is neither in the permission matrix nor excused"
    )


@pytest.mark.parametrize(("path", "callback"), ROUTES, ids=[p for p, _ in ROUTES])
def test_every_route_has_permission_classes(path, callback):
    view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    assert view is not None, f"{path} is not a DRF view"
    permissions = getattr(view, "permission_classes", [])
    assert permissions, f"{path} has no permission classes"
    if view.__name__ not in PUBLIC_VIEWS:
        assert AllowAny not in permissions, f"{path} is open to anyone"


@pytest.mark.parametrize(("path", "callback"), ROUTES, ids=[p for p, _ in ROUTES])
def test_every_list_is_paginated(path, callback):
    view = getattr(callback, "cls", None)
    actions = getattr(callback, "actions", {}) or {}
    is_list = actions.get("get") == "list" or (
        view is not None
        and issubclass(view, ViewSetMixin)
        and actions.get("get") in {"queue", "events"}
    )
    if is_list:
        assert view.pagination_class is not None, f"{path} is a list without pagination"


def test_no_excuse_is_stale():
    paths = {p for p, _ in ROUTES}
    assert set(NOT_IN_MATRIX) <= paths, f"remove stale entries: {set(NOT_IN_MATRIX) - paths}"


def test_every_transactional_test_restores_the_reference_data():
    """A transactional test without serialized_rollback ends with a flush that recreates content
    types, permissions and groups under new ids; the next test that restores the serialized
    reference data then collides with them."""
    from pathlib import Path

    offenders = [
        f"{path.name}:{number}"
        for path in Path(__file__).parent.rglob("*.py")
        if path.name != "test_structure.py"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "django_db(transaction=True" in line.replace(" ", "")
        and "serialized_rollback=True" not in line
    ]
    assert not offenders, offenders


# The layers, top to bottom: a module imports only from its own layer or those below it.
LAYERS = ["seeds", "market", "settlement", "listings", "merchants", "exchange"]


def _imports(path):
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module.split(".")[0]


def test_each_layer_imports_only_the_layers_below_it():
    """exchange/ (the core) imports no app; no app imports market/ or seeds/ (README, Layout)."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    offenders = []
    for layer in LAYERS:
        rank = LAYERS.index(layer)
        for path in (root / layer).rglob("*.py"):
            for line, imported in _imports(path):
                if imported in LAYERS and LAYERS.index(imported) < rank:
                    offenders.append(f"{path.relative_to(root)}:{line} imports {imported}")
    assert not offenders, "\n".join(offenders)
