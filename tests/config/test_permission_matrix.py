"""Every page and every endpoint × every kind of caller: who gets in, and nothing leaks.

One row per (route, method): the route's name, its arguments (objects of the world in
tests/permission_world.py: team A's, and a complaint and work order of team B), the API
scope it needs, and what each caller gets, in the order of CALLERS:

- ``ok``: let in (2xx, or 3xx anywhere but a login page); ``400``/``409``...: let in and
  refused on the body or the object's state (the access check passed);
- ``L``: sent to the login page (anonymous, and API tokens, which pages ignore);
  ``AL``: sent to the admin's login page;
- ``401`` (anonymous API), ``403`` (the role or the token's scope does not allow it),
  ``404`` (an object of another team: its existence is not revealed).

Three checks per case besides the status: a refused caller gets no sentinel (the
customer's name, full phone, the complaint's description) and writes nothing (per-table
write counters of ``pg_stat_xact_user_tables``); a caller outside a team never sees its
complaint's description, even in a list it may read; a role that sees masked phones never
gets a full number. ``test_every_route_has_a_row`` walks the URL resolver so that a new route
cannot be forgotten: add its row (one line) to ROWS.
"""

# The matrix is a table, one row a line, its columns aligned: longer lines than elsewhere.
# ruff: noqa: E501

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient
from rest_framework.viewsets import ViewSetMixin

from tests import permission_world as pw

pytestmark = pytest.mark.django_db

CALLERS = ("anon", "other", "agent", "dept", "lead", "super", "admin", "tok-", "tok+")
# Who each caller is (tokens: see TOKEN_USER; "agent" is of team A but not the assignee).
SESSION_USERS = {"other": "other", "agent": "agent", "dept": "dept", "lead": "lead",
                 "super": "supervisor", "admin": "admin"}  # fmt: skip
TOKEN_CALLERS = ("tok-", "tok+")
# Roles without view_contact_details see phones masked; tokens act as an administrator.
MASKED = {"anon", "other", "agent", "dept", "lead"}
# Callers that may not see team A's complaint, and team B's (dispatched to Network).
OUTSIDE_TEAM = {"anon", "other"}
OUTSIDE_TEAM_B = {"anon", "agent", "dept", "lead"}
REFUSED = {"L", "AL", "401", "403", "404"}

# ``scope`` values besides a scope name (or a tuple of names, any one of which will do):
ANY_TOKEN = "any"  # the endpoint takes any token (tok- holds no scope at all)
NO_TOKEN = "none"  # no scope opens it (both tokens hold every scope)
PAGE = "page"  # an HTML page: tokens are not a way in (both hold every scope)

READ, WRITE = "complaints:read", "complaints:write"
CB_READ, CB_WRITE, REPORTS = "callbacks:read", "callbacks:write", "reports:read"
WO_WRITE, HOOKS, INBOUND = "workorders:write", "webhooks:manage", "surveys:inbound"


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    expect: str
    args: tuple[str, ...] = ()
    scope: Any = PAGE
    body: Any = None
    query: str = ""
    multipart: bool = False
    token_user: str = "service"
    # Done, and the page it lands on is the login page (logging out).
    lands_on_login: bool = False
    # Callers for whom the full phone in this answer is the rule, not a leak.
    sees_phone: frozenset[str] = field(default_factory=frozenset)

    @property
    def id(self) -> str:
        return f"{self.name}:{self.method}" + (f":{self.args[-1]}" if self.args else "")


def _row(name, method, expect, *args, **options) -> Row:
    return Row(name, method, expect, tuple(args), **options)


def versioned(name: str, **extra):
    """A body with the object's current version (forms carry the version they opened);
    an ``extra`` value may be a function of the world."""
    return lambda world: {
        "version": world.objects[name].version,
        **{key: value(world) if callable(value) else value for key, value in extra.items()},
    }


def reference_of(name: str):
    return lambda world: world.objects[name].reference


def api_row(name, method, expect, *args, scope, **options) -> Row:
    return _row(f"api-v1:{name}", method, expect, *args, scope=scope, **options)


