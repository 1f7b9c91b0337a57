"""Category of a protective-goods listing from its title (Chinese or English).

The taxonomy ids are a public contract (DESIGN.md). Classification is a small ordered rule list rather than a
model: titles in this trade are keyword-dense ("KN95口罩", "75%酒精免洗洗手液"), and an ordered list is easy to
audit when a regulator asks why a listing was compared with masks. Order matters: the first matching rule wins,
so specific products (wipes, leave-on sanitiser) come before the ingredients they contain (alcohol).
"""

from __future__ import annotations

import re

TAXONOMY: tuple[str, ...] = (
    "mask.surgical",
    "mask.respirator",
    "mask.cloth",
    "disinfectant.alcohol",
    "disinfectant.chlorine",
    "disinfectant.wipes",
    "disinfectant.other",
    "hand_sanitizer",
    "hand_soap",
    "gloves",
    "protective_clothing",
    "goggles",
    "thermometer",
    "other",
)

# Canonical unit each category is compared in when the title states both a count and a volume.
CATEGORY_UNIT: dict[str, str] = {
    "mask.surgical": "piece",
    "mask.respirator": "piece",
    "mask.cloth": "piece",
    "disinfectant.alcohol": "ml",
    "disinfectant.chlorine": "ml",
    "disinfectant.wipes": "piece",
    "disinfectant.other": "ml",
    "hand_sanitizer": "ml",
    "hand_soap": "ml",
    "gloves": "piece",
    "protective_clothing": "piece",
    "goggles": "piece",
    "thermometer": "piece",
}

LIQUID_CATEGORIES = frozenset(c for c, u in CATEGORY_UNIT.items() if u == "ml")

_RULES: list[tuple[str, str]] = [
    ("disinfectant.wipes", r"(消毒|酒精|杀菌|除菌)\s*(湿巾|棉片|片)|湿巾|(disinfect\w*|sanitiz\w*|alcohol|antibacterial|bleach)\s+wipes|wipes"),
    ("hand_sanitizer", r"免洗|洗手凝胶|速干手消|手消毒凝胶|hand\s*saniti[sz]\w*|sanitizing\s+gel|sanitiser\s+gel|gel\s+hand"),
    ("hand_soap", r"洗手液|洗手皂|抑菌洗手|hand\s*(soap|wash)|liquid\s+soap"),
    ("mask.respirator", r"k?n\s?95|ffp[23]|kf\s?94|kf\s?80|\b(3m\s*)?(9501|9502|1860|8210|9010|9001)\b|respirator|防护口罩|防尘口罩|医用防护口罩"),
    ("mask.cloth", r"(棉布|纯棉|布|可水洗|可清洗|重复使用)\s*口罩|(cloth|cotton|reusable|washable|fabric)\s+(face\s+)?masks?"),
    ("mask.surgical", r"口罩|マスク|face\s*masks?|surgical\s*masks?|medical\s*masks?|procedure\s*masks?|masks?\b|"
                      r"maske|masque|mascarilla|mascherin|mondkap|mondmasker"),
    ("gloves", r"手套|手袋|gloves?\b|handschuhe|handschoenen|gants|guantes|guanti"),
    ("protective_clothing", r"防护服|隔离衣|手术衣|连体服|protective\s+(suit|clothing|coverall)|coverall|isolation\s+gown|gowns?\b"),
    ("goggles", r"护目镜|防护眼镜|防护面罩|面屏|goggles?|safety\s+glasses|face\s+shields?"),
    ("thermometer", r"体温计|温度计|额温枪|测温枪|耳温枪|thermometer"),
    ("disinfectant.chlorine", r"84\s*消毒|含氯|次氯酸|漂白|bleach|chlorine|hypochlorite"),
    ("disinfectant.alcohol", r"酒精|乙醇|alcohol|isopropyl|ethanol"),
    ("disinfectant.other", r"消毒|杀菌|disinfect\w*|sanitiz\w*|hydrogen\s+peroxide|过氧化氢|双氧水"),
]
_COMPILED = [(cat, re.compile(pattern, re.IGNORECASE)) for cat, pattern in _RULES]


def classify(title: str | None) -> str:
    """Taxonomy id for ``title``; ``"other"`` when nothing matches or the title is empty."""
    if not title:
        return "other"
    for category, pattern in _COMPILED:
        if pattern.search(title):
            return category
    return "other"


def canonical_unit(category: str | None) -> str | None:
    """The unit a category's unit prices are compared in (``None`` for ``other``)."""
    return CATEGORY_UNIT.get(category or "")
