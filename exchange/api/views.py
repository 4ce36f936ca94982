"""Exchange-wide API: notifications and the business clock."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from exchange import clock, notifications
from exchange.api.serializers import ModelSerializer
from exchange.models import Notification


class NotificationSerializer(ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "read_at", "created_at"]
        read_only_fields = fields


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """The caller's own notifications, newest first."""

    serializer_class = NotificationSerializer
    filterset_fields = ["kind"]
    search_fields = ["title"]
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return Notification.objects.filter(recipient_id=self.request.user.pk)

    @extend_schema(request=None, responses=NotificationSerializer, summary="Mark as read")
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = notifications.mark_read(notification=self.get_object(), actor=request.user)
        return Response(NotificationSerializer(notification).data)

    @extend_schema(
        request=None,
        responses=inline_serializer("MarkedRead", {"marked": serializers.IntegerField()}),
        summary="Mark all as read",
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": notifications.mark_all_read(actor=request.user)})


class ClockView(APIView):
    @extend_schema(
        responses=inline_serializer(
            "BusinessClock",
            {"now": serializers.DateTimeField(), "simulated": serializers.BooleanField()},
        ),
        summary="The business clock",
    )
    def get(self, request):
        return Response({"now": clock.now(), "simulated": clock.is_simulated()})
