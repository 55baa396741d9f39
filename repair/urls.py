from django.urls import path

from repair import views

app_name = "repair"

urlpatterns = [
    path("callbacks/", views.callbacks, name="callbacks"),
    path("repair/", views.cases, name="cases"),
]
