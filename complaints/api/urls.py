from django.urls import path
from rest_framework.routers import SimpleRouter

from complaints.api import reports, views, webhooks

# SimpleRouter: no browsable root view to describe; the schema lists the endpoints.
router = SimpleRouter()
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("complaints", views.ComplaintViewSet, basename="complaint")
router.register("work-orders", views.WorkOrderViewSet, basename="workorder")
router.register("sla-policies", views.SlaPolicyViewSet, basename="slapolicy")
router.register("notifications", views.NotificationViewSet, basename="notification")
router.register(
    "webhooks/subscriptions", webhooks.WebhookSubscriptionViewSet, basename="webhooksubscription"
)
router.register("webhooks/deliveries", webhooks.WebhookDeliveryViewSet, basename="webhookdelivery")

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("reports/board/", reports.BoardView.as_view(), name="report-board"),
    path("reports/trends/", reports.TrendsView.as_view(), name="report-trends"),
    *router.urls,
]
