"""The mixed load of a busy centre, for locust (run by ``python -m bench.loadtest``).

Agents browse the queue, open complaints and write notes in the browser; the IVR and CRM
register complaints and book callbacks over the API (with Idempotency-Key); customers answer
surveys on their phones. Who is who comes from the JSON file ``LOAD_FIXTURES`` names.
"""

import json
import os
import random
import re
import uuid
from collections import deque

from locust import HttpUser, between, task

FIXTURES = json.loads(open(os.environ["LOAD_FIXTURES"], encoding="utf-8").read())  # noqa: SIM115
SURVEY_TOKENS = deque(FIXTURES["survey_tokens"])
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    return match.group(1) if match else ""


class Agent(HttpUser):
    """An agent in the browser: the queue most, then complaints, then notes."""

    weight = 5
    wait_time = between(0.5, 2)

    def on_start(self) -> None:
        self.client.cookies.set("sessionid", random.choice(FIXTURES["sessions"]))  # noqa: S311

    @task(4)
    def queue(self) -> None:
        self.client.get("/?view=all", name="queue page")

    @task(3)
    def complaint(self) -> None:
        pk = random.choice(FIXTURES["complaints"])  # noqa: S311
        self.client.get(f"/complaints/{pk}/", name="complaint page")

    @task(1)
    def note(self) -> None:
        pk = random.choice(FIXTURES["complaints"])  # noqa: S311
        page = self.client.get(f"/complaints/{pk}/", name="complaint page")
        self.client.post(
            f"/complaints/{pk}/note/",
            {"text": "客户来电询问进度，已告知处理中", "csrfmiddlewaretoken": csrf_of(page.text)},
            headers={"Referer": page.url},
            name="note (action)",
        )


class Integration(HttpUser):
    """IVR and CRM over the API: intake, callback bookings, the list."""

    weight = 3
    wait_time = between(0.2, 1)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {FIXTURES['token']}"

    @task(3)
    def intake(self) -> None:
        self.client.post(
            "/api/v1/complaints/",
            json={
                "phone": f"139{random.randrange(10**8):08d}",  # noqa: S311
                "channel": "phone",
                "description": "宽带晚上经常断线，希望尽快上门检修",
            },
            headers={"Idempotency-Key": str(uuid.uuid4())},
            name="API intake",
        )

    @task(2)
    def book_callback(self) -> None:
        with self.client.post(
            "/api/v1/callbacks/",
            json={"phone": f"136{random.randrange(10**8):08d}", "source": "ivr"},  # noqa: S311
            headers={"Idempotency-Key": str(uuid.uuid4())},
            name="API callback booking",
            catch_response=True,
        ) as response:
            if response.status_code in (200, 201):  # 200: joined the number's open booking
                response.success()

    @task(2)
    def list_complaints(self) -> None:
        self.client.get("/api/v1/complaints/?state=new", name="API complaint list")


class Customer(HttpUser):
    """A customer answering the survey link from an SMS, once."""

    weight = 1
    wait_time = between(1, 3)

    @task
    def answer(self) -> None:
        if not SURVEY_TOKENS:
            return
        token, fields = SURVEY_TOKENS.popleft()
        page = self.client.get(f"/surveys/a/{token}/", name="survey page")
        self.client.post(
            f"/surveys/a/{token}/",
            {**fields, "csrfmiddlewaretoken": csrf_of(page.text)},
            headers={"Referer": page.url},
            name="survey answer",
        )
