"""Reference data: the exchange's boards (板块) and application scenarios (应用场景), DOMAIN.md §3.

The minimum quality grade of each board is a simulator rule and can be changed in the admin.
"""

from django.db import migrations

BOARDS = [
    ("finance", "金融板块", "Finance", "key", "B"),
    ("shipping", "航运板块", "Shipping", "key", "C"),
    ("trade_logistics", "商贸物流板块", "Trade and logistics", "key", "C"),
    ("technology", "科技板块", "Science and technology", "key", "C"),
    ("manufacturing", "制造业板块", "Manufacturing", "key", "C"),
    ("telecom", "通信板块", "Telecoms", "special", "C"),
    ("healthcare", "医疗板块", "Healthcare", "special", "B"),
    ("transport", "交通板块", "Transport", "special", "C"),
    ("energy", "能源板块", "Energy", "special", "C"),
    ("credit", "信用板块", "Credit", "special", "B"),
    ("international", "国际板", "International Board", "international", "B"),
    ("digital_asset", "数字资产板块", "Digital assets", "digital_asset", "C"),
    ("yangtze_delta", "长三角板块", "Yangtze River Delta", "regional", "C"),
]

SCENARIOS = [
    ("financial_services", "金融服务", "Financial services"),
    ("manufacturing", "工业制造", "Manufacturing"),
    ("trade_distribution", "商贸流通", "Trade and distribution"),
    ("transport", "交通运输", "Transport"),
    ("healthcare", "医疗健康", "Healthcare"),
    ("science_technology", "科技创新", "Science and technology"),
    ("city_governance", "城市治理", "City governance"),
    ("emergency_management", "应急管理", "Emergency management"),
    ("brand_marketing", "品牌营销", "Brand marketing"),
    ("culture_tourism", "文化旅游", "Culture and tourism"),
    ("education", "教育", "Education"),
    ("entertainment_sport", "文体娱乐", "Entertainment and sport"),
    ("green_low_carbon", "绿色低碳", "Green and low-carbon"),
    ("modern_agriculture", "现代农业", "Modern agriculture"),
    ("weather", "气象服务", "Weather"),
    ("other", "其他", "Other"),
]


def load(apps, schema_editor):
    Board = apps.get_model("listings", "Board")
    for position, (code, name_zh, name_en, kind, grade) in enumerate(BOARDS, start=1):
        Board.objects.update_or_create(
            code=code,
            defaults={"name_zh": name_zh, "name_en": name_en, "kind": kind, "min_quality_grade": grade, "position": position},
        )
    Scenario = apps.get_model("listings", "Scenario")
    for position, (code, name_zh, name_en) in enumerate(SCENARIOS, start=1):
        Scenario.objects.update_or_create(code=code, defaults={"name_zh": name_zh, "name_en": name_en, "position": position})


def unload(apps, schema_editor):
    apps.get_model("listings", "Board").objects.all().delete()
    apps.get_model("listings", "Scenario").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("listings", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
