"""Classification: rules in both languages, explanation, overrides, the learned model."""

import logging
from pathlib import Path

import pytest
from django.urls import reverse

from complaints import services
from complaints.enums import EventKind, Priority
from complaints.errors import ApplicationError
from complaints.models import Category, ClassificationRule, ClassifierModel, Complaint
from complaints.services.evaluation import evaluate_file, read_labelled
from complaints.services.learning import train_classifier
from tests.factories import CustomerFactory, make_complaint

pytestmark = pytest.mark.django_db

LABELLED = Path(__file__).resolve().parents[1] / "data" / "labelled_complaints.csv"


def classify(text, **fields):
    return services.classify(text=text, **fields)


@pytest.mark.parametrize(
    ("text", "priority", "category"),
    [
        ("客户反映插座冒烟起火，家里老人受伤", "urgent", "product_defect"),
        ("The router caught fire last night", "urgent", "product_defect"),
        ("我要去工信部投诉你们", "urgent", ""),
        ("I have instructed my lawyer to sue", "urgent", ""),
        ("整栋楼断网三天了", "urgent", "network_signal"),
        ("本月话费多扣了50元", "general", "billing_dispute"),
        ("Charged twice for the same month", "general", "billing_dispute"),
        ("快递一直没收到", "general", "logistics_delay"),
        ("请问怎么办理套餐变更", "non_urgent", "inquiry"),
        ("Nothing in particular to say", "general", ""),
    ],
)
def test_default_rules_in_both_languages(text, priority, category):
    result = classify(text)
    assert result.priority == priority
    assert result.category == category


def test_latin_phrases_match_whole_words_only_and_ignore_case():
    assert classify("the FIRE spread").priority == Priority.URGENT
    assert classify("a firewall setting question").priority != Priority.URGENT
    assert (
        classify("my issue with the bill").priority == Priority.GENERAL
    )  # "sue" is not in "issue"


def test_chinese_phrases_match_as_substrings():
    assert classify("用户说家里的光猫起火了").priority == Priority.URGENT


def test_the_most_severe_rule_wins_and_every_hit_is_explained():
    result = classify("请问为什么多扣了话费，我要找律师")
    assert result.priority == Priority.URGENT
    names = [hit.name for hit in result.rules]
    assert any("律师" in name for name in names) and any("多扣" in name for name in names)
    assert result.rules[0].priority == Priority.URGENT  # most severe first


def test_field_rules_referral_threat_vip_and_repeat():
    assert classify("quiet text", channel="referral").priority == Priority.URGENT
    assert classify("quiet text", emotion="threatening").priority == Priority.URGENT
    assert classify("请问怎么办理", customer_tier="vip").priority == Priority.GENERAL
    assert classify("请问怎么办理", is_repeat=True).priority == Priority.GENERAL
    assert classify("请问怎么办理").priority == Priority.NON_URGENT


def test_the_agent_s_category_is_kept():
    result = classify("本月话费多扣了50元", category="opaque_process")
    assert result.category == "opaque_process"


@pytest.mark.parametrize(
    "text",
    ["😡😡😡🔥", "x" * 1_000_000, "混合 mixed 文字 text ✨ 12315", "投诉\x00\x07内容\ufffd"],
)
def test_odd_text_never_blocks_intake(text, agent):
    complaint = services.register_complaint(
        customer=CustomerFactory(), channel="web", description=text, created_by=agent
    )
    assert complaint.priority in Priority.values
    assert "rules" in complaint.classification
    assert "\x00" not in complaint.description


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_text_classifies_as_general(text):
    assert classify(text).priority == Priority.GENERAL


def test_an_empty_description_is_refused_per_field(agent):
    with pytest.raises(ApplicationError) as error:
        services.register_complaint(
            customer=CustomerFactory(), channel="web", description="  ", created_by=agent
        )
    assert "description" in error.value.details


def test_intake_stores_the_explanation_and_may_only_raise_a_given_priority(agent):
    complaint = make_complaint(
        description="插座冒火花了", priority=Priority.NON_URGENT, category=None
    )
    assert complaint.priority == Priority.URGENT
    assert complaint.category.code == "product_defect"
    assert complaint.classification["rules"][0]["priority"] == "urgent"
    raised = make_complaint(description="请问怎么办理", priority=Priority.URGENT, category=None)
    assert raised.priority == Priority.URGENT
    assert raised.classification["source"].endswith("+agent")


def test_rule_edits_apply_without_a_restart(supervisor):
    assert classify("the hamster ate the cable").priority == Priority.GENERAL
    rule = services.save_rule(
        None,
        data={
            "name": "Rodent damage",
            "kind": "phrase",
            "phrase": "hamster",
            "priority": "urgent",
            "category": None,
            "weight": 10,
            "is_active": True,
        },
        by=supervisor,
    )
    assert classify("the hamster ate the cable").priority == Priority.URGENT
    services.save_rule(rule, data={"is_active": False}, by=supervisor)
    assert classify("the hamster ate the cable").priority == Priority.GENERAL


def test_a_rule_must_say_what_it_matches_and_what_it_sets(supervisor):
    with pytest.raises(ApplicationError) as error:
        services.save_rule(
            None, data={"name": "Empty", "kind": "phrase", "phrase": ""}, by=supervisor
        )
    assert {"phrase", "priority"} <= set(error.value.details)


def test_classification_costs_one_small_query(django_assert_max_num_queries):
    classify("warm-up")
    with django_assert_max_num_queries(2):  # rule fingerprint + active model version
        classify("插座冒火花了 and the bill is wrong")


