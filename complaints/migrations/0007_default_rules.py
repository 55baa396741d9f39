"""The default classification rules (DOMAIN.md, "Classify and prioritise"), in both languages.

Supervisors edit them afterwards; this migration only seeds a fresh centre.
Chinese phrases match as substrings, Latin-script phrases as whole words.
"""

from django.db import migrations

U, G, N = "urgent", "general", "non_urgent"

# family name, priority, category code, weight, phrases
# fmt: off
PHRASE_FAMILIES = [
    (
        "Safety risk",
        U,
        "product_defect",
        90,
        [
            "起火", "着火", "失火", "冒烟", "冒火", "火花", "爆炸", "炸了", "煤气", "燃气",
            "漏气", "触电", "电到", "漏电", "受伤", "烧伤", "烫伤", "烧焦", "烧坏", "自燃",
            "短路", "发烫冒烟", "电击", "fire", "caught fire", "on fire", "smoke", "smoking",
            "smoked", "sparks", "sparked", "sparking", "explosion", "exploded", "explode",
            "gas leak", "gas smell", "smell of gas", "electric shock", "got a shock",
            "electrocuted", "injured", "injury", "hurt himself", "hurt herself",
            "burned", "burnt", "burns", "melted", "melting", "scorched", "overheated",
            "熔化", "融化", "熏黑", "很烫", "烫红", "烫手", "鼓包", "异味", "tingling", "a shock",
            "smell gas", "smells of gas", "swollen battery",
        ],
    ),
    (
        "Threat of harm",
        U,
        "other",
        85,
        [
            "砸了", "砸店", "砸你们", "弄死", "杀了", "杀人", "打死", "报复", "跳楼", "自杀",
            "同归于尽", "不客气", "走着瞧", "放火", "打人", "动手", "kill", "hurt someone",
            "hurt you", "smash", "violence", "violent", "burn down", "attack", "revenge",
            "shoot", "beat up", "end my life", "suicide", "come down there", "you'll regret",
            "轻生", "不想活", "活着没意思", "想不开", "寻死", "end it all", "hopeless",
            "no reason to live", "take my own life", "hurt myself",
        ],
    ),
    (
        "Regulator, media or legal escalation",
        U,
        "",
        80,
        [
            "工信部", "通信管理局", "管局", "消协", "消费者协会", "12315", "12300", "市场监管",
            "媒体", "曝光", "记者", "电视台", "报社", "新闻", "微博曝光", "律师", "起诉",
            "法院", "诉讼", "上访", "投诉到上级", "MIIT", "ministry", "regulator", "regulatory",
            "consumer association", "consumer council", "journalist", "reporter", "newspaper",
            "the press", "media", "TV station", "television", "go public", "lawyer",
            "attorney", "sue", "suing", "lawsuit", "court", "legal action",
        ],
    ),
    (
        "Serious service failure",
        U,
        "network_signal",
        75,
        [
            "大面积", "整个小区", "整栋楼", "整个楼", "全村", "全镇", "整条街", "断网三天",
            "断网好几天", "好几天没网", "几天没有信号", "多天", "一周没", "无法拨打120",
            "无法拨打110", "紧急呼叫", "医院", "whole area", "entire area", "area-wide",
            "whole building", "entire building", "whole neighbourhood", "whole neighborhood",
            "whole village", "whole street", "outage", "for days", "several days", "three days",
            "a week without", "emergency call", "emergency number", "hospital",
            "整个村", "村子", "都没有信号", "拨打120", "打120", "拨打110", "打110", "拨打119",
            "中断两天", "两天", "三天", "一周", "断网一周", "商户", "营业额", "损失", "诊所",
            "养老院", "call 110", "call 120", "dial 110", "dial 120", "through to 110",
            "through to 120", "call 911", "48 hours", "two days", "four days", "since monday",
            "has been dead", "been down", "entire village", "entire street", "clinic",
            "patients", "care home", "losing", "business line",
        ],
    ),
    (
        "Wrongful or repeated charges",
        G,
        "billing_dispute",
        50,
        [
            "多扣", "乱扣", "扣费", "扣了", "重复扣", "乱收费", "多收", "话费", "账单", "增值业务",
            "未订购", "没有订购", "没订购", "莫名", "收费", "overcharged", "charged twice",
            "double charged", "double charge", "wrong charge", "extra charge", "charged",
            "charge", "bill", "billing", "invoice", "subscription", "never subscribed",
        ],
    ),
    (
        "Refund or after-sales process",
        G,
        "opaque_process",
        40,
        [
            "退款", "退费", "售后", "没人处理", "无人处理", "一直拖", "推诿", "流程", "refund",
            "after-sales", "after sales", "no one responded", "nobody responded", "runaround",
            "still waiting for",
        ],
    ),
    (
        "Logistics delay",
        G,
        "logistics_delay",
        45,
        [
            "快递", "物流", "还没到", "没收到", "未收到", "配送", "发货", "送货", "包裹",
            "delivery", "delivered", "parcel", "package", "shipping", "shipment", "courier",
            "not arrived", "hasn't arrived", "has not arrived", "never arrived", "lost in transit",
        ],
    ),
    (
        "Minor malfunction",
        G,
        "network_signal",
        30,
        [
            "网速慢", "网速很慢", "信号差", "信号不好", "断断续续", "掉线", "断网", "没信号",
            "卡顿", "slow", "intermittent", "drops out", "keeps dropping", "no signal",
            "weak signal", "poor signal", "disconnects", "buffering", "broadband", "wifi",
            "wi-fi",
        ],
    ),
    (
        "Device or app fault",
        G,
        "product_defect",
        30,
        [
            "坏了", "故障", "无法登录", "登录不了", "闪退", "报错", "死机", "黑屏", "不能用",
            "broken", "faulty", "not working", "doesn't work", "does not work", "crash",
            "crashes", "error", "can't log in", "cannot log in", "login",
        ],
    ),
    (
        "Staff attitude",
        G,
        "staff_attitude",
        35,
        [
            "态度", "不耐烦", "骂", "恶劣", "服务差", "冷漠", "甩脸", "rude", "attitude",
            "impolite", "shouted", "yelled", "unprofessional", "disrespectful", "hung up on me",
        ],
    ),
    (
        "Inquiry",
        N,
        "inquiry",
        20,
        [
            "咨询", "请问", "想了解", "想问", "怎么办理", "如何办理", "如何", "是否可以",
            "能不能", "什么时候", "建议", "how do i", "how can i", "how to", "would like to know",
            "could you explain", "can you explain", "what is", "what does", "inquiry",
            "enquiry", "question about", "ask about", "wondering", "suggestion", "is it possible",
            "询问", "问一下", "是否", "能否", "怎样", "怎么", "区别", "需要哪些", "多少钱",
            "有哪些", "asks", "asking", "wants to know", "suggests", "enquires", "inquires",
            "when will",
        ],
    ),
]

