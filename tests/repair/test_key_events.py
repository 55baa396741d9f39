"""Key events: CSV imports of affected customers, with every awkward file a centre sends."""

import csv

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from complaints.models import Customer, OutboundMessage
from repair.enums import ImportState
from repair.models import KeyEvent, KeyEventCustomer, RepairCase
from repair.services.key_events import event_report, import_affected

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def event_with(content: bytes) -> KeyEvent:
    event = KeyEvent.objects.create(
        name="光缆中断",
        kind="network_outage",
        started_at=timezone.now(),
        sms_en="Dear {customer_name}, sorry about {event_name}.",
        sms_zh_hans="{customer_name}您好，{event_name}给您带来不便，深表歉意。",
    )
    event.import_file.save("affected.csv", ContentFile(content))
    return event


def skipped(event: KeyEvent) -> list[list[str]]:
    with event.errors_file.open("rb") as stream:
        return list(csv.reader(stream.read().decode("utf-8-sig").splitlines()))[1:]


def test_a_plain_file_opens_cases_and_queues_sms():
    event = import_affected(
        event_with(b"phone,name,account,note\n13812345678,Wang,A1,\n13900000001,,,\n")
    )
    assert event.import_state == ImportState.DONE and event.progress_percent == 100
    assert KeyEventCustomer.objects.filter(event=event, notified=True).count() == 2
    assert RepairCase.objects.filter(key_event=event, damage_type="key_event").count() == 2
    bodies = list(OutboundMessage.objects.values_list("body", flat=True))
    assert any("Wang您好" in body for body in bodies)  # customers default to Chinese
    assert event_report(event)["affected"] == 2


def test_bom_gbk_quoted_commas_and_blank_lines():
    text = '\ufeffphone,name,account,note\n\n13812345678,"Li, Hua",A1,"note, with comma"\n\n'
    event = import_affected(event_with(text.encode("utf-8")))
    assert Customer.objects.get(phone="+8613812345678").name == "Li, Hua"
    assert KeyEventCustomer.objects.get(event=event).note == "note, with comma"
    gbk = "电话,姓名\n13900000002,张三\n".encode("gbk")
    import_affected(event_with(gbk))
    assert Customer.objects.get(phone="+8613900000002").name == "张三"


def test_bad_and_duplicate_phones_are_skipped_and_listed_with_line_numbers():
    event = import_affected(
        event_with(b"phone,name\n13812345678,A\nnot-a-phone,B\n+86 138 1234 5678,C\n12,D\n")
    )
    assert KeyEventCustomer.objects.filter(event=event).count() == 1
    assert (event.rows_total, event.rows_done, event.rows_bad) == (4, 4, 3)
    assert skipped(event) == [
        ["3", "not-a-phone", "invalid phone number"],
        ["4", "+86 138 1234 5678", "duplicate of line 2"],
        ["5", "12", "invalid phone number"],
    ]


def test_an_empty_file_imports_nothing():
    event = import_affected(event_with(b""))
    assert event.import_state == ImportState.DONE
    assert event.rows_total == 0 and event.progress_percent == 100
    assert not KeyEventCustomer.objects.exists()


def test_running_the_import_again_adds_nothing_twice():
    event = event_with(b"13812345678,A\n13900000001,B\n")
    import_affected(event)
    import_affected(event)
    assert KeyEventCustomer.objects.count() == 2
    assert RepairCase.objects.count() == 2
    assert OutboundMessage.objects.count() == 2
    assert Customer.objects.count() == 2


def test_existing_customers_are_matched_by_phone(agent):
    existing = Customer.objects.create(phone="+8613812345678", name="老客户", language="en")
    import_affected(event_with(b"0086 138-1234-5678,Someone else\n"))
    assert Customer.objects.count() == 1
    assert KeyEventCustomer.objects.get().customer == existing
    assert OutboundMessage.objects.get().body.startswith("Dear")  # in the customer's language


