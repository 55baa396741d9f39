"""Who may call which endpoint: one matrix over callers × endpoints; and token scopes.

The scene: a complaint of team A, created by and assigned to ``agent``, with a
work order dispatched to Billing (``department_user``'s department), an SLA
policy, and a notification for ``agent``. Tokens act as ``integration_user``, an
agent of team A, except the department's token, which acts as ``department_user``.
"""

import pytest
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from complaints import services
from complaints.api.permissions import TokenHasScope
from complaints.models import Department, Notification, SlaPolicy
from tests.factories import make_complaint

pytestmark = pytest.mark.django_db

READ, WRITE, ANSWER = "complaints:read", "complaints:write", "workorders:write"

# endpoint → (method, path with {complaint}/{work_order}/{policy}/{notification}, body)
ENDPOINTS = {
    "complaints.list": ("get", "/api/v1/complaints/", None),
    "complaints.create": (
        "post",
        "/api/v1/complaints/",
        {"phone": "13900001111", "channel": "phone", "description": "No signal"},
    ),
    "complaints.detail": ("get", "/api/v1/complaints/{complaint}/", None),
    "complaints.patch": ("patch", "/api/v1/complaints/{complaint}/", {"emotion": "upset"}),
    "complaints.notes": ("post", "/api/v1/complaints/{complaint}/notes/", {"text": "Called"}),
    "complaints.reclassify": (
        "post",
        "/api/v1/complaints/{complaint}/reclassify/",
        {"priority": "urgent", "reason": "Sparks from the router"},
    ),
    "complaints.events": ("get", "/api/v1/complaints/{complaint}/events/", None),
    "complaints.attachments": ("get", "/api/v1/complaints/{complaint}/attachments/", None),
    "customers.list": ("get", "/api/v1/customers/", None),
    "customers.create": ("post", "/api/v1/customers/", {"phone": "13900002222"}),
    "work_orders.list": ("get", "/api/v1/work-orders/", None),
    "work_orders.detail": ("get", "/api/v1/work-orders/{work_order}/", None),
    "work_orders.answer": ("post", "/api/v1/work-orders/{work_order}/answer/", {"answer": "Done"}),
    "work_orders.cancel": ("post", "/api/v1/work-orders/{work_order}/cancel/", {"reason": "No"}),
    "sla_policies.list": ("get", "/api/v1/sla-policies/", None),
    "sla_policies.detail": ("get", "/api/v1/sla-policies/{policy}/", None),
    "sla_policies.create": (
        "post",
        "/api/v1/sla-policies/",
        {"priority": "urgent", "category": "billing_dispute", "resolution_minutes": 480},
    ),
    "sla_policies.patch": ("patch", "/api/v1/sla-policies/{policy}/", {"warn_percent": 75}),
    "notifications.list": ("get", "/api/v1/notifications/", None),
    "notifications.read": ("post", "/api/v1/notifications/{notification}/read/", None),
    "notifications.read_all": ("post", "/api/v1/notifications/read-all/", None),
}

OK = {"get": 200, "post": 201, "patch": 200}
# Actions on an existing resource answer 200, creations 201.
OK_OVERRIDES = {
    "complaints.reclassify": 200,
    "work_orders.answer": 200,
    "work_orders.cancel": 200,
    "notifications.read": 200,
    "notifications.read_all": 200,
}


def ok(endpoint: str) -> int:
    return OK_OVERRIDES.get(endpoint, OK[ENDPOINTS[endpoint][0]])


def everything(status: int) -> dict[str, int]:
    return dict.fromkeys(ENDPOINTS, status)


def allowed(*endpoints: str, otherwise: int) -> dict[str, int]:
    return {
        endpoint: ok(endpoint) if endpoint in endpoints else otherwise for endpoint in ENDPOINTS
    }


READS = [endpoint for endpoint, (method, _, _) in ENDPOINTS.items() if method == "get"]
ALL_BUT_ANSWER = [endpoint for endpoint in ENDPOINTS if endpoint != "work_orders.answer"]
# Only supervisors and administrators manage SLA policies; agents read them.
POLICY_WRITES = dict.fromkeys(["sla_policies.create", "sla_policies.patch"], 403)
# The scene's notification is the agent's: for everyone else it does not exist.
NOT_MINE = {"notifications.read": 404}

EXPECTED: dict[str, dict[str, int]] = {
    "anonymous": everything(401),
    # The assignee: everything except answering for a department and writing policies.
    "agent": {
        **allowed(*ALL_BUT_ANSWER, otherwise=0),
        "work_orders.answer": 403,
        **POLICY_WRITES,
    },
    # Another team: the complaint and its work order do not exist for them.
    "other_agent": {
        **allowed(
            "complaints.list",
            "complaints.create",
            "customers.list",
            "customers.create",
            "work_orders.list",
            "sla_policies.list",
            "sla_policies.detail",
            "notifications.list",
            "notifications.read_all",
            otherwise=404,
        ),
        **POLICY_WRITES,
    },
    # Billing: reads the complaint its work order is about, answers, writes nothing else;
    # has notifications, but no business with SLA policies.
    "department_user": {
        **allowed(*READS, "work_orders.answer", "notifications.read_all", otherwise=403),
        "customers.list": 403,
        "sla_policies.list": 403,
        "sla_policies.detail": 403,
        **NOT_MINE,
    },
    "supervisor": {
        **allowed(*ALL_BUT_ANSWER, otherwise=0),
        "work_orders.answer": 403,
        **NOT_MINE,
    },
    "token_without_scope": everything(403),
    "token_read": allowed(*READS, otherwise=403),
    "token_read_write": {
        **allowed(*ALL_BUT_ANSWER, otherwise=0),
        "work_orders.answer": 403,
        **POLICY_WRITES,
        **NOT_MINE,
    },
    # A department's integration may answer, and nothing else, with workorders:write only.
    "department_token": allowed("work_orders.answer", otherwise=403),
}

