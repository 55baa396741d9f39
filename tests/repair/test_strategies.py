"""The strategy library: supervisors edit it; scripts are checked when saved."""

import pytest
from django.urls import reverse

from complaints.errors import ApplicationError
from repair.models import RepairCase, RepairStrategy
from repair.services.cases import open_repair_case, render_script
from repair.services.strategies import save_strategy, script_problems
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

STRATEGY = {
    "name": "Apologise in person",
    "line": "people",
    "damage_types": ["complaint", "survey_dissatisfied"],
    "script_en": "Hello {customer_name}, about {complaint_ref}: we are sorry.",
    "script_zh_hans": "{customer_name}您好，关于{complaint_ref}，我们深表歉意。",
    "is_active": True,
}


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("Hello {customer_name}", None),
        ("Literal braces {{like this}} are fine", None),
        ("Hello {custmer_name}", "Unknown placeholders: {custmer_name}."),
        ("Hello {}", "Unknown placeholders: {}."),
        ("Hello {customer_name.__class__}", "Unknown placeholders: {customer_name.__class__}."),
        ("Hello {customer_name", "Braces must come in pairs"),
        ("Hello customer_name}", "Braces must come in pairs"),
    ],
)
def test_script_problems(template, problem):
    problems = script_problems(template)
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problems[0].startswith(problem)


def test_a_supervisor_s_strategy_is_saved_and_fits_its_damage_types(supervisor):
    strategy = save_strategy(
        None, data={**STRATEGY, "damage_types": ["complaint"] * 2}, by=supervisor
    )
    assert strategy.damage_types == ["complaint"]
    case = open_repair_case(customer=CustomerFactory(language="en"), damage_type="complaint")
    assert render_script(strategy, case).startswith(f"Hello {case.customer.name}, about :")


def test_a_bad_script_or_field_is_refused_per_field_and_nothing_saved(supervisor):
    before = RepairStrategy.objects.count()
    with pytest.raises(ApplicationError) as refused:
        save_strategy(
            None,
            data={**STRATEGY, "name": "", "script_zh_hans": "{客户}您好"},
            by=supervisor,
        )
    assert set(refused.value.details) == {"name", "script_zh_hans"}
    assert RepairStrategy.objects.count() == before


def test_a_script_broken_outside_the_service_still_renders_as_written():
    strategy = RepairStrategy(
        name="x", line="people", script_en="Hi {customer_name", script_zh_hans=""
    )
    case = RepairCase(customer=CustomerFactory(language="en"), damage_type="complaint", reason="")
    assert render_script(strategy, case) == "Hi {customer_name"


def test_supervisors_edit_the_library_on_its_page(client, supervisor):
    client.force_login(supervisor)
    library = client.get(reverse("repair:strategies"))
    assert library.status_code == 200
    assert RepairStrategy.objects.first().name in library.content.decode()
    form = {**STRATEGY, "damage_types": ["complaint"], "is_active": "on"}
    refused = client.post(reverse("repair:strategy_new"), {**form, "script_en": "Hi {nme}"})
    assert refused.status_code == 400
    assert "Unknown placeholders: {nme}." in refused.content.decode()
    assert client.post(reverse("repair:strategy_new"), form).status_code == 302
    strategy = RepairStrategy.objects.get(name="Apologise in person")
    edited = client.post(
        reverse("repair:strategy_edit", args=[strategy.pk]),
        {**form, "is_active": "", "name": "Apologise in person, with a gift"},
    )
    assert edited.status_code == 302
    strategy.refresh_from_db()
    assert strategy.name == "Apologise in person, with a gift" and not strategy.is_active


def test_agents_may_not_edit_the_library(client, agent):
    client.force_login(agent)
    assert client.get(reverse("repair:strategies")).status_code == 403
    assert client.post(reverse("repair:strategy_new"), STRATEGY).status_code == 403
    assert "Strategy library" not in client.get(reverse("repair:cases")).content.decode()


def test_the_library_page_holds_its_query_count(client, supervisor, django_assert_max_num_queries):
    client.force_login(supervisor)
    for n in range(5):
        save_strategy(None, data={**STRATEGY, "name": f"Strategy {n}"}, by=supervisor)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("repair:strategies")).status_code == 200
