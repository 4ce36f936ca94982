"""The Chinese catalogue is complete, and the committed .mo says what the .po says."""

import ast
import gettext
import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

PO = Path(settings.BASE_DIR) / "locale/zh_Hans/LC_MESSAGES/django.po"
MO = PO.with_suffix(".mo")


def po_entries() -> dict[str, str]:
    """msgid → msgstr (plural entries keyed by their singular; an entry with a context keyed
    ``context\x04msgid``, as gettext compiles it), from a .po file."""
    entries, current, key = {}, {}, None
    for line in [*PO.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if current.get("msgid"):
                msgid = current["msgid"]
                if "msgctxt" in current:
                    msgid = f"{current['msgctxt']}\x04{msgid}"
                entries[msgid] = current.get("msgstr", current.get("msgstr[0]", ""))
            current, key = {}, None
            continue
        if line.startswith("#"):
            if line.startswith("#, fuzzy") and current == {}:
                current["fuzzy"] = "yes"
            continue
        match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?|msgctxt) (".*")$', line)
        if match:
            key = match.group(1)
            current[key] = ast.literal_eval(match.group(2))
        elif line.startswith('"') and key:
            current[key] += ast.literal_eval(line)
    return entries


def test_every_message_is_translated():
    untranslated = [msgid for msgid, msgstr in po_entries().items() if not msgstr]
    assert untranslated == []
    assert "#, fuzzy" not in PO.read_text(encoding="utf-8")


def test_compiled_catalogue_matches_the_po_file():
    with MO.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)._catalog
    compiled = {
        key if isinstance(key, str) else key[0]: value for key, value in catalogue.items() if key
    }
    assert {k: v for k, v in po_entries().items() if k} == compiled


def test_interface_speaks_chinese_first():
    from merchants.states import MerchantStatus

    with translation.override("zh-hans"):
        assert str(MerchantStatus.UNDER_REVIEW.label) == "审核中"
    with translation.override("en"):
        assert str(MerchantStatus.UNDER_REVIEW.label) == "Under review"