TOKENS = {
    "token_without_scope": ("integration_user", ["callbacks:write"]),
    "token_read": ("integration_user", [READ]),
    "token_read_write": ("integration_user", [READ, WRITE, ANSWER]),
    "department_token": ("department_user", [ANSWER]),
}


def caller(role: str, request) -> APIClient:
    client = APIClient()
    if role in TOKENS:
        username, scopes = TOKENS[role]
        user = request.getfixturevalue(username)
        _token, raw = services.issue_api_token(name=role, user=user, scopes=scopes)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    elif role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    return client


@pytest.fixture
def scene(agent, team, department_user, integration_user):
    integration_user.team = team
    integration_user.save(update_fields=["team"])
    complaint = make_complaint(created_by=agent, assignee=agent)
    complaint = services.start_work(complaint, by=agent)
    work_order = services.dispatch_work_order(
        complaint, department=Department.objects.get(code="billing"), instructions="Check", by=agent
    )
    policy = SlaPolicy.objects.create(
        priority="non_urgent", customer_tier="vip", resolution_minutes=1440
    )
    notification = Notification.objects.create(
        recipient=agent, kind="sla_warned", message="Due soon", complaint=complaint
    )
    return {
        "complaint": complaint.pk,
        "work_order": work_order.pk,
        "policy": policy.pk,
        "notification": notification.pk,
    }


@pytest.mark.parametrize(
    ("role", "endpoint"), [(role, endpoint) for role in EXPECTED for endpoint in ENDPOINTS]
)
def test_permission_matrix(role, endpoint, scene, request):
    method, path, body = ENDPOINTS[endpoint]
    client = caller(role, request)
    response = getattr(client, method)(path.format(**scene), body)
    expected = EXPECTED[role][endpoint]
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response["Content-Type"].startswith("application/problem+json")
        if expected == 401:
            assert response["WWW-Authenticate"].startswith("Bearer")


# --- Token scopes: a method the view's map does not name is refused -------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("put", "/api/v1/complaints/{complaint}/"),
        ("delete", "/api/v1/complaints/{complaint}/"),
        ("delete", "/api/v1/sla-policies/{policy}/"),
        ("patch", "/api/v1/work-orders/{work_order}/"),
        ("put", "/api/v1/notifications/{notification}/read/"),
    ],
)
def test_a_token_cannot_use_a_method_without_a_scope(method, path, scene, request):
    """Even with every scope: sessions get 405 for these, tokens a 403 before any handler."""
    response = getattr(caller("token_read_write", request), method)(path.format(**scene))
    assert response.status_code == 403, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    session = getattr(caller("supervisor", request), method)(path.format(**scene))
    assert session.status_code == 405


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("head", "/api/v1/complaints/{complaint}/"),
        ("options", "/api/v1/complaints/{complaint}/"),
        ("head", "/api/v1/notifications/"),
        ("options", "/api/v1/work-orders/{work_order}/answer/"),
    ],
)
def test_head_and_options_need_the_read_scope(method, path, scene, request):
    path = path.format(**scene)
    assert getattr(caller("token_read", request), method)(path).status_code == 200
    assert getattr(caller("token_without_scope", request), method)(path).status_code == 403


class Guarded(APIView):
    """A view that gained DELETE without giving it a scope."""

    permission_classes = [TokenHasScope]
    required_scopes = {"GET": READ}
    deleted = False

    def get(self, request):
        return Response({"ok": True})

    def delete(self, request):
        Guarded.deleted = True
        return Response(status=204)


def test_an_unscoped_method_never_reaches_its_handler(integration_user):
    token, _raw = services.issue_api_token(name="all", user=integration_user, scopes=[READ, WRITE])
    factory = APIRequestFactory()
    for method in ("get", "delete"):
        http = getattr(factory, method)("/guarded/")
        force_authenticate(http, user=integration_user, token=token)
        response = Guarded.as_view()(http)
        assert response.status_code == (200 if method == "get" else 403)
    assert Guarded.deleted is False
    session = factory.delete("/guarded/")
    force_authenticate(session, user=integration_user)  # no token: the role decides
    assert Guarded.as_view()(session).status_code == 204


def test_views_without_a_scope_map_take_any_token(request, scene):
    response = caller("token_without_scope", request).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["scopes"] == ["callbacks:write"]
