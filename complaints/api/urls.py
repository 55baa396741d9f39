from django.urls import path

from complaints.api import views

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
]
