"""The personal-information scanner of the automated checks and the merchants' pre-check (DOMAIN.md §7a).

It finds resident ID numbers (GB 11643-1999), mainland mobile numbers, bank card numbers (Luhn),
e-mail addresses and Chinese personal names, per column of a sample and inside free text. Numbers
are recognised by their structure, never by a column's header, and look-alikes are not reported:
an ID with a wrong check character or an impossible birth date, a card number failing Luhn, an
order number, a landline, a mobile number inside a longer run of digits. Full-width forms
(１３８１２３４５６７８, ＠, ＋８６) are read as their ASCII counterparts. Names are recognised by
content (a common surname and one or two given-name characters filling the whole cell); a column
counts as a name column when most of its cells are names, and place, board and product names are
kept out by stop lists.

Speed matters: a 100,000-row sample is scanned while the merchant waits. The regular expressions
are compiled once, a cell of plain digits is classified without any, a cell runs the number
patterns only when it holds a run of eleven digits, and each distinct value of a column is
classified once.
"""

import re
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from operator import mul
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # listings.samples imports nothing from here; the type is for annotations only
    from listings.samples import Sample

PERSONAL_INFORMATION_KINDS = ("resident_id", "mobile", "bank_card", "email", "person_name")

# A column is a name column when at least this share of its non-empty cells are names (DOMAIN.md
# §7a asks for care with place and product names: one stray name does not make a column of names).
NAME_COLUMN_SHARE = 0.8


def _words(*lines: str) -> frozenset[str]:
    """A set of words written as blank-separated lines: easier to read and extend than a list."""
    return frozenset(" ".join(lines).split())


@dataclass(frozen=True)
class Finding:
    """``count`` cells of ``column`` hold personal information of ``kind``."""

    kind: str
    column: str
    count: int


# --- resident ID numbers (GB 11643-1999) -----------------------------------------------------------

# GB/T 2260 province-level codes: the first two digits of the six-digit region code.
PROVINCE_CODES = _words(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64",
    "65 71 81 82",
)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARACTERS = "10X98765432"  # indexed by S mod 11
EARLIEST_BIRTH_DATE = date(1900, 1, 1)


def is_resident_id(value: str) -> bool:
    """Whether ``value`` is a resident ID number: 18 characters, a real province, a real birth date
    from 1900 to today, and the GB 11643 check character (a lower-case x is accepted)."""
    if len(value) != 18 or not value.isascii() or not value[:17].isdigit():
        return False
    if value[:2] not in PROVINCE_CODES:
        return False
    born = value[6:14]
    if not _is_calendar_date(born) or born > _today_digits():
        return False
    # The digits' byte values are their values plus 48 ("0"): one C-level pass over the bytes.
    total = sum(map(mul, value[:17].encode("ascii"), ID_WEIGHTS)) - _ID_DIGIT_OFFSET
    return value[17].upper() == ID_CHECK_CHARACTERS[total % 11]


def resident_id_check_character(first_seventeen: str) -> str:
    """The GB 11643 check character for the first 17 digits of a resident ID number."""
    total = sum(
        int(digit) * weight for digit, weight in zip(first_seventeen, ID_WEIGHTS, strict=True)
    )
    return ID_CHECK_CHARACTERS[total % 11]


_ID_DIGIT_OFFSET = ord("0") * sum(ID_WEIGHTS)


@lru_cache(maxsize=65536)  # every date since 1900 fits
def _is_calendar_date(yyyymmdd: str) -> bool:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        return False
    return born >= EARLIEST_BIRTH_DATE


_today = {"digits": "", "checked": float("-inf")}


def _today_digits() -> str:
    """Today as YYYYMMDD, looked up at most once a minute (a worker runs for days)."""
    now = time.monotonic()
    if now - _today["checked"] > 60:
        _today.update(digits=date.today().strftime("%Y%m%d"), checked=now)
    return _today["digits"]


# --- bank cards (ISO/IEC 7812, Luhn) ---------------------------------------------------------------

