"""The supervisors' and departments' edit pages use the same version check as the API: two
people saving at once do not overwrite each other; the second is told to reload."""

import pytest
from django.urls import reverse

from complaints import services
from complaints.models import ClassificationRule, Department, SlaPolicy, WorkOrder
from tests.factories import make_complaint

pytestmark = pytest.mark.django_db

POLICY = {
    "applies_to": "complaint",
    "priority": "urgent",
    "category": "",
    "customer_tier": "",
    "first_response_minutes": 60,
    "resolution_minutes": 600,
    "warn_percent": 80,
    "is_active": "on",
}


def assert_reload_offered(response, url: str) -> None:
    content = response.content.decode()
    assert response.status_code == 412
    assert "Someone else changed this" in content
    assert f'href="{url}"' in content and 'data-testid="reload"' in content


def test_a_policy_form_carries_the_version_and_a_stale_save_is_refused(client, supervisor):
    policy = SlaPolicy.objects.create(priority="urgent", resolution_minutes=600)
    url = reverse("complaints:sla_policy_edit", args=[policy.pk])
    client.force_login(supervisor)
    assert 'name="version" value="1"' in client.get(url).content.decode()
    # another supervisor saves first
    services.save_policy(policy, data={"resolution_minutes": 300}, by=supervisor)
    response = client.post(url, {**POLICY, "version": 1, "resolution_minutes": 900})
    assert_reload_offered(response, url)
    policy.refresh_from_db()
    assert (policy.resolution_minutes, policy.version) == (300, 2)
    assert client.post(url, {**POLICY, "version": 2, "resolution_minutes": 900}).status_code == 302
    policy.refresh_from_db()
    assert (policy.resolution_minutes, policy.version) == (900, 3)


def test_a_stale_rule_save_is_refused(client, supervisor):
    rule = ClassificationRule.objects.create(
        name="Rodents", kind="phrase", phrase="hamster", priority="urgent"
    )
    url = reverse("complaints:rule_edit", args=[rule.pk])
    client.force_login(supervisor)
    ClassificationRule.objects.filter(pk=rule.pk).update(version=2, weight=50)
    body = {"name": "Rodents", "kind": "phrase", "phrase": "rat", "priority": "urgent",
            "weight": 10, "is_active": "on", "version": 1}  # fmt: skip
    assert_reload_offered(client.post(url, body), url)
    rule.refresh_from_db()
    assert (rule.phrase, rule.weight) == ("hamster", 50)


def test_a_department_answer_from_a_stale_page_is_refused(client, agent, department_user):
    complaint = services.start_work(make_complaint(assignee=agent, created_by=agent), by=agent)
    work_order = services.dispatch_work_order(
        complaint, department=Department.objects.get(code="billing"), instructions="Check", by=agent
    )
    url = reverse("complaints:work_order", args=[work_order.pk])
    client.force_login(department_user)
    assert 'name="version" value="1"' in client.get(url).content.decode()
    WorkOrder.objects.filter(pk=work_order.pk).update(version=2)
    assert_reload_offered(client.post(url, {"answer": "Refunded", "version": 1}), url)
    work_order.refresh_from_db()
    assert work_order.state == "open"


def test_a_stale_complaint_action_offers_to_reload_the_complaint(client, agent, team):
    complaint = make_complaint(team=team, assignee=agent)
    client.force_login(agent)
    services.start_work(complaint, by=agent)  # someone moved it on since the page was opened
    response = client.post(
        reverse("complaints:action", args=[complaint.pk, "resolve"]),
        {"version": 1, "summary": "old page", "remedy": ""},
    )
    assert_reload_offered(response, reverse("complaints:detail", args=[complaint.pk]))
