from django.urls import path

from settlement import views

app_name = "settlement"

urlpatterns = [
    path("orders/", views.order_list, name="orders"),
    path("orders/new/<int:plan_pk>/", views.order_new, name="order-new"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("orders/<int:pk>/pay/", views.order_pay, name="order-pay"),
    path("orders/<int:pk>/deliver/", views.order_deliver, name="order-deliver"),
    path("orders/<int:pk>/accept/", views.order_accept, name="order-accept"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="order-cancel"),
    path("deliveries/<int:pk>/download/", views.download, name="download"),
    path("buyers/apply/", views.buyer_apply, name="buyer-apply"),
    path("buyers/", views.buyer_queue, name="buyers"),
    path("buyers/<int:pk>/<str:action>/", views.buyer_decide, name="buyer-decide"),
]
