"""Reference data: the six merchant categories of the exchange's merchant rules and their subtypes.

DOMAIN.md §1 (数商管理规范, 2022). Subtypes follow the examples the rules give for each category.
"""

from django.db import migrations

CATEGORIES = [
    ("supply_demand", "供方与需方", "Suppliers and buyers", [
        ("supplier", "数据供方", "Data supplier"),
        ("buyer", "数据需方", "Data buyer"),
    ]),
    ("delivery", "数据交付服务商", "Data delivery service provider", [
        ("api_gateway", "API网关", "API gateway"),
        ("privacy_computing", "隐私计算", "Privacy computing"),
        ("data_sandbox", "数据沙箱", "Data sandbox"),
    ]),
    ("assessment", "数据专业评估服务商", "Professional assessment provider", [
        ("compliance_assessment", "合规评估", "Compliance assessment"),
        ("quality_assessment", "质量评估", "Quality assessment"),
        ("asset_valuation", "资产评估", "Asset valuation"),
    ]),
    ("intermediary", "数据专业中介服务商", "Professional intermediary", [
        ("brokerage", "数据经纪", "Data brokerage"),
        ("matchmaking", "交易撮合", "Matchmaking"),
    ]),
    ("consultancy", "数据专业咨询服务商", "Professional consultancy", [
        ("governance_consulting", "数据治理咨询", "Data governance consulting"),
        ("strategy_consulting", "数据战略咨询", "Data strategy consulting"),
    ]),
    ("other", "其他类型服务商", "Other service provider", [
        ("data_annotation", "数据标注", "Data annotation"),
        ("data_security", "数据安全服务", "Data security services"),
    ]),
]


def load(apps, schema_editor):
    Category = apps.get_model("merchants", "Category")
    position = 0
    for code, name_zh, name_en, subtypes in CATEGORIES:
        position += 1
        parent, _ = Category.objects.update_or_create(
            code=code, defaults={"name_zh": name_zh, "name_en": name_en, "position": position, "parent": None}
        )
        for sub_code, sub_zh, sub_en in subtypes:
            position += 1
            Category.objects.update_or_create(
                code=sub_code, defaults={"name_zh": sub_zh, "name_en": sub_en, "position": position, "parent": parent}
            )


def unload(apps, schema_editor):
    apps.get_model("merchants", "Category").objects.filter(parent__isnull=False).delete()
    apps.get_model("merchants", "Category").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("merchants", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