# Each digit's byte mapped to the byte of its Luhn double (2d, less 9 past 9).
_LUHN_DOUBLED = bytes.maketrans(b"0123456789", b"0246813579")


def passes_luhn(digits: str) -> bool:
    """Whether a string of ASCII digits passes the Luhn (mod 10) check."""
    raw = digits.encode("ascii")
    total = sum(raw[-1::-2]) + sum(raw[-2::-2].translate(_LUHN_DOUBLED)) - ord("0") * len(raw)
    return total % 10 == 0


def is_bank_card(digits: str) -> bool:
    """16–19 digits passing Luhn, not starting with 0, and not a resident ID number.

    A card number's first digit is its major industry identifier, never 0 (ISO/IEC 7812); without
    this, zero-padded codes such as ``0000000000000000`` would count as cards.
    """
    return _is_card_number(digits) and not (len(digits) == 18 and is_resident_id(digits))


def _is_card_number(digits: str) -> bool:
    return 16 <= len(digits) <= 19 and digits[0] != "0" and passes_luhn(digits)


# --- patterns --------------------------------------------------------------------------------------

# A cell needs eleven digits in a run (blanks or dashes may separate them) before any of the number
# patterns can match: the cheap test that keeps most text cells away from the others.
_NUMBER_RUN = re.compile(r"[0-9](?:[ -]?[0-9]){10}")
_RESIDENT_ID = re.compile(r"(?<![0-9])[1-8][0-9]{16}[0-9Xx](?![0-9])")
# 1[3-9] and nine more digits, as one run or grouped 3-4-4 by blanks or dashes, optionally after
# +86, 0086 or 86; never next to other digits (so found in "电话13812345678", not in a longer run).
_MOBILE = re.compile(r"(?<![0-9])(?:(?:\+|00)?86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2}(?![0-9])")
# 16–19 digits as one run, or grouped in fours by single blanks (the last group one to three
# digits for 17–19 digits); never next to other digits or to another group of them.
_BANK_CARD = re.compile(
    r"(?<![0-9])[0-9]{16,19}(?![0-9Xx])|(?<![0-9])(?<![0-9] )[0-9]{4}(?: [0-9]{4}){3}(?: [0-9]{1,3})?(?![0-9])(?! [0-9])"
)
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![A-Za-z0-9])"
)


# Full-width forms (U+FF01–U+FF5E) and the ideographic space, mapped one character to one onto
# ASCII, so that positions in the mapped text are positions in the text as written.
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def half_width(text: str) -> str:
    """``text`` with its full-width digits, letters and signs written as ASCII (same length)."""
    return text if text.isascii() else text.translate(_HALF_WIDTH)


def find_in_text(text: str) -> list[tuple[str, str]]:
    """Personal information inside free text, as ``(kind, value as written)`` in order of
    appearance. Names are not looked for here: a name is recognised only as a whole cell of a
    name column (see ``scan_values``)."""
    normal = half_width(text)
    found: list[tuple[int, int, str]] = []
    if "@" in normal:
        found.extend((match.start(), match.end(), "email") for match in _EMAIL.finditer(normal))
    if _NUMBER_RUN.search(normal):
        found.extend(_numbers_in(normal))
    found.sort(key=lambda item: item[0])
    return [(kind, text[start:end]) for start, end, kind in found]


def _numbers_in(text: str) -> list[tuple[int, int, str]]:
    """The numbers in ``text`` (already half-width) as ``(start, end, kind)``."""
    found = [
        (*m.span(), "resident_id") for m in _RESIDENT_ID.finditer(text) if is_resident_id(m.group())
    ]
    found.extend((*m.span(), "mobile") for m in _MOBILE.finditer(text))
    found.extend(
        (*m.span(), "bank_card")
        for m in _BANK_CARD.finditer(text)
        if is_bank_card(m.group().replace(" ", ""))
    )
    return found


# --- the column scan -------------------------------------------------------------------------------

