from django.urls import path

from listings import views

app_name = "listings"

urlpatterns = [
    path("catalog/", views.catalog, name="catalog"),
    path("notices/", views.notices, name="notices"),
    path("catalog/<int:pk>/", views.catalog_item, name="catalog-item"),
    path("products/", views.product_list, name="products"),
    path("products/new/", views.product_new, name="product-new"),
    path("products/precheck/", views.precheck, name="precheck"),
    path("products/versions/<int:pk>/", views.version_detail, name="version-detail"),
    path("products/versions/<int:pk>/edit/", views.version_edit, name="version-edit"),
    path("products/versions/<int:pk>/diff/<int:other>/", views.version_diff, name="version-diff"),
    path(
        "products/versions/<int:pk>/documents/<int:document_pk>/remove/",
        views.document_remove,
        name="document-remove",
    ),
    path("products/versions/<int:pk>/claim/", views.version_claim, name="version-claim"),
    path("products/versions/<int:pk>/release/", views.version_release, name="version-release"),
    path("products/versions/<int:pk>/decide/", views.version_decide, name="version-decide"),
    path("products/versions/<int:pk>/object/", views.version_object, name="version-object"),
    path("products/versions/<int:pk>/new-version/", views.version_new, name="version-new"),
    path("products/versions/<int:pk>/sample/", views.version_sample, name="version-sample"),
    path(
        "products/versions/<int:pk>/sample/download/",
        views.version_sample_file,
        name="version-sample-download",
    ),
    path(
        "products/versions/<int:pk>/documents/<int:document_pk>/download/",
        views.version_document_file,
        name="document-download",
    ),
    path("products/versions/<int:pk>/document/", views.version_document, name="version-document"),
    path("products/versions/<int:pk>/list/", views.version_list, name="version-list"),
    path("products/versions/<int:pk>/<slug:action>/", views.version_act, name="version-act"),
    path("products/objections/<int:pk>/", views.objection_detail, name="objection-detail"),
    path("products/objections/<int:pk>/<slug:action>/", views.objection_act, name="objection-act"),
    path("reviews/", views.review_queues, name="reviews"),
    path("reviews/health/", views.queue_health, name="queue-health"),
    path("listings/<int:pk>/", views.listing_detail, name="listing-detail"),
    path("listings/<int:pk>/claim/", views.listing_claim, name="listing-claim"),
    path("listings/<int:pk>/decide/", views.listing_decide, name="listing-decide"),
    path("listings/<int:pk>/<slug:action>/", views.listing_act, name="listing-act"),
]
