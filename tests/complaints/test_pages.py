"""The browser shell: login, navigation, queue, language switch, role fences."""

import pytest
from django.urls import reverse

from complaints.enums import Priority
from tests.factories import TEST_PASSWORD, make_complaint

pytestmark = pytest.mark.django_db

SECTION_URLS = {
    "queue": "/",
    "new": "/complaints/new/",
    "work_orders": "/work-orders/",
    "callbacks": "/callbacks/",
    "surveys": "/surveys/",
    "repair": "/repair/",
    "dashboard": "/dashboard/",
}


def test_anonymous_visitors_are_sent_to_login(client):
    for url in SECTION_URLS.values():
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_login_and_logout(client, agent):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert b'name="csrfmiddlewaretoken"' in page.content
    response = client.post(reverse("login"), {"username": "agent", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:queue")
    assert client.get("/").status_code == 200
    client.post(reverse("logout"))
    assert client.get("/").status_code == 302


def test_a_wrong_password_is_refused_beside_the_form(client, agent):
    response = client.post(reverse("login"), {"username": "agent", "password": "nope"})
    assert response.status_code == 200
    assert b"alert-danger" in response.content


@pytest.mark.parametrize(
    ("person", "allowed"),
    [
        ("agent", {"queue", "new", "callbacks", "surveys", "repair"}),
        ("lead", set(SECTION_URLS)),
        ("supervisor", set(SECTION_URLS)),
        ("administrator", set(SECTION_URLS)),
        ("department_user", {"work_orders"}),
    ],
)
def test_each_role_opens_its_sections_and_only_those(client, request, person, allowed):
    user = request.getfixturevalue(person)
    client.force_login(user)
    for section, url in SECTION_URLS.items():
        response = client.get(url)
        if section == "queue" and person == "department_user":
            assert response.status_code == 302
            assert response["Location"] == "/work-orders/"  # their home page
            continue
        assert response.status_code == (200 if section in allowed else 403), section


def test_the_navigation_shows_only_allowed_sections(client, agent):
    client.force_login(agent)
    content = client.get("/").content.decode()
    assert 'href="/callbacks/"' in content
    assert 'href="/dashboard/"' not in content
    assert "/admin/" not in content


def test_the_queue_shows_the_team_s_open_complaints_most_urgent_first(
    client, agent, other_team, team
):
    general = make_complaint(team=team, description="Bill too high")
    urgent = make_complaint(team=team, priority=Priority.URGENT, description="Sparks from modem")
    make_complaint(team=other_team, description="Someone else's complaint")
    client.force_login(agent)
    response = client.get("/?view=team")
    content = response.content.decode()
    assert urgent.reference in content and general.reference in content
    assert content.index(urgent.reference) < content.index(general.reference)
    assert "Someone else" not in content
    assert response.context["counts"]["team"] == 2


def test_the_queue_escapes_what_customers_wrote(client, agent, team):
    make_complaint(team=team, description="<script>alert('x')</script>")
    client.force_login(agent)
    content = client.get("/").content.decode()
    assert "<script>alert" not in content
    assert "&lt;script&gt;" in content


def test_the_queue_runs_a_fixed_number_of_queries(
    client, agent, team, django_assert_max_num_queries
):
    client.force_login(agent)
    for index in range(3):
        make_complaint(team=team, description=f"complaint {index}")
    with django_assert_max_num_queries(12) as small:
        client.get("/?view=team")
    for index in range(30):
        make_complaint(team=team, description=f"more {index}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/?view=team")


def test_the_page_speaks_chinese_after_the_switch(client, agent):
    client.force_login(agent)
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    content = client.get("/").content.decode()
    assert '<html lang="zh-hans"' in content
    assert "投诉队列" in content
