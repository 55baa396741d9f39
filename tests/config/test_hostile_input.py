"""Hostile input: filter parameters cannot inject SQL, texts are escaped, NUL bytes refused."""

import pytest
from django.urls import reverse

from tests.factories import make_complaint

pytestmark = pytest.mark.django_db

INJECTIONS = [
    "' OR '1'='1",
    "1; DROP TABLE complaints_complaint; --",
    "1) OR (1=1",
    "%' UNION SELECT username, password FROM complaints_user --",
    "\\'; SELECT pg_sleep(5); --",
    "C-2026-%",
    "*",
]


@pytest.mark.parametrize("payload", INJECTIONS)
@pytest.mark.parametrize(
    "param", ["q", "state", "priority", "channel", "category", "received_after", "team"]
)
def test_filters_treat_sql_as_data_on_pages_and_api(client, other_agent, payload, param):
    theirs = make_complaint(description="not for other teams")
    client.force_login(other_agent)  # sees no complaint of the default team
    page = client.get(reverse("complaints:queue"), {"view": "all", param: payload})
    assert page.status_code == 200
    assert theirs.reference not in page.content.decode()
    api = client.get("/api/v1/complaints/", {param: payload})
    assert api.status_code in (200, 400), api.content
    if api.status_code == 200:
        assert api.json()["results"] == []
    else:
        assert param in api.json()["errors"]


def test_the_tables_survive_the_injections(client, supervisor):
    from complaints.models import Complaint

    complaint = make_complaint()
    client.force_login(supervisor)
    for payload in INJECTIONS:
        client.get("/api/v1/complaints/", {"q": payload})
    assert Complaint.objects.filter(pk=complaint.pk).exists()


SCRIPT = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'


def test_script_payloads_in_free_text_are_escaped_in_pages(client, supervisor, agent):
    from complaints import services

    complaint = make_complaint(
        description=SCRIPT, subject_detail=SCRIPT, team=agent.team, assignee=agent
    )
    complaint.customer.name = SCRIPT
    complaint.customer.save()
    services.add_note(complaint, text=SCRIPT, by=agent)
    client.force_login(supervisor)
    for url in (
        reverse("complaints:detail", args=[complaint.pk]),
        reverse("complaints:queue") + "?view=all",
        reverse("complaints:customer", args=[complaint.customer_id]),
    ):
        body = client.get(url).content.decode()
        assert "<script>window.__xss" not in body and 'onerror="window' not in body, url
        assert "&lt;script&gt;window.__xss = 1&lt;/script&gt;" in body, url