P, A = _row, api_row
NEW_PHONE = "13700000077"
# fmt: off
ROWS = [
    # --- Public and account pages ----------------------------------------------------
    #                                           anon other agent dept lead super admin tok- tok+
    P("healthz", "GET",                         "ok ok ok ok ok ok ok ok ok"),
    P("readyz", "GET",                          "ok ok ok ok ok ok ok ok ok"),
    # Gated by address or METRICS_TOKEN, not by role (tests/ops/test_metrics.py): the test
    # client calls from 127.0.0.1, on the default allow-list. Counts only, no person.
    P("metrics", "GET",                         "ok ok ok ok ok ok ok ok ok"),
    P("login", "GET",                           "ok ok ok ok ok ok ok ok ok"),
    P("logout", "POST",                         "ok ok ok ok ok ok ok ok ok", lands_on_login=True),
    P("set_language", "POST",                   "ok ok ok ok ok ok ok ok ok", body={"language": "en"}),
    P("api-v1:schema", "GET",                   "ok ok ok ok ok ok ok ok ok"),
    P("api-v1:docs", "GET",                     "ok ok ok ok ok ok ok ok ok"),
    P("surveys:answer", "GET",                  "ok ok ok ok ok ok ok ok ok", "survey_token"),
    P("surveys:answer", "POST",                 "400 400 400 400 400 400 400 400 400", "survey_token"),
    P("surveys:answer", "GET",                  "404 404 404 404 404 404 404 404 404", "forged"),
    # --- Complaints -------------------------------------------------------------------
    P("complaints:queue", "GET",                "L ok ok ok ok ok ok L L"),
    P("complaints:new", "GET",                  "L ok ok 403 ok ok ok L L"),
    P("complaints:new", "POST",                 "L 400 400 403 400 400 400 L L"),
    P("complaints:export", "GET",               "L ok ok 403 ok ok ok L L", query="?format=csv&state=any"),
    P("complaints:customer_lookup", "GET",      "L ok ok 403 ok ok ok L L", query="?phone=139%208765%204321"),
    P("complaints:customer_lookup", "GET",      "L ok ok 403 ok ok ok L L", query="?phone=136%201122%203344"),
    P("complaints:detail", "GET",               "L 404 ok ok ok ok ok L L", "complaint"),
    P("complaints:detail", "GET",               "L ok 404 404 404 ok ok L L", "complaint_b"),
    P("complaints:action", "POST",              "L 404 ok 403 ok ok ok L L", "complaint", "note", body={"text": "n"}),
    P("complaints:action", "POST",              "L 404 ok 403 ok ok ok L L", "complaint", "contact",
      body={"channel": "call", "outcome": "reached"}),
    P("complaints:action", "POST",              "L 404 409 403 409 409 409 L L", "complaint", "start",
      body=versioned("complaint")),
    P("complaints:action", "POST",              "L 404 404 404 404 404 404 L L", "complaint", "nonsense"),
    # Naming team B's complaint as the original: to team A it does not exist (400, as a
    # reference nobody has), where those who see it reach the transition table (409).
    P("complaints:action", "POST",              "L 404 400 403 400 409 409 L L", "complaint", "cancel",
      body=versioned("complaint", reason="duplicate", duplicate_of=reference_of("complaint_b"))),
    P("complaints:upload_attachment", "POST",   "L 404 ok 403 ok ok ok L L", "complaint",
      body=lambda world: {"file": pw.png_upload()}),
    P("complaints:download_attachment", "GET",  "L 404 ok ok ok ok ok L L", "complaint", "attachment"),
    P("complaints:customer", "GET",             "L 403 403 403 403 ok ok L L", "customer"),
    P("complaints:customer", "GET",             "L 403 403 403 403 ok ok L L", "customer_b"),
    P("complaints:customer_export", "GET",      "L 403 403 403 403 ok ok L L", "customer"),
    P("complaints:customer_anonymise", "POST",  "L 403 403 403 403 ok ok L L", "customer",
      body={"reason": "asked by the customer", "confirm": "on"}),
    P("complaints:work_orders", "GET",          "L 403 403 ok ok ok ok L L"),
    P("complaints:work_order", "GET",           "L 404 ok ok ok ok ok L L", "work_order"),
    P("complaints:work_order", "GET",           "L ok 404 404 404 ok ok L L", "work_order_b"),
    P("complaints:work_order", "POST",          "L 404 403 ok 403 403 403 L L", "work_order",
      body=versioned("work_order", answer="Refunded")),
    P("complaints:dashboard", "GET",            "L 403 403 403 ok ok ok L L"),
    # A team lead's board is their own team's; asking for another team is refused.
    P("complaints:dashboard", "GET",            "L 403 403 403 403 ok ok L L", query="?team={team_b}"),
    P("complaints:trends", "GET",               "L 403 403 403 ok ok ok L L"),
    P("complaints:trends", "GET",               "L 403 403 403 403 ok ok L L", query="?team={team_b}"),
    P("complaints:dashboard_export", "GET",     "L 403 403 403 ok ok ok L L", query="?report=board&format=csv"),
    P("complaints:dashboard_export", "GET",     "L 403 403 403 403 ok ok L L",
      query="?report=trends&format=csv&team={team_b}"),
    P("complaints:rules", "GET",                "L 403 403 403 403 ok ok L L"),
    P("complaints:rule_new", "GET",             "L 403 403 403 403 ok ok L L"),
    P("complaints:rule_new", "POST",            "L 403 403 403 403 400 400 L L"),
    P("complaints:rule_edit", "GET",            "L 403 403 403 403 ok ok L L", "rule"),
    P("complaints:rule_edit", "POST",           "L 403 403 403 403 400 400 L L", "rule"),
    P("complaints:sla_policies", "GET",         "L 403 403 403 403 ok ok L L"),
    P("complaints:sla_policies", "POST",        "L 403 403 403 403 ok ok L L", body={"recalculate": "1"}),
    P("complaints:sla_policy_new", "GET",       "L 403 403 403 403 ok ok L L"),
    P("complaints:sla_policy_new", "POST",      "L 403 403 403 403 400 400 L L"),
    P("complaints:sla_policy_edit", "GET",      "L 403 403 403 403 ok ok L L", "policy"),
    P("complaints:sla_policy_edit", "POST",     "L 403 403 403 403 400 400 L L", "policy"),
    P("complaints:notifications", "GET",        "L ok ok ok ok ok ok L L"),
    P("complaints:notifications", "POST",       "L ok ok ok ok ok ok L L"),
    P("complaints:api_tokens", "GET",           "L 403 403 403 403 403 ok L L"),
    P("complaints:api_token_new", "GET",        "L 403 403 403 403 403 ok L L"),
    P("complaints:api_token_new", "POST",       "L 403 403 403 403 403 400 L L"),
    P("complaints:api_token_revoke", "GET",     "L 403 403 403 403 403 ok L L", "token"),
    P("complaints:api_token_revoke", "POST",    "L 403 403 403 403 403 ok L L", "token"),
    P("complaints:webhooks", "GET",             "L 403 403 403 403 403 ok L L"),
    P("complaints:webhook_new", "GET",          "L 403 403 403 403 403 ok L L"),
    P("complaints:webhook_new", "POST",         "L 403 403 403 403 403 400 L L"),
    P("complaints:webhook", "GET",              "L 403 403 403 403 403 ok L L", "subscription"),
    P("complaints:webhook_edit", "GET",         "L 403 403 403 403 403 ok L L", "subscription"),
    P("complaints:webhook_edit", "POST",        "L 403 403 403 403 403 400 L L", "subscription"),
    P("complaints:webhook_action", "POST",      "L 403 403 403 403 403 ok L L", "subscription", "ping"),
    P("complaints:webhook_action", "POST",      "L 403 403 403 403 403 ok L L", "subscription", "disable"),
    P("complaints:webhook_delivery", "GET",     "L 403 403 403 403 403 ok L L", "delivery",
      sees_phone=frozenset({"admin"})),
    P("complaints:webhook_delivery", "POST",    "L 403 403 403 403 403 ok L L", "delivery"),
    # --- Callbacks, repair, key events --------------------------------------------------
    P("repair:callbacks", "GET",                "L ok ok 403 ok ok ok L L"),
    P("repair:callbacks", "POST",               "L ok ok 403 ok ok ok L L",
      body={"phone": NEW_PHONE, "source": "agent"}),
    P("repair:availability", "POST",            "L ok ok 403 ok ok ok L L", body={"available": "1"}),
    P("repair:callback_report", "GET",          "L ok ok 403 ok ok ok L L"),
    P("repair:claim", "POST",                   "L ok ok 403 ok ok ok L L", "callback"),
    P("repair:attempt", "POST",                 "L ok ok 403 ok ok ok L L", "callback"),
    P("repair:cases", "GET",                    "L ok ok 403 ok ok ok L L", query="?view=all"),
    P("repair:open_case", "GET",                "L 403 403 403 403 ok ok L L"),
    P("repair:open_case", "POST",               "L 403 403 403 403 400 400 L L"),
    P("repair:case", "GET",                     "L 404 ok 403 ok ok ok L L", "case"),
    P("repair:case", "POST",                    "L 404 ok 403 ok ok ok L L", "case",
      body=versioned("case", action="take")),
    P("repair:strategies", "GET",               "L 403 403 403 403 ok ok L L"),
    P("repair:strategy_new", "GET",             "L 403 403 403 403 ok ok L L"),
    P("repair:strategy_new", "POST",            "L 403 403 403 403 400 400 L L"),
    P("repair:strategy_edit", "GET",            "L 403 403 403 403 ok ok L L", "strategy"),
    P("repair:strategy_edit", "POST",           "L 403 403 403 403 400 400 L L", "strategy"),
    P("repair:key_events", "GET",               "L ok ok 403 ok ok ok L L"),
    P("repair:key_events", "POST",              "L 403 403 403 403 400 400 L L"),
    P("repair:key_event", "GET",                "L ok ok 403 ok ok ok L L", "key_event"),
    P("repair:key_event", "POST",               "L 403 403 403 403 ok ok L L", "key_event",
      body={"action": "sample"}),
    P("repair:key_event_errors", "GET",         "L ok ok 403 ok ok ok L L", "key_event"),
    # --- Surveys ---------------------------------------------------------------------
    P("surveys:index", "GET",                   "L ok ok 403 ok ok ok L L"),
    P("surveys:phone_survey", "GET",            "L ok ok 403 ok ok ok L L", "invitation"),
    P("surveys:phone_survey", "POST",           "L 400 400 403 400 400 400 L L", "invitation"),
    # --- The Django admin: a few representative pages (see test_every_route_has_a_row) --
    P("admin:index", "GET",                     "AL AL AL AL AL AL ok AL AL"),
    P("admin:complaints_complaint_changelist", "GET", "AL AL AL AL AL AL ok AL AL"),
    P("admin:complaints_auditentry_changelist", "GET", "AL AL AL AL AL AL ok AL AL"),
    P("admin:complaints_auditentry_add", "GET", "AL AL AL AL AL AL 403 AL AL"),
    # --- API: me, reports, customers, complaints -----------------------------------------
    A("me", "GET",                              "401 ok ok ok ok ok ok ok ok", scope=ANY_TOKEN),
    A("report-board", "GET",                    "401 403 403 403 ok ok ok 403 ok", scope=REPORTS),
    A("report-board", "GET",                    "401 403 403 403 403 ok ok 403 ok", scope=REPORTS,
      query="?team={team_b}"),
    A("report-trends", "GET",                   "401 403 403 403 ok ok ok 403 ok", scope=REPORTS),
    A("report-trends", "GET",                   "401 403 403 403 403 ok ok 403 ok", scope=REPORTS,
      query="?team={team_b}"),
    A("customer-list", "GET",                   "401 ok ok 403 ok ok ok 403 ok", scope=READ),
    A("customer-list", "POST",                  "401 ok ok 403 ok ok ok 403 ok", scope=WRITE,
      body={"phone": NEW_PHONE, "name": "New"}),
    A("customer-detail", "GET",                 "401 ok ok 403 ok ok ok 403 ok", "customer", scope=READ),
    A("customer-detail", "GET",                 "401 ok ok 403 ok ok ok 403 ok", "customer_b", scope=READ),
    A("complaint-list", "GET",                  "401 ok ok ok ok ok ok 403 ok", scope=READ),
    A("complaint-list", "POST",                 "401 ok ok 403 ok ok ok 403 ok", scope=WRITE,
      body={"phone": NEW_PHONE, "channel": "phone", "description": "New one"}),
    A("complaint-detail", "GET",                "401 404 ok ok ok ok ok 403 ok", "complaint", scope=READ),
    A("complaint-detail", "GET",                "401 ok 404 404 404 ok ok 403 ok", "complaint_b", scope=READ),
    A("complaint-detail", "PATCH",              "401 404 ok 403 ok ok ok 403 ok", "complaint", scope=WRITE,
      body={"subject_detail": "Router"}),
    # Assigned to the agent, who then sees the phone as its assignee does.
    A("complaint-assign", "POST",               "401 404 ok 403 ok ok ok 403 ok", "complaint", scope=WRITE,
      body=lambda world: {"assignee": world.users["agent"].pk}, sees_phone=frozenset({"agent"})),
    A("complaint-start", "POST",                "401 404 409 403 409 409 409 403 409", "complaint", scope=WRITE),
    A("complaint-dispatch", "POST",             "401 404 ok 403 ok ok ok 403 ok", "complaint", scope=WRITE,
      body=lambda world: {"department": "billing", "instructions": "Again"}),
    A("complaint-wait", "POST",                 "401 404 409 403 409 409 409 403 409", "complaint", scope=WRITE,
      body={"reason": "r"}),
    A("complaint-resume", "POST",               "401 404 ok 403 ok ok ok 403 ok", "complaint", scope=WRITE),
    A("complaint-resolve", "POST",              "401 404 409 403 409 409 409 403 409", "complaint", scope=WRITE,
      body={"summary": "s"}),
    A("complaint-confirm", "POST",              "401 404 409 403 409 409 409 403 409", "complaint", scope=WRITE,
      body={"method": "phone"}),
    A("complaint-reopen", "POST",               "401 404 409 403 409 409 409 403 409", "complaint", scope=WRITE,
      body={"reason": "r"}),
    A("complaint-cancel", "POST",               "401 404 409 403 409 409 409 403 409", "complaint", scope=WRITE,
      body={"reason": "invalid", "note": "Not ours"}),
    A("complaint-reclassify", "POST",           "401 404 ok 403 ok ok ok 403 ok", "complaint", scope=WRITE,
      body={"priority": "urgent", "reason": "r"}),
    A("complaint-notes", "POST",                "401 404 ok 403 ok ok ok 403 ok", "complaint", scope=WRITE,
      body={"text": "n"}),
    A("complaint-contacts", "POST",             "401 404 ok 403 ok ok ok 403 ok", "complaint", scope=WRITE,
      body={"channel": "call", "outcome": "reached"}),
    A("complaint-events", "GET",                "401 404 ok ok ok ok ok 403 ok", "complaint", scope=READ),
    A("complaint-attachments", "GET",           "401 404 ok ok ok ok ok 403 ok", "complaint", scope=READ),
    A("complaint-attachments", "POST",          "401 404 ok 403 ok ok ok 403 ok", "complaint", scope=WRITE,
      body=lambda world: {"file": pw.png_upload()}, multipart=True),
    # --- API: work orders, SLA policies, notifications ------------------------------------
    A("workorder-list", "GET",                  "401 ok ok ok ok ok ok 403 ok", scope=READ),
    A("workorder-detail", "GET",                "401 404 ok ok ok ok ok 403 ok", "work_order", scope=READ),
    A("workorder-detail", "GET",                "401 ok 404 404 404 ok ok 403 ok", "work_order_b", scope=READ),
    # The department's own system answers: its tokens act as the department user.
    A("workorder-answer", "POST",               "401 404 403 ok 403 403 403 403 ok", "work_order",
      scope=WO_WRITE, body={"answer": "Refunded"}, token_user="dept"),
    A("workorder-cancel", "POST",               "401 404 ok 403 ok ok ok 403 ok", "work_order", scope=WRITE,
      body={"reason": "r"}),
    A("slapolicy-list", "GET",                  "401 ok ok 403 ok ok ok 403 ok", scope=READ),
    A("slapolicy-list", "POST",                 "401 403 403 403 403 400 400 403 400", scope=WRITE),
    A("slapolicy-detail", "GET",                "401 ok ok 403 ok ok ok 403 ok", "policy", scope=READ),
    A("slapolicy-detail", "PATCH",              "401 403 403 403 403 ok ok 403 ok", "policy", scope=WRITE,
      body={"warn_at_percent": 70}),
    A("notification-list", "GET",               "401 ok ok ok ok ok ok 403 ok", scope=READ),
    A("notification-read-all", "POST",          "401 ok ok ok ok ok ok 403 ok", scope=WRITE),
    # Somebody's own notification: the agent's; their integration's token acts as them.
    A("notification-read", "POST",              "401 404 ok 404 404 404 404 403 ok", "notification",
      scope=WRITE, token_user="agent"),
    # --- API: webhooks -------------------------------------------------------------------
    A("webhooksubscription-list", "GET",        "401 403 403 403 403 403 ok 403 ok", scope=HOOKS),
    A("webhooksubscription-list", "POST",       "401 403 403 403 403 403 400 403 400", scope=HOOKS),
    A("webhooksubscription-detail", "GET",      "401 403 403 403 403 403 ok 403 ok", "subscription", scope=HOOKS),
    A("webhooksubscription-detail", "PATCH",    "401 403 403 403 403 403 ok 403 ok", "subscription", scope=HOOKS,
      body={"name": "Renamed"}),
    A("webhooksubscription-detail", "DELETE",   "401 403 403 403 403 403 ok 403 ok", "subscription", scope=HOOKS),
    A("webhooksubscription-ping", "POST",       "401 403 403 403 403 403 ok 403 ok", "subscription", scope=HOOKS),
    A("webhooksubscription-rotate-secret", "POST", "401 403 403 403 403 403 ok 403 ok", "subscription",
      scope=HOOKS),
    A("webhookdelivery-list", "GET",            "401 403 403 403 403 403 ok 403 ok", scope=HOOKS),
    A("webhookdelivery-detail", "GET",          "401 403 403 403 403 403 ok 403 ok", "delivery", scope=HOOKS,
      sees_phone=frozenset({"admin", "tok+"})),
    A("webhookdelivery-redeliver", "POST",      "401 403 403 403 403 403 ok 403 ok", "delivery", scope=HOOKS),
    # --- API: callbacks, repair, key events ------------------------------------------------
    A("callback-list", "GET",                   "401 ok ok 403 ok ok ok 403 ok", scope=CB_READ),
    A("callback-list", "POST",                  "401 ok ok 403 ok ok ok 403 ok", scope=CB_WRITE,
      body={"phone": NEW_PHONE, "source": "ivr"}),
    A("callback-availability", "POST",          "401 ok ok 403 ok ok ok 403 ok", scope=CB_WRITE,
      body={"available": True}),
    A("callback-lookup", "GET",                 "401 ok ok 403 ok ok ok 403 ok", scope=CB_READ,
      query=f"?phone={pw.PHONE}"),
    A("callback-report", "GET",                 "401 ok ok 403 ok ok ok 403 ok", scope=(REPORTS, CB_READ)),
    A("callback-detail", "GET",                 "401 ok ok 403 ok ok ok 403 ok", "callback", scope=CB_READ),
    A("callback-attempts", "POST",              "401 ok ok 403 ok ok ok 403 ok", "callback", scope=CB_WRITE,
      body={"outcome": "no_answer"}),
    A("callback-cancel", "POST",                "401 ok ok 403 ok ok ok 403 ok", "callback", scope=CB_WRITE,
      body={"reason": "r"}),
    A("callback-claim", "POST",                 "401 ok ok 403 ok ok ok 403 ok", "callback", scope=CB_WRITE),
    A("repaircase-list", "GET",                 "401 ok ok 403 ok ok ok 403 ok", scope=READ),
    A("repaircase-list", "POST",                "401 403 403 403 403 ok ok 403 ok", scope=WRITE,
      body=lambda world: {"customer": world.pk("customer"), "damage_type": "process", "reason": "x"}),
    A("repaircase-detail", "GET",               "401 404 ok 403 ok ok ok 403 ok", "case", scope=READ),
    A("repaircase-close", "POST",               "401 404 ok 403 ok ok ok 403 ok", "case", scope=WRITE,
      body={"repaired": True, "outcome": "Fixed"}),
    A("repaircase-contacts", "POST",            "401 404 ok 403 ok ok ok 403 ok", "case", scope=WRITE,
      body={"channel": "call"}),
    A("repaircase-take", "POST",                "401 404 ok 403 ok ok ok 403 ok", "case", scope=WRITE),
    A("repairstrategy-list", "GET",             "401 ok ok 403 ok ok ok 403 ok", scope=READ),
    A("repair-metrics", "GET",                  "401 ok ok 403 ok ok ok 403 ok", scope=REPORTS),
    A("keyevent-list", "GET",                   "401 ok ok 403 ok ok ok 403 ok", scope=READ),
    A("keyevent-list", "POST",                  "401 403 403 403 403 400 400 403 400", scope=WRITE),
    A("keyevent-detail", "GET",                 "401 ok ok 403 ok ok ok 403 ok", "key_event", scope=READ),
    A("keyevent-file", "POST",                  "401 403 403 403 403 ok ok 403 ok", "key_event", scope=WRITE,
      body=lambda world: {"file": pw.csv_upload()}, multipart=True),
    A("keyevent-sample", "POST",                "401 403 403 403 403 ok ok 403 ok", "key_event", scope=WRITE),
    A("keyevent-skipped", "GET",                "401 ok ok 403 ok ok ok 403 ok", "key_event", scope=READ),
    # --- API: surveys ----------------------------------------------------------------------
    A("survey-results", "GET",                  "401 ok ok 403 ok ok ok 403 ok", scope=REPORTS),
    A("surveyresponse-list", "GET",             "401 ok ok 403 ok ok ok 403 ok", scope=REPORTS),
    A("surveyresponse-detail", "GET",           "401 ok ok 403 ok ok ok 403 ok", "response", scope=REPORTS),
    A("surveyinvitation-list", "GET",           "401 ok ok 403 ok ok ok 403 ok", scope=REPORTS),
    A("surveyinvitation-detail", "GET",         "401 ok ok 403 ok ok ok 403 ok", "invitation", scope=REPORTS),
    A("surveyinvitation-phone-response", "POST", "401 400 400 403 400 400 400 403 403", "invitation",
      scope=NO_TOKEN),
    A("smsreply-list", "GET",                   "401 ok ok 403 ok ok ok 403 ok", scope=REPORTS),
    # The SMS gateway's: its signature or a surveys:inbound token; sessions are not a way in.
    A("smsreply-list", "POST",                  "401 401 401 401 401 401 401 403 ok", scope=INBOUND,
      body={"from": pw.PHONE, "text": "5"}),
]
# fmt: on