# A cell's kinds as bits, so that a column's cells are counted once per distinct set of kinds.
_KIND_BITS = {"resident_id": 1, "mobile": 2, "bank_card": 4, "email": 8}
_RESIDENT_ID_BIT, _MOBILE_BIT, _BANK_CARD_BIT, _EMAIL_BIT = _KIND_BITS.values()
_NAME_BIT = 16
_BLANK_BIT = 32
_MOBILE_SECOND_DIGITS = frozenset("3456789")


def scan_sample(sample: "Sample") -> list[Finding]:
    """Personal information in every column of a sample, in column order, then by kind."""
    findings = []
    for column in sample.columns:
        findings.extend(scan_values(column, [row.get(column) for row in sample.rows]))
    return findings


def scan_values(column: str, values: Iterable[str | None]) -> list[Finding]:
    """Personal information in one column: for each kind found, the number of cells holding it (a
    cell with two mobile numbers counts once; a cell can count for several kinds). Sorted by kind."""
    cells_by_mask: dict[int, int] = defaultdict(int)
    masks: dict[str, int] = {}
    for value in values:
        if value is None:
            continue
        mask = masks.get(value)
        if mask is None:
            mask = masks[value] = _cell_mask(value)
        cells_by_mask[mask] += 1
    counts = {
        kind: sum(cells for mask, cells in cells_by_mask.items() if mask & bit)
        for kind, bit in _KIND_BITS.items()
    }
    present = sum(cells for mask, cells in cells_by_mask.items() if not mask & _BLANK_BIT)
    names = sum(cells for mask, cells in cells_by_mask.items() if mask & _NAME_BIT)
    if names and names >= NAME_COLUMN_SHARE * present:
        counts["person_name"] = names
    return [
        Finding(kind=kind, column=column, count=count)
        for kind, count in sorted(counts.items())
        if count
    ]


def _cell_mask(value: str) -> int:
    if not value.isascii():
        value = value.translate(_HALF_WIDTH)
    if value.isdigit() and value.isascii():
        return _digits_mask(value)
    stripped = value.strip()
    if not stripped:
        return _BLANK_BIT
    mask = 0
    if "@" in value and _EMAIL.search(value):
        mask |= _EMAIL_BIT
    if _NUMBER_RUN.search(value):
        for _, _, kind in _numbers_in(value):
            mask |= _KIND_BITS[kind]
    if is_person_name(stripped):
        mask |= _NAME_BIT
    return mask


def _digits_mask(digits: str) -> int:
    """A cell of plain digits, classified without regular expressions (the common case)."""
    length = len(digits)
    if length == 11:
        return _MOBILE_BIT if digits[0] == "1" and digits[1] in _MOBILE_SECOND_DIGITS else 0
    if length == 13:  # 86 and a mobile number
        return _MOBILE_BIT if digits.startswith("861") and digits[3] in _MOBILE_SECOND_DIGITS else 0
    if length == 18 and is_resident_id(digits):
        return _RESIDENT_ID_BIT  # and so not a bank card, even when it passes Luhn
    return _BANK_CARD_BIT if _is_card_number(digits) else 0


# --- personal names --------------------------------------------------------------------------------

# The common single-character surnames (the ~380 most frequent of the 2020 census ranking; a few
# characters that start far more ordinary words than they name people — 区 国 海 平 云 元 信 银 都
# 来 但 由 干 公 那 於 阿 普 利 — are left out).
SINGLE_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季"
    "裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦"
    "戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻"
    "苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝郜阚花权强帅屠豆朴盖练廉禹"
    "井祖漆巴丰支卿狄计索宣晋相初门容敬扈晁芮阙戈伏鹿薄邸雍辜羊乌母裘亓修邰赫杭况宿鲜印逯隆茹诸战慕危玉亢"
    "嵇哈湛宾戎勾茅呼居揭尉冶斯束檀衣展阴昝智幸奉植衡富尧闭"
)
COMPOUND_SURNAMES = _words(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离",
    "澹台 公冶 端木 申屠 太史 闻人 万俟 濮阳 淳于 单于 赫连 呼延 独孤 南宫 西门 百里",
    "东郭 公羊 拓跋 司空 第五 左丘 梁丘 羊舌 微生 子车 颛孙 巫马 乐正 谷梁 宰父 夹谷",
    "仲孙 叔孙 鲜于 闾丘 亓官 司寇 公良 漆雕 壤驷 公西",
)
_NAME_FIRST_CHARACTERS = SINGLE_SURNAMES | {surname[0] for surname in COMPOUND_SURNAMES}

