from django.urls import path
from rest_framework.routers import SimpleRouter

from repair.api import views

# SimpleRouter, as complaints.api.urls: the schema lists the endpoints.
router = SimpleRouter()
router.register("callbacks", views.CallbackViewSet, basename="callback")
router.register("repair/cases", views.RepairCaseViewSet, basename="repaircase")
router.register("repair/strategies", views.RepairStrategyViewSet, basename="repairstrategy")
router.register("repair/key-events", views.KeyEventViewSet, basename="keyevent")

urlpatterns = [
    path("repair/metrics/", views.RepairMetricsView.as_view(), name="repair-metrics"),
    *router.urls,
]
