"""A small, explicit centre for the report tests, told as a story with a moving clock.

Every figure the board and the trends show is hand-computed from this story in
the tests; the comments here say what happened. Times are Asia/Shanghai. "Now" is
Friday 2026-11-20 10:00 (NOW). Team A is ``team`` (agent works there), team B is
``other_team`` (other_agent). Complaints are general priority unless said.

| ref | team | received    | category | channel | what happened
| c11 | B    | 11-14 10:00 | billing  | web     | contact 10:20, resolved 16:00, closed 17:00
| c0  | A    | 11-17 08:00 | billing  | phone   | contact 08:30, WO billing 09:00 (overdue 11-19),
|     |      |             |          |         | resolution breached at the 11-18 16:01 check
| c1  | A    | 11-18 09:00 | network  | phone   | contact 10:00, resolved 15:00, closed 16:00,
|     |      |             |          |         | survey answered 11-18 18:00 with 5
| c2  | A    | 11-18 12:00 | billing  | sms     | no contact: response breached 16:01, resolution
|     |      |             |          |         | breached 11-19 12:01; WO billing 13:00 (open)
| c3  | B    | 11-18 20:00 | network  | phone   | urgent; contact 20:30; resolution breached 11-19
|     |      |             |          |         | 20:01, resolved late at 22:00
| c4  | A    | 11-19 09:00 | network  | phone   | repeat of c1 (same customer); contact 09:30; WO
|     |      |             |          |         | network 09:40 answered 15:00; resolution warned
|     |      |             |          |         | 11-20 06:13, breached 11-20 09:01
| c10 | B    | 11-19 10:00 | billing  | sms     | contact 10:30, resolved 13:00, closed 14:00,
|     |      |             |          |         | survey answered 11-20 09:00 with 4
| c5  | A    | 11-19 11:00 | inquiry  | email   | non-urgent; response warned 11-20 06:13 (at risk)
| c9  | A    | 11-19 15:00 | billing  | phone   | contact 15:30, resolved 11-20 08:00, closed 08:30
|     |      |             |          |         | (closed today), survey answered 09:45 with 2
| c8  | A    | 11-20 07:00 | network  | phone   | cancelled as invalid at 07:30
| c6  | A    | 11-20 08:00 | network  | phone   | new, unassigned
| c7  | B    | 11-20 09:00 | billing  | web     | WO network 09:30 (open)

Callbacks (IVR): cb1 11-19 10:00 agent, returned after 20 min; cb2 11-19 10:30 agent,
45 min; cb3 11-19 19:00 other_agent, 90 min; cb4 11-20 08:30 unassigned (overdue at
NOW); cb5 11-20 09:40 claimed by agent. Repair cases: rc1 team A overdue, rc2 team B.
"""

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import call_command

from complaints import services
from complaints.enums import Channel, Priority
from complaints.models import Category, Complaint
from complaints.services.sla import check_deadlines
from repair.enums import DamageType, RepairState
from repair.models import RepairCase
from repair.services.callbacks import book_callback, claim, log_attempt
from surveys import services as survey_services
from surveys.models import SurveyInvitation
from tests.factories import CustomerFactory, DepartmentFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


class Story:
    """Moves one clock forward through the story; each step runs at its own time."""

    def __init__(self, traveller):
        self.traveller = traveller

    def to(self, moment: dt.datetime) -> None:
        self.traveller.move_to(moment)


