from rest_framework.routers import SimpleRouter

from repair.api import views

# SimpleRouter, as complaints.api.urls: the schema lists the endpoints.
router = SimpleRouter()
router.register("callbacks", views.CallbackViewSet, basename="callback")

urlpatterns = router.urls
