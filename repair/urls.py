from django.urls import path

from repair import views

app_name = "repair"

urlpatterns = [
    path("callbacks/", views.callback_queue, name="callbacks"),
    path("callbacks/availability/", views.availability, name="availability"),
    path("callbacks/report/", views.callback_report, name="callback_report"),
    path("callbacks/<int:pk>/claim/", views.claim, name="claim"),
    path("callbacks/<int:pk>/attempt/", views.attempt, name="attempt"),
    path("repair/", views.cases, name="cases"),
    path("repair/new/", views.open_case, name="open_case"),
    path("repair/<int:pk>/", views.case_detail, name="case"),
    path("repair/strategies/", views.strategy_library, name="strategies"),
    path("repair/strategies/new/", views.strategy_edit, name="strategy_new"),
    path("repair/strategies/<int:pk>/", views.strategy_edit, name="strategy_edit"),
    path("repair/key-events/", views.key_events, name="key_events"),
    path("repair/key-events/<int:pk>/", views.key_event_detail, name="key_event"),
    path("repair/key-events/<int:pk>/skipped.csv", views.key_event_errors, name="key_event_errors"),
]
