"""The API's JSON parser: a body is refused whole, with a 400, when no part of the app could use it.

Three kinds of JSON are well-formed yet unusable, and each used to end in a 500 somewhere deeper:
nesting deep enough to exhaust Python's recursion (the decoder, then every walk of the data),
a lone surrogate (``"\\udc00"`` decodes to a ``str`` that cannot be encoded as UTF-8, so even the
error message echoing it fails), and a NUL character (PostgreSQL stores no NUL in text or jsonb).
"""

import codecs

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

# No request of ours nests deeper than a few levels ({"checklist": {"party": {"comment": …}}});
# 32 leaves room for any honest client and stays far below Python's recursion limit.
MAX_JSON_DEPTH = 32


class UnusableInput(ParseError):
    """A body the parser refuses: its ``code`` names the rule, its message the place."""

    def __init__(self, message, *, code: str):
        super().__init__(detail=message, code=code)


def path_label(path: tuple) -> str:
    """``$.checklist.party.comment`` or ``$.fields_schema[2].name``."""
    label = "$"
    for step in path:
        label += f"[{step}]" if isinstance(step, int) else f".{step}"
    return label


def text_problem(text: str) -> str | None:
    """The code of what makes ``text`` unusable (``nul_character``, ``lone_surrogate``), or None."""
    if "\x00" in text:
        return "nul_character"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "lone_surrogate"
    return None


TEXT_MESSAGES = {
    "nul_character": _(
        "The text at %(path)s contains a NUL character (U+0000), which is not allowed."
    ),
    "lone_surrogate": _(
        "The text at %(path)s contains a lone surrogate (an unpaired \\uD800–\\uDFFF escape), which is not valid Unicode."
    ),
}


def check_json_value(value, *, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Refuse nesting deeper than ``max_depth`` and unusable text anywhere (keys included).

    Walks without recursion, so that the check itself cannot exhaust the stack.
    """
    stack = [(value, (), 1)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                raise UnusableInput(
                    TEXT_MESSAGES[problem] % {"path": path_label(path)}, code=problem
                )
            continue
        if not isinstance(item, dict | list):
            continue
        if depth > max_depth:
            raise UnusableInput(
                _("The JSON body nests deeper than %(most)s levels (at %(path)s).")
                % {"most": max_depth, "path": path_label(path)},
                code="too_deep",
            )
        if isinstance(item, dict):
            for key, child in item.items():
                problem = text_problem(key)
                if problem:
                    raise UnusableInput(
                        TEXT_MESSAGES[problem] % {"path": path_label((*path, "<key>"))},
                        code=problem,
                    )
                stack.append((child, (*path, key), depth + 1))
        else:
            stack.extend((child, (*path, index), depth + 1) for index, child in enumerate(item))


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing what ``check_json_value`` refuses."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            data = json.load(
                codecs.getreader(encoding)(stream),
                parse_constant=json.strict_constant if self.strict else None,
            )
        except RecursionError:
            raise UnusableInput(
                _("The JSON body nests deeper than %(most)s levels.") % {"most": MAX_JSON_DEPTH},
                code="too_deep",
            ) from None
        except ValueError as error:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": error}) from None
        check_json_value(data)
        return data
