"""A mass incident in the browser: the supervisor records a key event, uploads the affected
customers, and a real Celery worker on Redis imports them while the progress bar fills."""

import re
from io import StringIO
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.management import call_command
from playwright.sync_api import expect

from config.celery import app
from repair.enums import ImportState
from repair.models import KeyEvent, KeyEventCustomer
from tests.browser.helpers import log_in

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
EVENT_NAME = "Fibre cut, Pudong"
GOOD_ROWS = 28


def affected_csv(path):
    """Header, BOM, a quoted comma, a blank line, one bad phone and one repeated phone:
    30 data rows of which 28 import."""
    lines = ["phone,name,account,note"]
    phones = [f"1391234{index:04d}" for index in range(GOOD_ROWS)]
    for index, phone in enumerate(phones):
        lines.append(f'{phone},Customer {index},ACC{index:05d},"Pudong, building {index}"')
        if index == 10:
            lines.append("")  # a blank line, ignored
    lines.append("12345,Wrong Number,ACC99999,bad phone")  # line 31
    lines.append(f"+86 {phones[3]},Customer 3 again,ACC00003,repeated")  # line 32
    path.write_bytes("\ufeff".encode() + ("\r\n".join(lines) + "\r\n").encode())
    return path


@pytest.mark.django_db(transaction=True)
def test_a_supervisor_uploads_the_affected_customers_and_watches_the_import(
    page, live_server, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo_data", stdout=StringIO())
    base = live_server.url
    upload = affected_csv(tmp_path / "affected.csv")
    polls = []
    page.on(
        "request",
        lambda request: polls.append(request) if request.headers.get("hx-request") else None,
    )

    log_in(page, base, "supervisor", "supervisor-demo-2026")
    page.goto(f"{base}/repair/key-events/")
    assert page.get_by_role("heading", name="Record a key event").is_visible()
    form = page.get_by_test_id("key-event-form")
    form.get_by_label("Name").fill(EVENT_NAME)
    form.get_by_label("Kind").select_option("network_outage")
    form.get_by_label("Started at").fill("2026-11-20T22:00")
    form.get_by_label("SMS to customers (English)").fill(
        "{event_name}: we are sorry; a repair case has been opened for you."
    )
    form.get_by_label("SMS to customers (Simplified Chinese)").fill(
        "{event_name}：非常抱歉，我们已为您登记修复工单。"
    )
    form.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r".*/repair/key-events/\d+/$"))
    assert page.get_by_role("heading", name=EVENT_NAME).is_visible()

    # Uploaded before the worker starts, so the page is seen queued and polling.
    uploader = page.get_by_test_id("upload-form")
    uploader.get_by_label("Affected customers").set_input_files(str(upload))
    with page.expect_navigation():
        uploader.get_by_role("button", name="Import").click()
    progress = page.locator("#key-event-progress")
    expect(progress).to_have_attribute("data-state", "queued")
    expect(progress).to_have_attribute("hx-trigger", "every 1s")
    expect(page.get_by_test_id("progress-bar")).to_have_text("0%")

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        expect(page.get_by_test_id("progress-bar")).to_have_text("100%", timeout=30_000)

    assert polls, "the bar should fill through htmx polling, not a reload"
    expect(progress).to_have_attribute("data-state", "done")
    expect(progress).not_to_have_attribute("hx-trigger", re.compile(".*"))
    report = page.get_by_test_id("key-event-report")
    affected = report.locator("tr").filter(has_text="Affected customers").locator("td")
    expect(affected).to_have_text(str(GOOD_ROWS))
    expect(progress.get_by_role("link", name="Download the skipped rows")).to_be_visible()
    assert "2 skipped." in progress.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "key-event-progress.png"), full_page=True)

    # The worker read the file the live server wrote, into the same test database.
    event = KeyEvent.objects.get(name=EVENT_NAME)
    assert event.import_state == ImportState.DONE and event.rows_bad == 2
    assert KeyEventCustomer.objects.filter(event=event, notified=True).count() == GOOD_ROWS
    media = tmp_path / "media"
    assert (media / event.import_file.name).read_bytes() == upload.read_bytes()
    skipped = (media / event.errors_file.name).read_text(encoding="utf-8-sig")
    assert skipped.splitlines()[1:] == [
        "31,12345,invalid phone number",
        "32,+86 13912340003,duplicate of line 5",
    ]
