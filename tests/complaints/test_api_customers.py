"""The customers API: search in any spelling of a phone, E.164 on create, masking."""

import pytest
from rest_framework.test import APIClient

from complaints.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/customers/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def api(agent):
    return client_for(agent)


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code
    return body


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.mark.parametrize("spelling", ["13812345678", "+86 138-1234-5678", "0086 13812345678"])
def test_search_finds_a_phone_in_any_spelling(api, spelling):
    wanted = CustomerFactory(phone="+8613812345678")
    CustomerFactory(phone="+8613912345678")
    assert ids(api.get(URL, {"q": spelling})) == [wanted.pk]


def test_search_by_account_number_and_name_and_tier(api):
    wang = CustomerFactory(name="王伟", account_number="ACC-88", tier="vip")
    li = CustomerFactory(name="李娜")
    assert ids(api.get(URL, {"q": "acc-88"})) == [wang.pk]
    assert ids(api.get(URL, {"q": "王"})) == [wang.pk]
    assert ids(api.get(URL, {"tier": "vip"})) == [wang.pk]
    assert ids(api.get(URL)) == [li.pk, wang.pk]  # newest first
    problem = assert_problem(api.get(URL, {"tier": "gold"}), 400, "invalid")
    assert set(problem["errors"]) == {"tier"}


def test_create_stores_e164_and_answers_201(agent, supervisor):
    response = client_for(supervisor).post(
        URL,
        {
            "phone": "+86 138-1234-5678",
            "name": "王伟",
            "email": "wang.wei@example.com",
            "account_number": "ACC-1",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    customer = Customer.objects.get()
    assert customer.phone == "+8613812345678"
    assert response["Location"] == f"{URL}{customer.pk}/"
    assert body["phone"] == "+8613812345678"  # supervisors see contact details
    assert (body["name"], body["email"], body["account_number"]) == (
        "王伟",
        "wang.wei@example.com",
        "ACC-1",
    )


def test_a_customer_without_a_name_is_named_by_the_masked_phone(api):
    response = api.post(URL, {"phone": "13812345678"})
    assert response.status_code == 201
    assert Customer.objects.get().name == "138****5678"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"phone": "12345"}, {"phone"}),
        ({"phone": "call me maybe"}, {"phone"}),
        ({}, {"phone"}),
        ({"phone": "13812345678", "email": "nope"}, {"email"}),
        ({"phone": "13812345678", "name": "x" * 201}, {"name"}),
    ],
)
def test_bad_customers_are_refused_per_field(api, body, fields):
    problem = assert_problem(api.post(URL, body), 400, "invalid")
    assert set(problem["errors"]) == fields
    assert not Customer.objects.exists()


def test_a_phone_on_file_is_refused_with_a_clear_message(api):
    existing = CustomerFactory(phone="+8613812345678")
    problem = assert_problem(api.post(URL, {"phone": "0086 138 1234 5678"}), 400, "invalid")
    assert problem["errors"]["phone"] == [
        f"A customer with this phone number already exists (id {existing.pk})."
    ]
    assert Customer.objects.count() == 1


def test_an_account_number_on_file_is_refused(api):
    CustomerFactory(account_number="ACC-1")
    problem = assert_problem(
        api.post(URL, {"phone": "13812345678", "account_number": "ACC-1"}), 400, "invalid"
    )
    assert set(problem["errors"]) == {"account_number"}


def test_contact_details_are_masked_without_the_permission(agent, supervisor):
    customer = CustomerFactory(phone="+8613812345678", email="wang.wei@example.com")
    masked = client_for(agent).get(f"{URL}{customer.pk}/").json()
    assert (masked["phone"], masked["email"]) == ("138****5678", "w***@example.com")
    listed = client_for(agent).get(URL).json()["results"][0]
    assert (listed["phone"], listed["email"]) == ("138****5678", "w***@example.com")
    full = client_for(supervisor).get(f"{URL}{customer.pk}/").json()
    assert (full["phone"], full["email"]) == ("+8613812345678", "wang.wei@example.com")


def test_an_agent_creating_a_customer_sees_it_masked(api):
    body = api.post(URL, {"phone": "13812345678", "email": "li@example.com"}).json()
    assert (body["phone"], body["email"]) == ("138****5678", "l***@example.com")


def test_unknown_customers_are_404(api):
    assert_problem(api.get(f"{URL}999999/"), 404, "not_found")


def test_department_users_have_no_customer_access(department_user):
    client = client_for(department_user)
    customer = CustomerFactory()
    assert_problem(client.get(URL), 403, "permission_denied")
    assert_problem(client.get(f"{URL}{customer.pk}/"), 403, "permission_denied")
    assert_problem(client.post(URL, {"phone": "13812345678"}), 403, "permission_denied")


# The caller (session, user, two permission reads) and the page.
CUSTOMER_LIST_QUERIES = 5


@pytest.mark.parametrize("rows", [3, 30])
def test_the_customer_list_costs_the_same_for_3_or_30_rows(
    api, rows, django_assert_max_num_queries
):
    CustomerFactory.create_batch(rows, name="张三")
    with django_assert_max_num_queries(CUSTOMER_LIST_QUERIES):
        response = api.get(URL, {"q": "张"})
    assert len(response.json()["results"]) == rows