def build_world(*, agent, other_agent, team, other_team, capture) -> dict:
    """The story above, through the real services; returns the complaints by name."""
    billing = DepartmentFactory(code="billing", name="Billing")
    network = DepartmentFactory(code="network", name="Network")
    category = {code: Category.objects.get(code=code) for code in ("billing_dispute",
                "network_signal", "inquiry")}  # fmt: skip
    returning = CustomerFactory()  # c1 and c4
    made: dict = {}

    def register(name, *, team_, category_code, channel, assignee=None, customer=None,
                 priority=Priority.GENERAL):  # fmt: skip
        made[name] = services.register_complaint(
            customer=customer or CustomerFactory(),
            channel=channel,
            description=f"report world {name}",
            priority=priority,
            category=category[category_code],
            team=team_,
            assignee=assignee,
            created_by=assignee,
        )
        return made[name]

    def fresh(name):
        made[name] = Complaint.objects.get(pk=made[name].pk)
        return made[name]

    def contact(name, by):
        services.log_contact(fresh(name), channel="call", outcome="reached", by=by)

    def start(name, by):
        services.start_work(fresh(name), by=by)

    def resolve(name, by):
        services.propose_resolution(fresh(name), summary="done", by=by)

    def close(name, by, *, survey: bool):
        if survey:
            with capture(execute=True):
                services.confirm_resolution(fresh(name), method="phone", by=by)
        else:
            services.confirm_resolution(fresh(name), method="phone", by=by)

    def dispatch(name, department, by):
        return services.dispatch_work_order(
            fresh(name), department=department, instructions="please check", by=by
        )

    def answer_survey(name, score):
        invitation = SurveyInvitation.objects.get(complaint=made[name])
        questions = {q.kind: q.pk for q in invitation.questionnaire.questions.all()}
        answers = {questions["score"]: score, questions["satisfaction"]: str(score)}
        survey_services.record_response(invitation, answers=answers, via="web")

    with time_machine.travel(at(14, 10), tick=False) as traveller:
        story = Story(traveller)
        register("c11", team_=other_team, category_code="billing_dispute", channel=Channel.WEB,
                 assignee=other_agent)  # fmt: skip
        story.to(at(14, 10, 10))
        start("c11", other_agent)
        story.to(at(14, 10, 20))
        contact("c11", other_agent)
        story.to(at(14, 16))
        resolve("c11", other_agent)
        story.to(at(14, 17))
        close("c11", other_agent, survey=False)

        story.to(at(17, 8))
        register("c0", team_=team, category_code="billing_dispute", channel=Channel.PHONE,
                 assignee=agent)  # fmt: skip
        story.to(at(17, 8, 20))
        start("c0", agent)
        story.to(at(17, 8, 30))
        contact("c0", agent)
        story.to(at(17, 9))
        made["wo0"] = dispatch("c0", billing, agent)

        story.to(at(18, 9))
        register("c1", team_=team, category_code="network_signal", channel=Channel.PHONE,
                 assignee=agent, customer=returning)  # fmt: skip
        story.to(at(18, 9, 30))
        start("c1", agent)
        story.to(at(18, 10))
        contact("c1", agent)
        story.to(at(18, 12))
        register("c2", team_=team, category_code="billing_dispute", channel=Channel.SMS,
                 assignee=agent)  # fmt: skip
        story.to(at(18, 12, 30))
        start("c2", agent)
        story.to(at(18, 13))
        made["wo2"] = dispatch("c2", billing, agent)
        story.to(at(18, 15))
        resolve("c1", agent)
        story.to(at(18, 16))
        close("c1", agent, survey=True)
        story.to(at(18, 16, 1))
        check_deadlines()
        story.to(at(18, 17))
        survey_services.send_due_invitations()
        story.to(at(18, 18))
        answer_survey("c1", 5)
        story.to(at(18, 20))
        register("c3", team_=other_team, category_code="network_signal", channel=Channel.PHONE,
                 assignee=other_agent, priority=Priority.URGENT)  # fmt: skip
        story.to(at(18, 20, 10))
        start("c3", other_agent)
        story.to(at(18, 20, 30))
        contact("c3", other_agent)

        story.to(at(19, 9))
        register("c4", team_=team, category_code="network_signal", channel=Channel.PHONE,
                 assignee=agent, customer=returning)  # fmt: skip
        story.to(at(19, 9, 20))
        start("c4", agent)
        story.to(at(19, 9, 30))
        contact("c4", agent)
        story.to(at(19, 9, 40))
        made["wo4"] = dispatch("c4", network, agent)
        story.to(at(19, 10))
        register("c10", team_=other_team, category_code="billing_dispute", channel=Channel.SMS,
                 assignee=other_agent)  # fmt: skip
        made["cb1"], _joined = book_callback(phone="13900000001", source="ivr")
        story.to(at(19, 10, 5))
        claim(made["cb1"], agent=agent)
        story.to(at(19, 10, 10))
        start("c10", other_agent)
        story.to(at(19, 10, 20))
        log_attempt(made["cb1"], agent=agent, outcome="answered")
        story.to(at(19, 10, 30))
        contact("c10", other_agent)
        made["cb2"], _joined = book_callback(phone="13900000002", source="ivr")
        story.to(at(19, 10, 35))
        claim(made["cb2"], agent=agent)
        story.to(at(19, 11))
        register("c5", team_=team, category_code="inquiry", channel=Channel.EMAIL,
                 assignee=agent, priority=Priority.NON_URGENT)  # fmt: skip
        story.to(at(19, 11, 15))
        log_attempt(made["cb2"], agent=agent, outcome="answered")
        story.to(at(19, 12, 1))
        check_deadlines()
        story.to(at(19, 13))
        resolve("c10", other_agent)
        story.to(at(19, 14))
        close("c10", other_agent, survey=True)
        story.to(at(19, 15))
        survey_services.send_due_invitations()
        register("c9", team_=team, category_code="billing_dispute", channel=Channel.PHONE,
                 assignee=agent)  # fmt: skip
        services.answer_work_order(made["wo4"], answer="fixed", by=None)
        story.to(at(19, 15, 10))
        start("c9", agent)
        story.to(at(19, 15, 30))
        contact("c9", agent)
        story.to(at(19, 19))
        made["cb3"], _joined = book_callback(phone="13900000003", source="ivr")
        story.to(at(19, 19, 5))
        claim(made["cb3"], agent=other_agent)
        story.to(at(19, 20, 1))
        check_deadlines()
        story.to(at(19, 20, 30))
        log_attempt(made["cb3"], agent=other_agent, outcome="answered")
        story.to(at(19, 22))
        resolve("c3", other_agent)

        story.to(at(20, 6, 13))
        check_deadlines()
        story.to(at(20, 7))
        register("c8", team_=team, category_code="network_signal", channel=Channel.PHONE)
        story.to(at(20, 7, 30))
        services.cancel(fresh("c8"), reason="invalid", note="test call", by=agent)
        story.to(at(20, 8))
        register("c6", team_=team, category_code="network_signal", channel=Channel.PHONE)
        resolve("c9", agent)
        story.to(at(20, 8, 30))
        close("c9", agent, survey=True)
        made["cb4"], _joined = book_callback(phone="13900000004", source="ivr")
        story.to(at(20, 9))
        register("c7", team_=other_team, category_code="billing_dispute", channel=Channel.WEB,
                 assignee=other_agent)  # fmt: skip
        answer_survey("c10", 4)
        story.to(at(20, 9, 1))
        check_deadlines()
        story.to(at(20, 9, 30))
        made["wo7"] = dispatch("c7", network, other_agent)
        survey_services.send_due_invitations()
        story.to(at(20, 9, 40))
        made["cb5"], _joined = book_callback(phone="13900000005", source="ivr")
        story.to(at(20, 9, 45))
        claim(made["cb5"], agent=agent)
        answer_survey("c9", 2)
        made["rc1"] = RepairCase.objects.create(
            customer=made["c2"].customer, damage_type=DamageType.COMPLAINT, team=team,
            complaint=made["c2"], due_at=at(19, 10),
        )  # fmt: skip
        made["rc2"] = RepairCase.objects.create(
            customer=made["c3"].customer, damage_type=DamageType.COMPLAINT, team=other_team,
            complaint=made["c3"], due_at=at(21, 10), state=RepairState.IN_PROGRESS,
        )  # fmt: skip
        story.to(NOW)
        call_command("rebuild_rollups", stdout=StringIO())
    return {name: (fresh(name) if name.startswith("c") and name[1:].isdigit() else obj)
            for name, obj in made.items()}  # fmt: skip
