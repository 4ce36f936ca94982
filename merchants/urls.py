from django.urls import path

from merchants import views

app_name = "merchants"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("mine/", views.mine, name="mine"),
    path("apply/", views.apply, name="apply"),
    path("check-credit-code/", views.check_credit_code, name="check-credit-code"),
    path("queue/", views.queue, name="queue"),
    path("all/", views.all_merchants, name="all"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/documents/", views.upload_document, name="document-upload"),
    path(
        "<int:pk>/documents/<int:document_pk>/", views.download_document, name="document-download"
    ),
    path(
        "<int:pk>/documents/<int:document_pk>/remove/",
        views.remove_document,
        name="document-remove",
    ),
    path("<int:pk>/<slug:action>/", views.act, name="act"),
]