def test_supervisors_record_an_event_and_upload_its_file(
    client, supervisor, agent, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client.force_login(agent)
    assert client.post(reverse("repair:key_events"), {"name": "x"}).status_code == 403
    client.force_login(supervisor)
    response = client.post(
        reverse("repair:key_events"),
        {
            "name": "计费系统割接",
            "kind": "system_cutover",
            "started_at": "2026-11-20T22:00",
            "sms_en": "Sorry about {event_name}.",
            "sms_zh_hans": "{event_name}给您带来不便，深表歉意。",
        },
    )
    assert response.status_code == 302
    event = KeyEvent.objects.get()
    upload = SimpleUploadedFile("affected.csv", b"13812345678,A\nbad,B\n", content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("repair:key_event", args=[event.pk]), {"file": upload})
    assert len(callbacks) == 1  # the import is queued after commit
    import_affected(KeyEvent.objects.get())  # what the worker does
    page = client.get(reverse("repair:key_event", args=[event.pk])).content.decode()
    assert "100%" in page and "Download the skipped rows" in page
    skipped_csv = client.get(reverse("repair:key_event_errors", args=[event.pk]))
    assert b"invalid phone number" in b"".join(skipped_csv.streaming_content)
    partial = client.get(reverse("repair:key_event", args=[event.pk]), HTTP_HX_REQUEST="true")
    assert 'id="key-event-progress"' in partial.content.decode()


def test_the_follow_up_sample_invites_a_random_sample_once():
    from repair.services.key_events import draw_follow_up_sample
    from surveys.models import SurveyInvitation

    rows = "".join(f"139000{n:05d},客户{n}\n" for n in range(30)).encode()
    event = import_affected(event_with(rows))
    assert draw_follow_up_sample(event, size=10) == 10
    assert draw_follow_up_sample(event, size=25) == 20  # only those not sampled yet
    assert draw_follow_up_sample(event, size=5) == 0
    invitations = SurveyInvitation.objects.filter(topic="光缆中断")
    assert invitations.count() == 30 and not invitations.filter(complaint__isnull=False).exists()
    report = event_report(event)
    assert (report["affected"], report["sampled"], report["responded"]) == (30, 30, 0)


def test_a_follow_up_answer_counts_in_the_event_report(client):
    import datetime as dt

    from django.urls import reverse

    from repair.services.key_events import draw_follow_up_sample
    from surveys import services as survey_services

    event = import_affected(event_with(b"13900000001,Zhao\n"))
    draw_follow_up_sample(event, size=1)
    survey_services.send_due_invitations(now=timezone.now() + dt.timedelta(minutes=1))
    invitation = KeyEventCustomer.objects.get().invitation
    invitation.refresh_from_db()
    page = client.get(reverse("surveys:answer", args=[survey_services.token_for(invitation)]))
    assert "光缆中断" in page.content.decode()
    questions = {q.kind: q.pk for q in invitation.questionnaire.questions.all()}
    survey_services.record_response(
        invitation, answers={questions["score"]: 5, questions["satisfaction"]: "5"}, via="web"
    )
    report = event_report(event)
    assert report["responded"] == 1 and report["satisfaction"] == 1.0


@pytest.mark.parametrize("state", [ImportState.NONE, ImportState.QUEUED, ImportState.RUNNING])
def test_the_sample_waits_for_the_import_to_finish(state):
    from complaints.errors import ApplicationError
    from repair.services.key_events import draw_follow_up_sample

    event = import_affected(event_with(b"13900000001,Zhao\n"))
    KeyEvent.objects.filter(pk=event.pk).update(import_state=state)
    with pytest.raises(ApplicationError) as refused:
        draw_follow_up_sample(event, size=1)
    assert (refused.value.status, refused.value.code) == (409, "import_not_done")
    assert not KeyEventCustomer.objects.filter(sampled=True).exists()


def test_the_event_page_refuses_a_sample_while_importing(client, supervisor):
    from django.urls import reverse

    event = event_with(b"13900000001,Zhao\n")
    KeyEvent.objects.filter(pk=event.pk).update(import_state=ImportState.RUNNING)
    client.force_login(supervisor)
    url = reverse("repair:key_event", args=[event.pk])
    response = client.post(url, {"action": "sample"}, follow=True)
    assert "once the import of the affected customers is done" in response.content.decode()
    assert 'data-testid="draw-sample"' not in response.content.decode()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00rest of a workbook", "Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old excel", "Excel 97-2003"),
        (b"%PDF-1.4\n", "PDF"),
        (b"13900000001,Zhao\n\x00\x01\x02binary", "not text"),
        (bytes(range(128, 256)) * 4, "not text"),
    ],
)
def test_an_upload_that_is_not_csv_text_is_refused_by_its_content(content, reason, supervisor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from complaints.errors import ApplicationError
    from repair.services.key_events import attach_file

    event = event_with(b"")
    with pytest.raises(ApplicationError) as refused:
        attach_file(event, upload=SimpleUploadedFile("affected.csv", content))
    assert refused.value.code == "not_csv" and reason in refused.value.details["file"][0]
    event.refresh_from_db()
    assert event.import_state == ImportState.NONE


@pytest.mark.parametrize(
    "content",
    ["13900000001,赵\n".encode(), "13900000001,赵\n".encode("gbk"), b"\xef\xbb\xbfphone\n"],
)
def test_utf8_gbk_and_bom_uploads_pass_the_content_check(content):
    from repair.services.key_events import check_csv

    check_csv(content)
