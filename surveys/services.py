"""Satisfaction surveys: invitations after closure, signed links, answers, SMS replies.

Every write goes through these functions; the public answer page, the SMS
gateway endpoint and the agents' phone-survey page are thin shells around them.
"""

import datetime as dt
import logging
import re
import secrets
import unicodedata
from functools import partial
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from complaints.errors import ApplicationError
from complaints.models import Complaint, User
from complaints.phones import normalise_phone
from complaints.services.messaging import queue_messages
from complaints.services.webhooks import queue_event
from surveys.enums import AnsweredVia, InvitationChannel, InvitationState, QuestionKind
from surveys.models import (
    Question,
    Questionnaire,
    SmsReply,
    SurveyAnswer,
    SurveyInvitation,
    SurveyResponse,
)
from surveys.signals import survey_answered
from surveys.webhooks import SURVEY_ANSWERED, response_data

logger = logging.getLogger(__name__)

TOKEN_SALT = "surveys.invitation"  # noqa: S105 - a namespace for signatures, not a secret
# Invitations per batch (two reads, one insert of their messages, one update):
# 1,000 keeps a batch's transaction, and its row locks, well under a second at a million
# complaints (docs/performance.md, "Survey invitations"); the task sends batches until
# none is left.
SEND_BATCH_SIZE = 1000
LOW_SCORE = 2


class SurveyLinkError(ApplicationError):
    """A survey link that cannot be answered: invalid, expired or already used."""


# --- Invitations ----------------------------------------------------------------------


def invite_after_closure(complaint: Complaint) -> SurveyInvitation | None:
    """Schedule the survey for a closed complaint, unless the customer was asked recently.

    Receiver of ``complaint_closed``; no customer is surveyed more than once in
    ``SURVEY_SUPPRESSION_DAYS``.
    """
    customer = complaint.customer
    now = timezone.now()
    channel = (
        InvitationChannel.SMS
        if customer.phone
        else InvitationChannel.EMAIL
        if customer.email
        else None
    )
    if channel is None:
        return None
    questionnaire = default_questionnaire(customer.language)
    if questionnaire is None:
        logger.warning("No active default questionnaire: complaint %s not surveyed", complaint.pk)
        return None
    since = now - dt.timedelta(days=settings.SURVEY_SUPPRESSION_DAYS)
    with transaction.atomic():
        recent = SurveyInvitation.objects.filter(customer=customer, created_at__gte=since).exclude(
            state=InvitationState.SUPPRESSED
        )
        state = InvitationState.SUPPRESSED if recent.exists() else InvitationState.SCHEDULED
        return SurveyInvitation.objects.create(
            complaint=complaint,
            customer=customer,
            questionnaire=questionnaire,
            channel=channel,
            state=state,
            nonce=secrets.token_hex(16),
            rated_agent=complaint.assignee,
            send_after=now + dt.timedelta(minutes=settings.SURVEY_DELAY_MINUTES),
        )


def invite_customer(
    *,
    customer,
    topic: str,
    rated_agent: User | None = None,
    respect_suppression: bool = True,
) -> SurveyInvitation | None:
    """Survey a customer about something other than a complaint (a key event, a repair).

    The suppression window applies unless the caller asks on purpose (a repair's
    follow-up); returns None when the customer has no phone or email, or no
    questionnaire exists.
    """
    channel = (
        InvitationChannel.SMS
        if customer.phone
        else InvitationChannel.EMAIL
        if customer.email
        else None
    )
    questionnaire = default_questionnaire(customer.language)
    if channel is None or questionnaire is None:
        return None
    since = timezone.now() - dt.timedelta(days=settings.SURVEY_SUPPRESSION_DAYS)
    recent = SurveyInvitation.objects.filter(customer=customer, created_at__gte=since).exclude(
        state=InvitationState.SUPPRESSED
    )
    suppressed = respect_suppression and recent.exists()
    return SurveyInvitation.objects.create(
        topic=topic[:200],
        customer=customer,
        questionnaire=questionnaire,
        channel=channel,
        state=InvitationState.SUPPRESSED if suppressed else InvitationState.SCHEDULED,
        nonce=secrets.token_hex(16),
        rated_agent=rated_agent,
        send_after=timezone.now(),
    )


def default_questionnaire(language: str) -> Questionnaire | None:
    """The active default questionnaire in ``language``, else in the centre's language."""
    candidates = Questionnaire.objects.filter(is_active=True, is_default=True)
    return (
        candidates.filter(language=language).first()
        or candidates.filter(language=settings.LANGUAGE_CODE).first()
        or candidates.first()
    )


