from django.urls import path

from exchange.ledger import views

app_name = "ledger"

urlpatterns = [
    path("", views.funds, name="funds"),
    path("<str:code>/request/", views.move_funds, name="move"),
    path("accounts/<int:pk>/", views.statement, name="statement"),
    path("accounts/<int:pk>/statement.csv", views.statement_csv, name="statement-csv"),
    path("bank/", views.bank_queue, name="bank"),
    path("bank/<int:pk>/<str:decision>/", views.decide, name="decide"),
    path("reconcile/", views.reconciliation, name="reconcile"),
]
