from django.urls import path

from complaints import views

app_name = "complaints"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("complaints/new/", views.new_complaint, name="new"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