# fmt: on

# name, field, value, priority, category code, weight
FIELD_RULES = [
    ("Regulator or media referral", "channel", "referral", U, "", 80),
    ("Customer is threatening", "emotion", "threatening", U, "", 85),
    ("VIP customer", "customer_tier", "vip", G, "", 25),
    ("Repeat complaint", "repeat", "yes", G, "", 25),
    ("Category: logistics delay", "category", "logistics_delay", G, "", 15),
    ("Category: billing dispute", "category", "billing_dispute", G, "", 15),
    ("Category: inquiry", "category", "inquiry", N, "", 15),
]


def create_rules(apps, schema_editor):
    Rule = apps.get_model("complaints", "ClassificationRule")
    Category = apps.get_model("complaints", "Category")
    categories = {category.code: category for category in Category.objects.all()}
    if Rule.objects.exists():
        return  # a centre that already has rules keeps them
    rules = []
    for family, priority, category, weight, phrases in PHRASE_FAMILIES:
        for phrase in phrases:
            rules.append(
                Rule(
                    name=f"{family}: {phrase}",
                    kind="phrase",
                    phrase=phrase,
                    priority=priority,
                    category=categories.get(category),
                    weight=weight,
                )
            )
    for name, field, value, priority, category, weight in FIELD_RULES:
        rules.append(
            Rule(
                name=name,
                kind="field",
                field=field,
                value=value,
                priority=priority,
                category=categories.get(category),
                weight=weight,
            )
        )
    Rule.objects.bulk_create(rules)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0006_classification")]

    operations = [migrations.RunPython(create_rules, migrations.RunPython.noop)]
