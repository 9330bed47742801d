"""What counts as personal data in a cell, and how a hit is masked.

* ``id_number``: a mainland resident identity number (居民身份证号码), 18
  characters with a real birth date whose last is the GB 11643 check
  character (python-stdnum's ``cn.ric``); a random 18-digit number without
  the right check character is not a hit;
* ``mobile``: a mainland mobile number, 11 digits starting 13–19 (an
  optional +86 / 86 in front), standing on its own: not glued to a Chinese
  character before it unless that is a contact label (电话13812345678,
  手机号13812345678). Codes such as a registration number 起17330100017(23)
  have the shape of a mobile number and no check character to tell them
  apart; what stands before them does;
* ``bank_card``: 16 to 19 digits with a valid Luhn check digit, that is not
  an ID number nor a unified social credit code (organizations' codes are
  not personal data, and one in ten passes Luhn);
* ``email``: an e-mail address.

Numbers are looked for as whole runs of digits (spaces or hyphens inside a
card number are allowed), so a longer number never yields a shorter hit.
"""
from __future__ import annotations

import re
from typing import Iterator

from stdnum import luhn
from stdnum.cn import ric

from ckanext.govshare.catalog.logic.validators import uscc_is_valid

ID_NUMBER = "id_number"
MOBILE = "mobile"
BANK_CARD = "bank_card"
EMAIL = "email"
KINDS = (ID_NUMBER, MOBILE, BANK_CARD, EMAIL)

#: a run of digits (card numbers may be grouped by spaces or hyphens), an
#: optional final X of an ID number; not part of a longer run
_NUMBER_RE = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[- ]?)?\d(?:[- ]?\d){10,18}[Xx]?(?![0-9A-Za-z])")
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_MOBILE_RE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")
#: contact labels a mobile number may follow without a space (the words
#: end where the number starts)
MOBILE_LABELS = ("电话", "手机", "手机号", "号码", "联系方式")
#: text without eleven digits in a row, digits grouped as in "138 1234 5678"
#: or "6222 0202 …", or an @ has nothing to find (dates, amounts and codes
#: are passed over at the cost of one search)
QUICK_RE = re.compile(r"\d{11}|\d[- ]\d{3,4}[- ]\d{4}|\d{3,4}[- ]\d{4}[- ]\d{4}|@")


def is_id_number(text: str) -> bool:
    """18 characters, a real birth date in positions 7 to 14, and the GB 11643
    check character. (python-stdnum's ``is_valid`` also looks the region up in
    a table that lacks some codes, and raises on them.)"""
    if len(text) != 18 or not text[:17].isdigit():
        return False
    try:
        ric.get_birth_date(text)
    except Exception:  # not a date
        return False
    return ric.calc_check_digit(text) == text[17]  # (it reads the first 17)


def classify_number(text: str) -> tuple[str, str] | None:
    """``(kind, digits)`` for a run of digits that is personal data."""
    compact = re.sub(r"[- ]", "", text).upper()
    mobile = _MOBILE_RE.match(compact)
    if mobile:
        return MOBILE, mobile.group(1)
    if compact.startswith("+"):
        return None
    if is_id_number(compact):
        return ID_NUMBER, compact
    if (compact.isdigit() and 16 <= len(compact) <= 19 and luhn.is_valid(compact)
            and not uscc_is_valid(compact)):  # an organization's credit code
        return BANK_CARD, compact
    return None


def _is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def glued_to_a_word(cell: str, start: int) -> bool:
    """Whether the number starting at ``start`` is part of a word or code: a
    Chinese character right before it that does not end a contact label."""
    if start == 0 or not _is_han(cell[start - 1]):
        return False
    return not cell[:start].endswith(MOBILE_LABELS)


def find(cell: str) -> Iterator[tuple[str, str]]:
    """Every ``(kind, value)`` of personal data in ``cell``."""
    if not QUICK_RE.search(cell):
        return
    for match in _NUMBER_RE.finditer(cell):
        hit = classify_number(match.group(0))
        if hit and not (hit[0] == MOBILE and glued_to_a_word(cell, match.start())):
            yield hit
    if "@" in cell:
        for match in _EMAIL_RE.finditer(cell):
            yield EMAIL, match.group(0)


def mask(kind: str, value: str) -> str:
    """What the editor and the reviewer see of a hit: enough to recognise
    it, never the whole of it."""
    if kind == EMAIL:
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    if kind == ID_NUMBER:
        return f"{value[:3]}{'*' * 11}{value[-4:]}"
    if kind == MOBILE:
        return f"{value[:3]}****{value[-4:]}"
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"
