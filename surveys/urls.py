from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.index, name="index"),
    path("a/<str:token>/", views.answer, name="answer"),
    path("invitations/<int:pk>/phone/", views.phone_survey, name="phone_survey"),
]
