from django.db import migrations

# The categories seen in practice (DOMAIN.md, "Classify and prioritise").
CATEGORIES = [
    ("product_defect", "Product or service defect", "产品/服务缺陷"),
    ("opaque_process", "Opaque process (refund, after-sales)", "流程不透明（退款、售后）"),
    ("staff_attitude", "Staff attitude", "服务态度"),
    ("logistics_delay", "Logistics delay", "物流延误"),
    ("billing_dispute", "Billing or charges dispute", "计费/扣费争议"),
    ("network_signal", "Network or signal problem", "网络/信号问题"),
    ("inquiry", "Inquiry", "咨询"),
    ("other", "Other", "其他"),
]


def create_categories(apps, schema_editor):
    Category = apps.get_model("complaints", "Category")
    for position, (code, name_en, name_zh_hans) in enumerate(CATEGORIES):
        Category.objects.update_or_create(
            code=code,
            defaults={"name_en": name_en, "name_zh_hans": name_zh_hans, "position": position},
        )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0002_roles")]

    operations = [migrations.RunPython(create_categories, migrations.RunPython.noop)]
