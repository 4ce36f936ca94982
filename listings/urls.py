from django.urls import path

from listings import views

app_name = "listings"

urlpatterns = [
    path("catalog/", views.catalog, name="catalog"),
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
    path("products/versions/<int:pk>/<slug:action>/", views.version_act, name="version-act"),
    path("products/objections/<int:pk>/decide/", views.objection_decide, name="objection-decide"),
    path("reviews/", views.review_queues, name="reviews"),
    path("reviews/health/", views.queue_health, name="queue-health"),
    path("listings/<int:pk>/", views.listing_detail, name="listing-detail"),
    path("listings/<int:pk>/<slug:action>/", views.listing_act, name="listing-act"),
]