# Place names (DOMAIN.md §7a): provinces, their capitals and the major cities, Shanghai's 16
# districts and well-known towns and areas, and the rivers, lakes and mountains whose two-character
# names look like a surname and a given name.
PLACE_NAMES = _words(
    # provinces and regions
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 贵州",
    "云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门",
    # provincial capitals
    "石家庄 太原 沈阳 长春 哈尔滨 南京 杭州 合肥 福州 南昌 济南 郑州 武汉 长沙 广州 海口 成都 贵阳 昆明 西安 兰州",
    "西宁 台北 呼和浩特 南宁 拉萨 银川 乌鲁木齐",
    # major cities
    "深圳 苏州 宁波 无锡 青岛 大连 厦门 东莞 佛山 温州 泉州 常州 南通 徐州 烟台 唐山 绍兴 嘉兴 金华 台州 潍坊 珠海",
    "中山 惠州 扬州 镇江 盐城 泰州 淮安 连云港 宿迁 湖州 舟山 丽水 衢州 芜湖 蚌埠 安庆 马鞍山 洛阳 襄阳 宜昌 岳阳",
    "株洲 湘潭 衡阳 常德 桂林 柳州 北海 三亚 绵阳 宜宾 遵义 大理 丽江 包头 鄂尔多斯 大庆 鞍山 抚顺 丹东 锦州 营口",
    "保定 邯郸 廊坊 沧州 秦皇岛 张家口 承德 邢台 衡水 大同 运城 临沂 济宁 淄博 威海 日照 德州 聊城 泰安 东营 菏泽",
    "枣庄 开封 新乡 南阳 许昌 商丘 信阳 周口 安阳 焦作 漳州 莆田 龙岩 赣州 九江 上饶 景德镇 汕头 湛江 江门 茂名",
    "肇庆 清远 韶关 揭阳 梅州 潮州 阳江 天水 宝鸡 咸阳 延安 榆林 汉中 乐山 南充 德阳 自贡 泸州 内江 眉山 雅安",
    "昆山 江阴 义乌 常熟 张家港 太仓 吴江 萧山 余杭 雄安 滨海 前海 南沙 横琴 两江 晋江 曲靖",
    # Shanghai's districts (and the former ones) and well-known towns and areas
    "黄浦 徐汇 长宁 静安 普陀 虹口 杨浦 闵行 宝山 嘉定 浦东 浦东新区 金山 松江 青浦 奉贤 崇明 卢湾 闸北 南汇",
    "陆家嘴 张江 金桥 外高桥 高桥 高行 周浦 川沙 唐镇 曹路 惠南 临港 洋山 康桥 三林 北蔡 花木 世博 前滩 徐家汇",
    "漕河泾 虹桥 莘庄 七宝 九亭 泗泾 佘山 朱家角 枫泾 安亭 南翔 江桥 真如 五角场 江湾 吴淞 罗店 顾村 大场 田林",
    "龙华 华泾 外滩 豫园 新天地 淮海 金山卫 练塘 金泽 罗泾 月浦 杨行 高东 合庆 祝桥 万祥 书院 泥城",
    # the districts of Beijing, Guangzhou, Shenzhen and Hangzhou
    "东城 西城 朝阳 海淀 丰台 石景山 通州 顺义 昌平 大兴 房山 门头沟 怀柔 平谷 密云 延庆",
    "越秀 海珠 荔湾 天河 白云 黄埔 番禺 花都 从化 增城 福田 罗湖 南山 盐田 宝安 龙岗 坪山",
    "光明 大鹏 上城 拱墅 钱塘 富阳 临安 桐庐 淳安 建德",
    # rivers, lakes and mountains
    "黄山 泰山 华山 衡山 嵩山 恒山 庐山 天山 长白山 黄河 长江 珠江 淮河 汉江 湘江 赣江 闽江 钱塘江 黄浦江 苏州河",
    "太湖 巢湖 洪湖 西湖 东湖 南湖 滇池 洞庭湖 鄱阳湖 青海湖 千岛湖 漓江 邕江 韩江 曲江 渭河 汾河 辽河 海河",
    "长三角 珠三角 京津冀 东方明珠",
)
# The exchange's boards (DOMAIN.md §3).
BOARD_NAMES = _words(
    "金融 航运 商贸物流 科技 制造业 制造 通信 医疗 交通 能源 信用 国际板 数字资产 长三角",
)
# Companies and brands whose short names start with a surname character.
COMPANY_NAMES = _words(
    "万达 华为 苏宁 万科 平安 招商 中信 光大 华夏 民生 兴业 浦发 工商 建行 农行 中行",
    "交行 邮储 吉利 长城 顺丰 申通 圆通 韵达 中通 华润 宋城 海尔 格力 美的 联想 小米",
    "腾讯 阿里 百度 京东 网易 携程 美团 滴滴 蔚来 理想 小鹏 茅台 伊利 蒙牛 娃哈哈 中兴",
    "紫光 金蝶 用友 东方财富 同花顺 万得 汇丰 花旗 渣打 宝钢 宝武 鲁能 国美 汇源 雅戈尔",
    "安踏 康师傅 统一 华谊 万向 方正 金山软件 恒生 东航 南航 国航 吉祥 春秋",
    "上交所 深交所 北交所 数交所 上期所",
)
# Ordinary words that start with a surname character: categories, commodities, units, colours.
COMMON_WORDS = _words(
    "黄金 白银 石油 钢铁 高速 高铁 高端 高级 高中 高校 高原 高温 高压 高新 高危 金属",
    "金额 金价 金币 方案 方向 方式 方法 江南 江北 文化 文件 文本 文字 史料 程序 时间",
    "时段 周期 周末 安全 安装 成本 成功 成交 成品 成年 管理 管道 单价 单位 单号 单据",
    "余额 房产 房价 房租 付款 常用 常规 向上 雷达 司机 毛利 毛重 白天 黄色 白色 蓝色",
    "金色 孔径 包装 包裹 车辆 车型 车牌 车主 项目 连锁 景区 景点 全部 全国 全年 全称",
    "全额 应用 应收 应付 应急 边境 商品 商业 商户 商家 商城 商务 明细 原因 原价 原料",
    "原油 花费 花卉 权益 权重 权限 强度 门店 门诊 门票 容量 计划 计算 计量 索引 宣传",
    "相关 初始 初级 初中 修改 修复 印刷 战略 危险 危机 玉米 居民 居住 展示 展会 展览",
    "智慧 智能 衡量 曲线 冷链 冷藏 卫生 卫星 季度 季节 费用 党员 党建 游戏 游客 路线",
    "路由 柴油 解析 解决 阳光 时代 农业 农村 司法 卓越 古代 简介 简历 连接 储蓄 储能",
    "劳动 劳务 皮革 楼盘 楼层 盘点 满意 位置 支付 支出 丰富 巴士 乌龙 母婴 宾馆 衣服",
    "幸福 植物 富士 闭环 温度 康复 施工 牛奶 牛肉 颜色 章程 申请 申报 欧元 欧美 欧洲",
    "关系 关键 关注 焦点 左右 祝福 包括 尚未 符合 舒适 纪律 纪念 童装 凌晨 毕业 谷物",
    "盛大 蓝天 辛苦 管控 和谐 仇恨 沙漠 荣耀 查询 麻辣 迟到 官方 封装 谈判 惠民 乐观",
    "班级 班车 戴尔 东方 东方红 南方 北方 西方 正常 异常 男性 女性 未知 其他 合计 总计",
    "小计 关闭 开启 启用 停用 白糖 花生 白酒 黄酒 红酒 白菜 黄瓜 毛巾 车险 房贷 车贷",
)
STOP_WORDS = PLACE_NAMES | BOARD_NAMES | COMPANY_NAMES | COMMON_WORDS
# Parts of product and business names that no personal name contains (DOMAIN.md §7a): a cell
# holding one of them is not a name, whatever its first character.
BUSINESS_WORDS = _words(
    "数据 平台 服务 科技 信息 产品 系统 指数 报告 银行 公司 集团 中心 有限 股份 物流",
    "商贸 贸易 电子 网络 软件 技术 咨询 管理 控股 投资 实业 证券 保险 基金 金融 能源",
    "医疗 交通 通信 航运 制造 资产 数字 分析 监测 评估 征信 信用 国际 市场 工程 研究",
    "大学 学院 医院 学校 超市 酒店 餐饮 药业 药房 汽车 地产 置业 物业 建筑 电力 电网",
    "化工 期货 股票 债券 外汇 价格 行情 指标 模型 算法 接口 查询 核验 画像 标签 舆情",
    "统计 年报 月报 日报 周报 季报 专利 商标 航班 船舶 港口 气象 天气 遥感 地图 轨迹",
    "客流 消费 零售 电商 订单 交易 结算 清算 登记 凭证 合同 协议 发票 税务 企业 机构",
    "部门 政府 协会 学会 办公 事务 板块 资讯 新闻 工厂 门户 应用 方案 云端 智造 物联",
    "区块 人工 大数 算力 模型 数智 数科 传媒 文旅 教育 旅游 体育 健康 养老 保健 食品",
    "农业 发展 集团 联盟 合作 中国 全国 城市 乡村 社区 街道",
)
# Every place-like word ends in one of these (DOMAIN.md §7a) and almost no personal name does.
PLACE_SUFFIXES = frozenset("省市区县镇路街港湾山江河湖")
# 山 江 河 湖 do end real two-character names (李江, 王山): for two characters only the listed
# places count, so the suffix rule for these four applies from three characters on.
SHORT_NAME_ENDINGS = frozenset("山江河湖")
# Characters of places and organisations that do not appear in given names.
NOT_IN_GIVEN_NAMES = frozenset("省市区县镇乡村路街巷厂店司局院馆站部所号码额率价费税类型板块")
NAME_DOTS = "·•・‧･"
_HAN_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}")
_DOTTED_NAME = re.compile(rf"[\u4e00-\u9fff]{{1,8}}(?:[{NAME_DOTS}][\u4e00-\u9fff]{{1,8}})+")
_DOTS = re.compile(f"[{NAME_DOTS}]")