def token_for(invitation: SurveyInvitation) -> str:
    return _token(invitation.pk, invitation.nonce)


def _token(pk: int, nonce: str) -> str:
    return signing.dumps({"i": pk, "n": nonce}, salt=TOKEN_SALT)


def _link_builder():
    """Survey links for a batch: the URL is reversed once, each token signed per invitation."""
    marker = "0"
    prefix, suffix = reverse("surveys:answer", args=[marker]).rsplit(marker, 1)
    base = f"{settings.PUBLIC_BASE_URL.rstrip('/')}{prefix}"
    return lambda pk, nonce: f"{base}{_token(pk, nonce)}{suffix}"


def send_due_invitations(*, now: dt.datetime | None = None, limit: int | None = None) -> int:
    """Send one batch of scheduled invitations that are due; return how many went out.

    Set-based, so that a backlog drains fast: the batch's rows are locked (SKIP LOCKED:
    concurrent runs share the work) and read as plain values in two queries, their
    messages go into the outbox in one insert per channel (SMS wait for the end of quiet
    hours there; a dedupe key already queued adds nothing), and the batch is marked sent
    in one update. Each message is written in its customer's language. The task repeats
    this while full batches go out.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # The batch is picked and locked on the invitations alone, then read with its
        # customers and complaints: joined in the locking read, a planner that had not
        # counted the backlog yet joined every waiting invitation before sorting.
        batch = list(
            SurveyInvitation.objects.select_for_update(skip_locked=True)
            .filter(state=InvitationState.SCHEDULED, send_after__lte=now)
            .order_by("send_after", "id")
            .values_list("id", flat=True)[: limit or SEND_BATCH_SIZE]
        )
        if not batch:
            return 0
        due = list(
            SurveyInvitation.objects.filter(pk__in=batch)
            .order_by("send_after", "id")
            .values(*_SEND_FIELDS)
        )
        texts = _invitation_texts({row["customer__language"] for row in due})
        link = _link_builder()
        for channel in sorted({row["channel"] for row in due}):
            batch = [row for row in due if row["channel"] == channel]
            queue_messages(
                channel=channel,
                recipients=[
                    row[
                        "customer__phone" if channel == InvitationChannel.SMS else "customer__email"
                    ]
                    for row in batch
                ],
                bodies=[
                    _text(texts, row)[0]
                    % {
                        "name": row["customer__name"],
                        "reference": row["complaint__reference"],
                        "topic": row["topic"],
                        "url": link(row["id"], row["nonce"]),
                    }
                    for row in batch
                ],
                subjects=[_text(texts, row)[1] for row in batch],
                dedupe_keys=[f"survey:{row['id']}" for row in batch],
                complaint_ids=[row["complaint_id"] for row in batch],
                not_before=now,
            )
        SurveyInvitation.objects.filter(pk__in=[row["id"] for row in due]).update(
            state=InvitationState.SENT,
            sent_at=now,
            expires_at=now + dt.timedelta(days=settings.SURVEY_LINK_DAYS),
        )
    return len(due)


# What sending reads of an invitation, its customer and its complaint: values, not
# instances (building a thousand of each took longer than the batch's SQL).
_SEND_FIELDS = (
    "id",
    "nonce",
    "channel",
    "topic",
    "complaint_id",
    "customer__name",
    "customer__phone",
    "customer__email",
    "customer__language",
    "complaint__reference",
)


def _text(texts: dict, row: dict[str, Any]) -> tuple[str, str]:
    return texts[row["customer__language"], row["complaint_id"] is not None]


def _invitation_texts(languages: set[str]) -> dict[tuple[str, bool], tuple[str, str]]:
    """Body template and subject per (language, about a complaint?), translated once each.

    A survey that is not about a complaint (a key event's follow-up, a repair's) names
    its topic instead of a complaint reference.
    """
    texts = {}
    for language in languages:
        with translation.override(language):
            texts[language, True] = (
                _(
                    "%(name)s, how did we do with complaint %(reference)s? Tell us here: "
                    "%(url)s (or reply with a score from 1 to 5)"
                ),
                _("How did we handle your complaint?"),
            )
            texts[language, False] = (
                _(
                    "%(name)s, how satisfied are you with %(topic)s? Tell us here: %(url)s "
                    "(or reply with a score from 1 to 5)"
                ),
                _("How did we do?"),
            )
    return texts


def invitation_from_token(token: str) -> SurveyInvitation:
    """The invitation behind a link, or SurveyLinkError (invalid 404, expired or used 410)."""
    try:
        data = signing.loads(
            token, salt=TOKEN_SALT, max_age=dt.timedelta(days=settings.SURVEY_LINK_DAYS)
        )
    except signing.SignatureExpired:
        raise SurveyLinkError(
            _("This survey link has expired."), code="expired", status=410
        ) from None
    except signing.BadSignature:
        raise SurveyLinkError(
            _("This survey link is not valid."), code="invalid", status=404
        ) from None
    invitation = (
        SurveyInvitation.objects.select_related("questionnaire", "complaint", "customer")
        .filter(pk=data.get("i"), nonce=data.get("n"))
        .first()
    )
    if invitation is None:
        raise SurveyLinkError(_("This survey link is not valid."), code="invalid", status=404)
    if invitation.state == InvitationState.ANSWERED:
        raise SurveyLinkError(
            _("This survey has already been answered. Thank you!"), code="used", status=410
        )
    if invitation.expires_at and invitation.expires_at < timezone.now():
        raise SurveyLinkError(_("This survey link has expired."), code="expired", status=410)
    return invitation


# --- Responses -----------------------------------------------------------------------


def record_response(
    invitation: SurveyInvitation,
    *,
    answers: dict[int, Any],
    via: str,
    recorded_by: User | None = None,
    comment: str = "",
    require_all: bool = True,
) -> SurveyResponse:
    """Record the answers once; a second submission is refused and records nothing.

    ``answers`` maps question ids to values: an int for score (1–5) and
    recommend (0–10), a level "1"–"5" for satisfaction, a list for multiple
    choice, text for open questions.
    """
    questions = list(invitation.questionnaire.questions.all())
    cleaned, errors = _clean_answers(questions, answers, require_all=require_all)
    if errors:
        raise ApplicationError(
            _("Some answers are missing or not valid."), code="invalid", details=errors
        )
    with transaction.atomic():
        locked = SurveyInvitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.state == InvitationState.ANSWERED:
            raise SurveyLinkError(
                _("This survey has already been answered. Thank you!"), code="used", status=409
            )
        complaint = invitation.complaint
        score = _score(questions, cleaned)
        response = SurveyResponse.objects.create(
            invitation=locked,
            complaint=complaint,
            customer_id=locked.customer_id,
            agent_id=locked.rated_agent_id,
            team_id=complaint.team_id if complaint else None,
            category_code=complaint.category.code if complaint and complaint.category_id else "",
            complaint_channel=complaint.channel if complaint else "",
            answered_via=AnsweredVia(via),
            score=score,
            recommend=_first(questions, cleaned, QuestionKind.RECOMMEND),
            comment=(comment or _first(questions, cleaned, QuestionKind.OPEN_TEXT) or "")[:2000],
            is_low=_is_low(questions, cleaned, score),
            recorded_by=recorded_by,
        )
        SurveyAnswer.objects.bulk_create(
            [
                SurveyAnswer(response=response, question_id=question_id, value=value)
                for question_id, value in cleaned.items()
            ]
        )
        locked.state = InvitationState.ANSWERED
        locked.save(update_fields=["state"])
        queue_event(SURVEY_ANSWERED, partial(response_data, response))
        transaction.on_commit(lambda: _announce(response))
    return response


def _announce(response: SurveyResponse) -> None:
    """Tell listeners (repair); a low answer may also reopen the complaint."""
    survey_answered.send(sender=SurveyResponse, response=response, low=response.is_low)
    if response.is_low and settings.SURVEY_LOW_SCORE_REOPENS and response.complaint_id:
        from complaints.services import reopen

        try:
            reopen(
                response.complaint,
                reason=_("The customer was dissatisfied in the survey (score %(score)s).")
                % {"score": response.score},
                by=None,
            )
        except ApplicationError as error:
            logger.info("Low survey answer did not reopen %s: %s", response.complaint_id, error)


def _clean_answers(
    questions: list[Question], answers: dict[int, Any], *, require_all: bool
) -> tuple[dict[int, Any], dict[str, list[str]]]:
    cleaned: dict[int, Any] = {}
    errors: dict[str, list[str]] = {}
    for question in questions:
        raw = answers.get(question.pk)
        empty = raw in (None, "", [])
        if empty:
            if question.required and require_all:
                errors[f"q{question.pk}"] = [_("Please answer this question.")]
            continue
        try:
            cleaned[question.pk] = _clean_value(question, raw)
        except (TypeError, ValueError):
            errors[f"q{question.pk}"] = [_("This answer is not valid.")]
    return cleaned, errors


def _clean_value(question: Question, raw: Any) -> Any:
    kind = question.kind
    if kind == QuestionKind.SCORE:
        value = int(raw)
        if not 1 <= value <= 5:
            raise ValueError
        return value
    if kind == QuestionKind.RECOMMEND:
        value = int(raw)
        if not 0 <= value <= 10:
            raise ValueError
        return value
    if kind == QuestionKind.SATISFACTION:
        value = str(raw)
        if value not in {"1", "2", "3", "4", "5"}:
            raise ValueError
        return value
    if kind == QuestionKind.MULTIPLE_CHOICE:
        values = [raw] if isinstance(raw, str) else list(raw)
        if not set(values) <= set(question.choices):
            raise ValueError
        return values
    return str(raw).strip()[:2000]


def _first(questions: list[Question], cleaned: dict[int, Any], kind: str) -> Any:
    return next((cleaned[q.pk] for q in questions if q.kind == kind and q.pk in cleaned), None)


def _score(questions: list[Question], cleaned: dict[int, Any]) -> int | None:
    score = _first(questions, cleaned, QuestionKind.SCORE)
    if score is None:
        level = _first(questions, cleaned, QuestionKind.SATISFACTION)
        score = int(level) if level else None
    return score


def _is_low(questions: list[Question], cleaned: dict[int, Any], score: int | None) -> bool:
    level = _first(questions, cleaned, QuestionKind.SATISFACTION)
    return (score is not None and score <= LOW_SCORE) or (
        level is not None and int(level) <= LOW_SCORE
    )


# --- SMS replies ------------------------------------------------------------------------

# Longest phrases first: "非常不满意" must not be read as "满意".
_WORDS = [
    ("非常不满意", 1), ("很不满意", 1), ("不满意", 2), ("非常满意", 5), ("很满意", 5),
    ("一般", 3), ("满意", 4), ("very dissatisfied", 1), ("dissatisfied", 2), ("unhappy", 2),
    ("very satisfied", 5), ("satisfied", 4), ("neutral", 3), ("ok", 3),
]  # fmt: skip
_LEADING_SCORE = re.compile(r"^\s*([1-5])(?:\s*分)?(?![0-9])\s*(.*)$", re.DOTALL)


def parse_sms_reply(text: str) -> tuple[int | None, str]:
    """Read a score 1–5 and a comment from a reply; (None, text) when it cannot be read.

    Understands "5", "５" (full-width), "5分", "1 太慢了", and the five levels in
    Chinese and English. Never guesses: anything else stays unparsed.
    """
    normalised = unicodedata.normalize("NFKC", text or "").strip()
    match = _LEADING_SCORE.match(normalised)
    if match:
        return int(match.group(1)), match.group(2).strip()
    lowered = normalised.lower()
    for phrase, score in _WORDS:
        if lowered.startswith(phrase):
            return score, normalised[len(phrase) :].strip(" ，,。.!！")
    return None, normalised


def receive_sms_reply(*, phone: str, text: str, received_at: dt.datetime | None = None) -> SmsReply:
    """Store a reply from the SMS gateway and, when it can be read, record it as the answer."""
    received_at = received_at or timezone.now()
    try:
        e164 = normalise_phone(phone)
    except ApplicationError:
        e164 = phone[:20]
    score, comment = parse_sms_reply(text)
    invitation = (
        SurveyInvitation.objects.filter(
            customer__phone=e164,
            state=InvitationState.SENT,
            expires_at__gt=received_at,
        )
        .select_related("questionnaire", "complaint__category", "customer")
        .order_by("-sent_at")
        .first()
    )
    with transaction.atomic():
        reply = SmsReply.objects.create(
            phone=e164,
            text=text[:1000],
            received_at=received_at,
            invitation=invitation,
            parsed_score=score,
            is_parsed=score is not None,
        )
        if score is not None and invitation is not None:
            question = invitation.questionnaire.questions.filter(
                kind__in=[QuestionKind.SCORE, QuestionKind.SATISFACTION]
            ).first()
            answers = {question.pk: score} if question is not None else {}
            try:
                reply.response = record_response(
                    invitation,
                    answers=answers,
                    via=AnsweredVia.SMS,
                    comment=comment,
                    require_all=False,  # an SMS answers the score only
                )
            except SurveyLinkError:
                pass  # answered already (e.g. on the web): the reply is kept for agents
            else:
                reply.save(update_fields=["response"])
    return reply
