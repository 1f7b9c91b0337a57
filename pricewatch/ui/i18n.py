"""The UI's words in Chinese and English: one JSON catalogue per language (``catalogues/en.json``, ``zh.json``).

Keys are dotted (``status.open``, ``queue.title``); values are ``str.format`` templates (``"{n} alerts"``).
Every key exists in every catalogue (a test checks it, and that every key a template uses exists), so no page is
half translated. Data itself — listing titles, seller names, the detector's stored explanation — is shown as it
was recorded and labelled as such.

The language of a request: the ``pw_lang`` cookie (set from the language switch), else ``[display] language``.

Why not gettext/Babel message catalogues: two languages, a few hundred short strings, no translators' tooling in
the loop — JSON files that a test can diff key by key are simpler to keep complete. Babel is used for what it is
best at: numbers and currencies (:mod:`pricewatch.ui.display`).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LANGUAGES = ("en", "zh")
CATALOGUES = Path(__file__).parent / "catalogues"
LANG_COOKIE = "pw_lang"


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The catalogue of ``lang`` (``en`` or ``zh``)."""
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
    return json.loads((CATALOGUES / f"{lang}.json").read_text(encoding="utf-8"))


class Translator:
    """``t("status.open")`` → the word in this language; ``t("queue.count", n=3)`` fills ``{n}``.

    A key missing from the catalogue shows as ``⟦key⟧`` (visible, never silently English) — the catalogue test
    keeps that from shipping."""

    def __init__(self, lang: str):
        self.lang = lang if lang in LANGUAGES else "en"
        self.words = catalogue(self.lang)

    def __call__(self, key: str, **values: object) -> str:
        text = self.words.get(key)
        if text is None:
            return f"⟦{key}⟧"
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in self.words

    def maybe(self, prefix: str, value: str | None, default: str = "—") -> str:
        """The word for a data value (``maybe("category", "mask.surgical")``), or the value itself when the
        catalogue has no entry for it (a category or rule added after this catalogue was written)."""
        if value is None or value == "":
            return default
        key = f"{prefix}.{value}"
        return self.words.get(key, str(value))


def request_language(cookie: str | None, default: str) -> str:
    return cookie if cookie in LANGUAGES else (default if default in LANGUAGES else "en")


__all__ = ["LANGUAGES", "LANG_COOKIE", "Translator", "catalogue", "request_language"]