def is_person_name(value: str) -> bool:
    """Whether a whole (stripped) cell is a Chinese personal name: a common surname (single or
    compound) followed by one or two given-name characters, or a transliterated minority or foreign
    name whose parts are joined by a middle dot (艾力·买买提); never a place, board, company or
    product name."""
    length = len(value)
    if 2 <= length <= 4 and value[0] in _NAME_FIRST_CHARACTERS:
        if not _HAN_NAME.fullmatch(value) or value in COMPOUND_SURNAMES:
            return False  # a compound surname alone (欧阳) is not a name
        if value[:2] in COMPOUND_SURNAMES:
            given = value[2:]
        elif value[0] in SINGLE_SURNAMES and length <= 3:
            given = value[1:]
        else:
            return False
        return not _is_stop_word(value) and not any(
            character in NOT_IN_GIVEN_NAMES for character in given
        )
    if 3 <= length <= 26 and _DOTS.search(value) and _DOTTED_NAME.fullmatch(value):
        return not any(_is_stop_word(part) for part in _DOTS.split(value) if len(part) >= 2)
    return False


def _is_stop_word(word: str) -> bool:
    if word in STOP_WORDS or (
        word[-1] in PLACE_SUFFIXES and (len(word) >= 3 or word[-1] not in SHORT_NAME_ENDINGS)
    ):
        return True
    return any(
        word[start : start + size] in BUSINESS_WORDS
        for size in range(2, len(word) + 1)
        for start in range(len(word) - size + 1)
    )
