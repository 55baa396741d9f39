"""Who may call which endpoint: one matrix over callers × endpoints.

The scene: a complaint of team A, created by and assigned to ``agent``, with a
work order dispatched to Billing (``department_user``'s department). Tokens act
as ``integration_user``, an agent of team A, except the department's token,
which acts as ``department_user``.
"""

import pytest
from rest_framework.test import APIClient

from complaints import services
from complaints.models import Department
from tests.factories import make_complaint

pytestmark = pytest.mark.django_db

READ, WRITE, ANSWER = "complaints:read", "complaints:write", "workorders:write"

# endpoint → (method, path with {complaint}/{work_order}, body)
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
    "complaints.events": ("get", "/api/v1/complaints/{complaint}/events/", None),
    "complaints.attachments": ("get", "/api/v1/complaints/{complaint}/attachments/", None),
    "customers.list": ("get", "/api/v1/customers/", None),
    "customers.create": ("post", "/api/v1/customers/", {"phone": "13900002222"}),
    "work_orders.list": ("get", "/api/v1/work-orders/", None),
    "work_orders.detail": ("get", "/api/v1/work-orders/{work_order}/", None),
    "work_orders.answer": ("post", "/api/v1/work-orders/{work_order}/answer/", {"answer": "Done"}),
    "work_orders.cancel": ("post", "/api/v1/work-orders/{work_order}/cancel/", {"reason": "No"}),
}

OK = {"get": 200, "post": 201, "patch": 200}
# Actions on an existing resource answer 200, creations 201.
OK_OVERRIDES = {"work_orders.answer": 200, "work_orders.cancel": 200}


def ok(endpoint: str) -> int:
    return OK_OVERRIDES.get(endpoint, OK[ENDPOINTS[endpoint][0]])


def everything(status: int) -> dict[str, int]:
    return dict.fromkeys(ENDPOINTS, status)


def allowed(*endpoints: str, otherwise: int) -> dict[str, int]:
    return {
        endpoint: ok(endpoint) if endpoint in endpoints else otherwise for endpoint in ENDPOINTS
    }


READS = [endpoint for endpoint, (method, _, _) in ENDPOINTS.items() if method == "get"]
COMPLAINT_WRITES = ["complaints.create", "complaints.patch", "complaints.notes"]
ALL_BUT_ANSWER = [endpoint for endpoint in ENDPOINTS if endpoint != "work_orders.answer"]

EXPECTED: dict[str, dict[str, int]] = {
    "anonymous": everything(401),
    # The assignee: everything except answering for a department.
    "agent": {**allowed(*ALL_BUT_ANSWER, otherwise=0), "work_orders.answer": 403},
    # Another team: the complaint and its work order do not exist for them.
    "other_agent": {
        **allowed(
            "complaints.list",
            "complaints.create",
            "customers.list",
            "customers.create",
            "work_orders.list",
            otherwise=404,
        ),
    },
    # Billing: reads the complaint its work order is about, answers, writes nothing else.
    "department_user": {
        **allowed(*READS, "work_orders.answer", otherwise=403),
        "customers.list": 403,
    },
    "supervisor": {**allowed(*ALL_BUT_ANSWER, otherwise=0), "work_orders.answer": 403},
    "token_without_scope": everything(403),
    "token_read": allowed(*READS, otherwise=403),
    "token_read_write": {**allowed(*ALL_BUT_ANSWER, otherwise=0), "work_orders.answer": 403},
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
    return {"complaint": complaint.pk, "work_order": work_order.pk}


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
