"""The board and trends pages: who sees them, drill-down links, exports parsed back, queries."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from complaints.models import Complaint
from tests.factories import make_complaint

pytestmark = pytest.mark.django_db

PEOPLE = ["anonymous", "agent", "lead", "department_user", "supervisor", "administrator"]
PAGES = {
    "board": "/dashboard/",
    "trends": "/dashboard/trends/",
    "board_csv": "/dashboard/export/?report=board&format=csv",
    "trends_xlsx": "/dashboard/export/?report=trends&format=xlsx",
}
#                     anonymous agent lead dept super admin
ALLOWED = (302,       403,  200, 403, 200,  200)  # fmt: skip


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("person", PEOPLE)
def test_who_sees_the_board_and_reports(client, request, lead, page, person):
    if person != "anonymous":
        client.force_login(request.getfixturevalue(person))
    response = client.get(PAGES[page])
    assert response.status_code == ALLOWED[PEOPLE.index(person)]


def test_a_lead_asking_for_another_team_is_refused(client, lead, other_team):
    client.force_login(lead)
    assert client.get(f"/dashboard/?team={other_team.pk}").status_code == 403
    assert (
        client.get(f"/dashboard/export/?report=board&format=csv&team={other_team.pk}").status_code
        == 403
    )


def board_links(response) -> dict[str, str]:
    """figure key → URL, from the rendered panels."""
    return {
        f"{panel.key}.{figure.key}": figure.url
        for panel in response.context["panels"]
        for figure in panel.figures
    }


def references(response) -> set[str]:
    return {complaint.reference for complaint in response.context["page"].object_list}


def test_every_board_number_links_to_the_list_behind_it(client, world, supervisor):
    client.force_login(supervisor)
    board = client.get("/dashboard/")
    assert board.status_code == 200
    links = board_links(board)

    def listed(key):
        return references(client.get(links[key]))

    def refs(*names):
        return {world[name].reference for name in names}

    assert listed("complaints.open") == refs("c0", "c2", "c4", "c5", "c6", "c7")
    assert listed("complaints.at_risk") == refs("c5")
    assert listed("complaints.breached_now") == refs("c0", "c2", "c4")
    assert listed("complaints.breached_today") == refs("c4")
    assert listed("complaints.intake_today") == refs("c6", "c7", "c8")
    orders = client.get(links["work_orders.overdue"]).context["page"].object_list
    assert [order.pk for order in orders] == [world["wo0"].pk]
    callbacks = client.get(links["callbacks.overdue"]).context["page"].object_list
    assert [booking.pk for booking in callbacks] == [world["cb4"].pk]
    pending = client.get(links["callbacks.pending"]).context["page"].object_list
    assert {booking.pk for booking in pending} == {world["cb4"].pk, world["cb5"].pk}
    cases = client.get(links["repair.overdue"]).context["page"].object_list
    assert [case.pk for case in cases] == [world["rc1"].pk]
    survey = client.get(links["csat.csat_today"])
    assert survey.context["results"]["overall"]["responses"] == 2
    # The tables' cells too: the agent's "closed today" and one priority × state cell.
    panels = {panel.key: panel for panel in board.context["panels"]}
    agent_row = dict(panels["agents"].tables[0].rows)[str(world["c9"].assignee)]
    closed = next(cell for cell in agent_row if cell.key == "closed_today")
    assert references(client.get(closed.url)) == refs("c9")
    general = dict(panels["complaints"].tables[0].rows)["General"]
    waiting = next(cell for cell in general if cell.key == "general.waiting_department")
    assert references(client.get(waiting.url)) == refs("c0", "c2", "c7")


def test_a_lead_s_links_stay_in_their_team(client, world, lead):
    client.force_login(lead)
    links = board_links(client.get("/dashboard/"))
    listed = references(client.get(links["complaints.open"]))
    assert listed == {world[name].reference for name in ("c0", "c2", "c4", "c5", "c6")}
    assert client.get(links["work_orders.overdue"]).status_code == 200  # leads see work orders


def test_a_lead_s_work_order_list_is_their_team_s(client, world, lead):
    client.force_login(lead)
    orders = client.get("/work-orders/").context["page"].object_list
    assert {order.pk for order in orders} == {world["wo0"].pk, world["wo2"].pk}  # not c7's


def test_drill_down_filters_survive_paging(client, supervisor, team):
    client.force_login(supervisor)
    page = client.get(f"/work-orders/?team={team.pk}&overdue=false")
    assert page.status_code == 200
    assert page.context["page_query"] == f"team={team.pk}&overdue=false"


def test_htmx_asks_for_the_board_alone_every_30_seconds(client, world, supervisor):
    client.force_login(supervisor)
    page = client.get("/dashboard/").content.decode()
    assert 'hx-trigger="every 30s"' in page and "<html" in page
    partial = client.get("/dashboard/", headers={"HX-Request": "true"})
    content = partial.content.decode()
    assert "<html" not in content and 'id="board"' in content
    assert 'data-testid="figure-complaints-open"' in content


def test_the_trends_page_draws_its_charts_from_json(client, world, supervisor):
    client.force_login(supervisor)
    page = client.get("/dashboard/trends/?since=2026-11-12&until=2026-11-20")
    assert page.status_code == 200
    charts = page.context["charts"]
    assert {chart["key"] for chart in charts["charts"]} == {
        "intake", "sla", "work_orders", "callbacks", "csat", "repeats",
    }  # fmt: skip
    intake = next(chart for chart in charts["charts"] if chart["key"] == "intake")
    assert intake["datasets"][0]["data"] == [0, 0, 1, 0, 0, 1, 3, 4, 3]
    csat = next(chart for chart in charts["charts"] if chart["key"] == "csat")
    assert csat["datasets"][0]["data"][-1] == 50.0  # percent
    assert 'id="trend-data" type="application/json"' in page.content.decode()
    assert "vendor/chartjs-4.6.1/chart.umd.min.js" in page.content.decode()
    weekly = client.get("/dashboard/trends/?since=2026-11-12&until=2026-11-20&grain=week")
    assert len(weekly.context["charts"]["charts"][0]["labels"]) == 2


def test_a_bad_period_is_shown_beside_the_field(client, world, supervisor):
    client.force_login(supervisor)
    page = client.get("/dashboard/trends/?since=2026-11-20&until=2026-11-12")
    assert page.status_code == 200
    assert page.context["form"].errors["until"]
    assert page.context["scope"].since < page.context["scope"].until  # the default period


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # Excel reads UTF-8 only with the BOM
    return list(csv.reader(io.StringIO(body[1:])))


def read_xlsx(response) -> list[tuple]:
    body = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    return list(sheet.iter_rows(values_only=True))


def test_the_board_exports_as_csv_and_xlsx(client, world, supervisor):
    client.force_login(supervisor)
    csv_response = client.get("/dashboard/export/?report=board&format=csv")
    assert csv_response["Content-Type"].startswith("text/csv")
    assert "attachment" in csv_response["Content-Disposition"]
    rows = read_csv(csv_response)
    assert rows[0] == ["Panel", "Table", "Row", "Figure", "Value"]
    assert ["Complaints", "", "", "Breached now", "3"] in rows
    assert ["Satisfaction", "", "", "CSAT today", "0.5"] in rows
    assert ["Work orders", "By department", "Billing", "Overdue", "1"] in rows
    xlsx = read_xlsx(client.get("/dashboard/export/?report=board&format=xlsx"))
    assert xlsx[0] == ("Panel", "Table", "Row", "Figure", "Value")
    assert ("Complaints", None, None, "Received today", 3) in xlsx
    assert len(xlsx) == len(rows)


def test_trends_and_breakdowns_export(client, world, supervisor):
    client.force_login(supervisor)
    period = "since=2026-11-12&until=2026-11-20"
    rows = read_csv(client.get(f"/dashboard/export/?report=trends&format=csv&{period}"))
    assert ["Complaints received", "2026-11-19", "2026-11-19", "4", "4", ""] in rows
    assert ["First response in time", "2026-11-18", "2026-11-18", "0.6667", "2", "3"] in rows
    weekly = read_xlsx(
        client.get(f"/dashboard/export/?report=trends&format=xlsx&grain=week&{period}")
    )
    assert ("Complaints received", "2026-11-16", "2026-11-20", 11, 11, None) in weekly
    breakdowns = read_xlsx(client.get(f"/dashboard/export/?report=breakdowns&format=xlsx&{period}"))
    assert ("Top categories (voice of the customer)", "Inquiry", 1, 1) in breakdowns
    assert client.get(f"/dashboard/export/?report=nope&format=csv&{period}").status_code == 404


def test_the_list_behind_a_number_exports_too(client, world, supervisor, agent):
    client.force_login(supervisor)
    url = reverse("complaints:export") + "?view=all&overdue=true&format=csv"
    rows = read_csv(client.get(url))
    assert rows[0][:3] == ["Reference", "Received", "Channel"]
    assert {row[0] for row in rows[1:]} == {world[n].reference for n in ("c0", "c2", "c4")}
    assert all(row[9].startswith("+86") for row in rows[1:])  # supervisors see phones
    client.force_login(agent)
    xlsx = read_xlsx(client.get(url.replace("csv", "xlsx")))
    assert {row[0] for row in xlsx[1:]} == {world[n].reference for n in ("c0", "c2", "c4")}
    assert all("****" in row[9] for row in xlsx[1:]), xlsx  # masked for agents


def test_exported_text_never_runs_as_a_formula(client, supervisor, team):
    complaint = make_complaint(team=team)
    complaint.customer.name = '=HYPERLINK("http://x")'
    complaint.customer.save()
    client.force_login(supervisor)
    rows = read_csv(client.get(reverse("complaints:export") + "?view=all&format=csv"))
    assert rows[1][8] == '\'=HYPERLINK("http://x")'


def test_the_board_costs_the_same_queries_however_many_complaints(
    client, supervisor, team, django_assert_max_num_queries
):
    client.force_login(supervisor)
    for index in range(3):
        make_complaint(team=team, description=f"board {index}")
    with django_assert_max_num_queries(20) as few:
        client.get("/dashboard/")
    for index in range(30):
        make_complaint(team=team, description=f"more {index}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/dashboard/")
    assert Complaint.objects.count() == 33


def test_the_trends_cost_a_query_per_source(
    client, world, supervisor, django_assert_max_num_queries
):
    client.force_login(supervisor)
    with django_assert_max_num_queries(16):
        client.get("/dashboard/trends/?since=2026-11-01&until=2026-11-20")
