from django.urls import path

from complaints import token_views, views, views_customers, views_webhooks

app_name = "complaints"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("complaints/new/", views.new_complaint, name="new"),
    path("complaints/export/", views.export_complaints, name="export"),
    path("complaints/new/lookup/", views.customer_lookup, name="customer_lookup"),
    path("complaints/<int:pk>/", views.complaint_detail, name="detail"),
    path("complaints/<int:pk>/attachments/", views.upload_attachment, name="upload_attachment"),
    path(
        "complaints/<int:pk>/attachments/<int:attachment_pk>/",
        views.download_attachment,
        name="download_attachment",
    ),
    path("complaints/<int:pk>/<slug:action>/", views.complaint_action, name="action"),
    path("customers/<int:pk>/", views_customers.customer_record, name="customer"),
    path("customers/<int:pk>/export/", views_customers.customer_export, name="customer_export"),
    path(
        "customers/<int:pk>/anonymise/",
        views_customers.customer_anonymise,
        name="customer_anonymise",
    ),
    path("work-orders/", views.work_orders, name="work_orders"),
    path("work-orders/<int:pk>/", views.work_order_detail, name="work_order"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/trends/", views.dashboard_trends, name="trends"),
    path("dashboard/export/", views.dashboard_export, name="dashboard_export"),
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
    path("webhooks/", views_webhooks.subscriptions, name="webhooks"),
    path("webhooks/new/", views_webhooks.subscription_edit, name="webhook_new"),
    path("webhooks/<int:pk>/", views_webhooks.subscription_detail, name="webhook"),
    path("webhooks/<int:pk>/edit/", views_webhooks.subscription_edit, name="webhook_edit"),
    path(
        "webhooks/<int:pk>/<slug:action>/",
        views_webhooks.subscription_action,
        name="webhook_action",
    ),
    path(
        "webhooks/deliveries/<int:pk>/",
        views_webhooks.delivery_detail,
        name="webhook_delivery",
    ),
]
