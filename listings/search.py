"""Words for the catalogue's full-text search: jieba for Chinese, lower-case words for the rest.

PostgreSQL indexes the segmented document with its 'simple' configuration, SQLite with FTS5; both
see the same words, so search behaves the same on both profiles.
"""

import logging
import re

import jieba

jieba.setLogLevel(logging.WARNING)
_WORD = re.compile(r"[\w\u4e00-\u9fff]+")


def words(text: str) -> list[str]:
    """The search words of ``text``: jieba's search-mode segmentation, lower-cased, deduplicated."""
    seen, result = set(), []
    for piece in jieba.cut_for_search(text or ""):
        for word in _WORD.findall(piece.lower()):
            if word not in seen:
                seen.add(word)
                result.append(word)
    return result


def document(*parts: str) -> str:
    return " ".join(words(" ".join(part for part in parts if part)))


def query_words(text: str) -> list[str]:
    """The words of a search query, by jieba's precise mode: each must appear in a document.

    Documents are cut in search mode, which also keeps the shorter words inside long ones, so a
    query word is found whether it stands alone or inside a longer word.
    """
    seen, result = set(), []
    for piece in jieba.cut(text or ""):
        for word in _WORD.findall(piece.lower()):
            if word not in seen:
                seen.add(word)
                result.append(word)
    return result
