from django.urls import path

from complaints import token_views, views

app_name = "complaints"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("complaints/new/", views.new_complaint, name="new"),
    path("complaints/new/lookup/", views.customer_lookup, name="customer_lookup"),
    path("complaints/<int:pk>/", views.complaint_detail, name="detail"),
    path("complaints/<int:pk>/attachments/", views.upload_attachment, name="upload_attachment"),
    path(
        "complaints/<int:pk>/attachments/<int:attachment_pk>/",
        views.download_attachment,
        name="download_attachment",
    ),
    path("complaints/<int:pk>/<slug:action>/", views.complaint_action, name="action"),
    path("work-orders/", views.work_orders, name="work_orders"),
    path("work-orders/<int:pk>/", views.work_order_detail, name="work_order"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("rules/", views.rules, name="rules"),
    path("rules/new/", views.rule_edit, name="rule_new"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("sla/", views.sla_policies, name="sla_policies"),
    path("sla/new/", views.sla_policy_edit, name="sla_policy_new"),
    path("sla/<int:pk>/", views.sla_policy_edit, name="sla_policy_edit"),
    path("notifications/", views.notifications, name="notifications"),
    path("api-tokens/", token_views.api_tokens, name="api_tokens"),
    path("api-tokens/new/", token_views.api_token_new, name="api_token_new"),
    path("api-tokens/<int:pk>/revoke/", token_views.api_token_revoke, name="api_token_revoke"),
]