def test_urgent_recall_on_the_shipped_labelled_set_is_at_least_95_percent():
    rows = read_labelled(LABELLED)
    assert len(rows) >= 200
    assert any("\u4e00" <= char <= "\u9fff" for row in rows for char in row["text"])
    report = evaluate_file(LABELLED)
    assert report["priority"]["per_class"]["urgent"]["recall"] >= 0.95


def test_the_evaluation_command_prints_scores_and_confusion(capsys):
    from django.core.management import call_command

    call_command("evaluate_classifier", str(LABELLED))
    output = capsys.readouterr().out
    assert "accuracy" in output and "recall" in output and "confusion" in output


def _import_labelled_complaints(agent):
    categories = {category.code: category for category in Category.objects.all()}
    for row in read_labelled(LABELLED):
        complaint = services.register_complaint(
            customer=CustomerFactory(),
            channel=row["channel"],
            emotion=row["emotion"],
            description=row["text"],
            category=categories[row["category"]],
            created_by=agent,
        )
        Complaint.objects.filter(pk=complaint.pk).update(priority=row["priority"])


def test_training_learns_from_final_labels_and_suggests_categories(agent):
    _import_labelled_complaints(agent)
    model = train_classifier()
    assert model.version == 1 and model.is_active
    assert set(model.metrics["classes"]["priority"]) == set(Priority.values)
    result = classify("客户反映宽带账单多扣了钱，要求退款")
    assert result.suggestion["model_version"] == 1
    assert result.suggestion["category"] == "billing_dispute"
    second = train_classifier()
    assert second.version == 2
    assert list(ClassifierModel.objects.filter(is_active=True)) == [second]


def test_the_model_never_lowers_a_priority(agent, settings):
    _import_labelled_complaints(agent)
    train_classifier()
    settings.CLASSIFIER_PRIORITY_RAISE_MIN_CONFIDENCE = 0.0
    result = classify("请问怎么办理套餐变更，另外家里插座冒烟了")
    assert result.priority == Priority.URGENT


def test_training_refuses_too_little_data():
    with pytest.raises(ApplicationError) as error:
        train_classifier()
    assert error.value.code == "not_enough_data"


def test_a_broken_model_falls_back_to_rules_and_is_logged(caplog):
    ClassifierModel.objects.create(version=1, trained_on=1, payload=b"not a model")
    with caplog.at_level(logging.ERROR):
        result = classify("插座冒火花了")
    assert result.priority == Priority.URGENT
    assert result.suggestion is None
    assert "Classifier failed" in caplog.text


def test_after_a_failed_load_no_model_means_rules_alone(agent, caplog):
    """A good model loaded, then a broken one failed to load: once no model is active, the
    old one must not come back under no key (it crashed on its missing version)."""
    _import_labelled_complaints(agent)
    train_classifier()
    classify("宽带又断网了")
    ClassifierModel.objects.update(payload=b"not a model", version=2)
    classify("宽带又断网了")
    ClassifierModel.objects.all().delete()
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        result = classify("插座冒火花了")
    assert result.priority == Priority.URGENT
    assert result.suggestion is None
    assert "Classifier failed" not in caplog.text


def test_an_override_needs_a_reason_and_lands_on_the_timeline(agent):
    complaint = make_complaint(description="请问怎么办理套餐", created_by=agent)
    with pytest.raises(ApplicationError) as error:
        services.override_classification(complaint, priority="urgent", reason=" ", by=agent)
    assert "reason" in error.value.details
    billing = Category.objects.get(code="billing_dispute")
    changed = services.override_classification(
        complaint, priority="general", category=billing, reason="客户其实在投诉扣费", by=agent
    )
    assert changed.priority == "general" and changed.category == billing
    kinds = set(changed.events.values_list("kind", flat=True))
    assert {EventKind.PRIORITY_CHANGED, EventKind.CATEGORY_CHANGED} <= kinds
    assert [o["field"] for o in changed.classification["overrides"]] == ["priority", "category"]


def test_override_and_explanation_on_the_complaint_page(client, agent, team):
    complaint = make_complaint(team=team, description="插座冒火花了")
    client.force_login(agent)
    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "Why this priority" in page and "火花" in page
    response = client.post(
        reverse("complaints:action", args=[complaint.pk, "reclassify"]),
        {"version": complaint.version, "priority": "general", "reason": ""},
    )
    assert response.status_code == 400
    response = client.post(
        reverse("complaints:action", args=[complaint.pk, "reclassify"]),
        {"version": complaint.version, "priority": "general", "reason": "误报：只是指示灯闪"},
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.priority == "general"


def test_supervisors_edit_rules_on_their_page_and_agents_cannot(client, supervisor, agent):
    client.force_login(agent)
    assert client.get(reverse("complaints:rules")).status_code == 403
    client.force_login(supervisor)
    assert "rules-table" in client.get(reverse("complaints:rules")).content.decode()
    bad = client.post(reverse("complaints:rule_new"), {"name": "x", "kind": "field", "weight": 5})
    assert bad.status_code == 400
    assert "invalid-feedback" in bad.content.decode()
    good = client.post(
        reverse("complaints:rule_new"),
        {"name": "Hamster", "kind": "phrase", "phrase": "仓鼠", "priority": "urgent", "weight": 5,
         "is_active": "on"},
    )  # fmt: skip
    assert good.status_code == 302
    assert ClassificationRule.objects.filter(phrase="仓鼠").exists()
