from django.urls import path
from rest_framework.routers import SimpleRouter

from surveys.api import views

# SimpleRouter: no browsable root view to describe; the schema lists the endpoints.
router = SimpleRouter()
router.register("surveys/responses", views.SurveyResponseViewSet, basename="surveyresponse")
router.register("surveys/invitations", views.SurveyInvitationViewSet, basename="surveyinvitation")
router.register("surveys/sms-replies", views.SmsReplyViewSet, basename="smsreply")

urlpatterns = [
    path("surveys/results/", views.SurveyResultsView.as_view(), name="survey-results"),
    *router.urls,
]
