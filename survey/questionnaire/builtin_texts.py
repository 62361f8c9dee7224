"""Labels the format provides itself (yes/no answers, "other, please specify").

Drafts not yet reviewed by native speakers, except de and en.
"""
from __future__ import annotations

from survey.questionnaire.model import Text

YES = Text({
    "de": "Ja", "en": "Yes", "ar": "نعم", "fa": "بله", "prs": "بلی", "ps": "هو", "kmr": "Erê",
    "ckb": "بەڵێ", "ti": "እወ", "tr": "Evet", "uk": "Так", "ru": "Да", "ro": "Da", "bg": "Да",
    "so": "Haa", "fr": "Oui",
})
NO = Text({
    "de": "Nein", "en": "No", "ar": "لا", "fa": "نه", "prs": "نخیر", "ps": "نه", "kmr": "Na",
    "ckb": "نەخێر", "ti": "ኣይፋል", "tr": "Hayır", "uk": "Ні", "ru": "Нет", "ro": "Nu", "bg": "Не",
    "so": "Maya", "fr": "Non",
})
OTHER = Text({
    "de": "Anderes, bitte angeben", "en": "Other, please specify",
    "ar": "غير ذلك، يرجى التحديد", "fa": "سایر، لطفاً مشخص کنید", "prs": "دیگر، لطفاً مشخص کنید",
    "ps": "نور، مهرباني وکړئ مشخص یې کړئ", "kmr": "Yên din, ji kerema xwe diyar bike",
    "ckb": "هیتر، تکایە دیاری بکە", "ti": "ካልእ፡ በጃኹም ግለጹ", "tr": "Diğer, lütfen belirtin",
    "uk": "Інше, будь ласка, уточніть", "ru": "Другое, пожалуйста, уточните",
    "ro": "Altceva, vă rugăm să precizați", "bg": "Друго, моля, уточнете",
    "so": "Kale, fadlan sheeg", "fr": "Autre, veuillez préciser",
})