# Tables a refused request may write: the session (a login or logout, the messages
# framework), django-axes' login records, the audit trail (a refusal is itself worth
# recording), and an API token's last_used_at (bookkeeping for operators, written by
# authentication before any permission is checked).
WRITES_ALLOWED_ON_REFUSAL = {
    "django_session",
    "axes_accessattempt",
    "axes_accesslog",
    "axes_accessfailurelog",
    "complaints_auditentry",
    "complaints_apitoken",
}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world, built once for the module in a transaction rolled back at its end.

    Each test runs in a savepoint inside it (pytest-django), so the writes an allowed
    caller makes are gone before the next test.
    """
    media = tmp_path_factory.mktemp("matrix-media")
    with (
        override_settings(MEDIA_ROOT=str(media), SMS_INBOUND_SECRET="matrix-gateway-secret"),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        made = pw.build_world()
        for caller, username in SESSION_USERS.items():  # one session each, for every test
            client = Client()
            client.force_login(made.users[username])
            made.sessions[caller] = client.cookies[settings.SESSION_COOKIE_NAME].value
        for row in ROWS:  # every token the rows need, issued before any test counts writes
            if row.scope != PAGE:
                for caller in TOKEN_CALLERS:
                    made.token(row.token_user, token_scopes(row, caller))
        yield made
        transaction.set_rollback(True)


def token_scopes(row: Row, caller: str) -> frozenset[str]:
    if row.scope in (PAGE, NO_TOKEN):
        return pw.ALL_SCOPES
    if row.scope == ANY_TOKEN:
        return frozenset() if caller == "tok-" else pw.ALL_SCOPES
    needed = frozenset((row.scope,) if isinstance(row.scope, str) else row.scope)
    return pw.ALL_SCOPES - needed if caller == "tok-" else needed


def url_of(row: Row, world) -> str:
    args = []
    for arg in row.args:
        if arg == "survey_token":
            args.append(world.survey_token)
        elif arg in world.objects:
            args.append(world.pk(arg))
        else:
            args.append(arg)
    query = row.query.format_map({name: obj.pk for name, obj in world.objects.items()})
    return reverse(row.name, args=args) + query


def client_for(row: Row, caller: str, world):
    client = APIClient() if row.name.startswith("api-v1:") else Client()
    if caller in SESSION_USERS:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[caller]
    return client


def send(client, row: Row, caller: str, world):
    headers = {}
    if caller in TOKEN_CALLERS:
        raw = world.token(row.token_user, token_scopes(row, caller))
        headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    body = row.body(world) if callable(row.body) else row.body
    method = getattr(client, row.method.lower())
    if isinstance(client, APIClient):
        fmt = "multipart" if row.multipart else "json"
        return method(url_of(row, world), body, format=fmt, **headers)
    return method(url_of(row, world), body or {}, **headers)


def content_of(response) -> str:
    if getattr(response, "streaming", False):
        # Exhausting it closes it, through the test client's wrapper; closing it again
        # here would fire request_finished and close the connection mid-transaction.
        raw = b"".join(response.streaming_content)
    else:
        raw = response.content
    return raw.decode("utf-8", errors="replace") + "\n" + response.get("Location", "")


def outcome(response, row: Row) -> str:
    status = response.status_code
    if status in (301, 302, 303) and not row.lands_on_login:
        location = response["Location"]
        if location.startswith(reverse("admin:login")):
            return "AL"
        if location.startswith(reverse("login")):
            return "L"
    if 200 <= status < 400:
        return "ok"
    return str(status)


def write_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables"
        )
        return dict(cursor.fetchall())


CASES = [(row, caller) for row in ROWS for caller in CALLERS]


@pytest.mark.parametrize(
    ("row", "caller"), CASES, ids=[f"{row.id}-{caller}" for row, caller in CASES]
)
def test_permission_matrix(world, row: Row, caller: str):
    expected = dict(zip(CALLERS, row.expect.split(), strict=True))[caller]
    client = client_for(row, caller, world)
    before = write_counts()
    response = send(client, row, caller, world)
    after = write_counts()
    got = outcome(response, row)
    body = content_of(response)
    assert got == expected, f"{row.id} as {caller}: {response.status_code} {body[:300]}"
    if expected in REFUSED:
        leaked = [sentinel for sentinel in pw.SENTINELS if sentinel in body]
        assert not leaked, f"refused, yet the answer holds {leaked}"
        written = {
            table: after[table] - before.get(table, 0)
            for table in after
            if after[table] != before.get(table, 0) and table not in WRITES_ALLOWED_ON_REFUSAL
        }
        assert not written, f"refused, yet it wrote {written}"
    if caller in OUTSIDE_TEAM:
        assert pw.DESCRIPTION not in body, "a complaint of team A shown outside team A"
    if caller in OUTSIDE_TEAM_B:
        assert pw.DESCRIPTION_B not in body, "team B's complaint shown outside team B"
    if caller in MASKED and caller not in row.sees_phone:
        spellings = (*pw.PHONE_SPELLINGS, *pw.PHONE_SPELLINGS_B)
        shown = [spelling for spelling in spellings if spelling in body]
        assert not shown, f"the full phone number reached a masked role: {shown}"


def test_the_write_counters_see_a_write_in_the_test_s_transaction(world):
    """Guards the check above: the counters must move inside the still-open transaction."""
    from complaints.models import Notification

    before = write_counts()
    Notification.objects.create(recipient=world.users["agent"], kind="x", message="x")
    after = write_counts()
    assert after["complaints_notification"] == before.get("complaints_notification", 0) + 1


# --- Every route has a row ----------------------------------------------------------------

# The Django admin builds its URLs per registered model; every one passes AdminSite's one
# gate (an active staff user) and then the ModelAdmin's has_*_permission. ROWS cover the
# gate (the index and a changelist) and the audit trail's read-only rule; the admin's
# own tests (tests/config/test_admin.py) cover the models.
EXCLUDED_NAMESPACES = {"admin"}
# Routes without a row, and why: none. (Static files are served by whitenoise, outside
# the URL resolver; media only under DEBUG.)
EXCLUDED_ROUTES: set[str] = set()


def _routes(resolver=None, namespace: str = ""):
    """(name, callback) of every URL pattern, namespaces joined, recursively."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}{pattern.namespace}:"
            yield from _routes(pattern, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}", pattern.callback


def _api_methods(callback) -> set[str]:
    """The methods a DRF route answers (HEAD and OPTIONS read: their GET row covers them)."""
    cls = getattr(callback, "cls", None)
    if cls is None:
        return set()
    if issubclass(cls, ViewSetMixin):
        methods = set(callback.actions)
    else:
        methods = {method for method in ("get", "post", "put", "patch", "delete")
                   if hasattr(cls, method)}  # fmt: skip
    return {method.upper() for method in methods} - {"HEAD", "OPTIONS"}


def test_every_route_has_a_row():
    covered = {(row.name, row.method) for row in ROWS}
    names = {name for name, _method in covered}
    missing = []
    for name, callback in _routes():
        if name.split(":", 1)[0] in EXCLUDED_NAMESPACES or name in EXCLUDED_ROUTES:
            continue
        if name not in names:
            missing.append(name)
        missing.extend(
            f"{name} {method}"
            for method in _api_methods(callback)
            if name.startswith("api-v1:") and (name, method) not in covered
        )
    assert not missing, f"routes without a row in the permission matrix: {missing}"
