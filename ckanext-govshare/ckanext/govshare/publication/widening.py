"""Which edits of a published entry widen access, in one place.

A change that widens access to a published entry takes effect only when a
reviewer approves it; until then the dataset keeps the approved values, so
everyone outside the organization (and every surface) sees what was
approved. Every other edit (titles, descriptions, contacts, …) goes straight
through. :data:`WIDENING_FIELDS` is the definition the actions, the README
and the tests read:

* ``open_tier`` towards unconditional (closed → conditional → unconditional);
  its ``open_tier_reason`` and ``open_tier_basis`` are held with it;
* ``contains_personal_data`` from yes to no;
* ``desensitised`` from no to yes on an entry that declared personal data
  (declaring personal data and its desensitisation at once does not widen).

New and replaced resources of a published open entry are held too, by
:mod:`.held_resources`.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from ckanext.govshare.tiers import policy


def _flag(value: Any) -> Optional[bool]:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "1", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "no", "0", "off"):
        return False
    return None


Values = dict[str, Any]


def _towards_unconditional(current: Values, proposed: Values) -> bool:
    order = policy.TIERS  # unconditional, conditional, closed: widest first
    return (order.index(policy.normalise_tier(proposed.get(policy.TIER_FIELD)))
            < order.index(policy.normalise_tier(current.get(policy.TIER_FIELD))))


def _personal_data_undeclared(current: Values, proposed: Values) -> bool:
    return (_flag(current.get("contains_personal_data")) is True
            and _flag(proposed.get("contains_personal_data")) is False)


def _personal_data_desensitised(current: Values, proposed: Values) -> bool:
    return (_flag(current.get("contains_personal_data")) is True
            and _flag(current.get("desensitised")) is not True
            and _flag(proposed.get("desensitised")) is True)


#: field -> does the edit from ``current`` to ``proposed`` widen access?
WIDENING_FIELDS: dict[str, Callable[[Values, Values], bool]] = {
    policy.TIER_FIELD: _towards_unconditional,
    "contains_personal_data": _personal_data_undeclared,
    "desensitised": _personal_data_desensitised,
}
#: fields held together with a widening field (they belong to its value)
HELD_WITH: dict[str, tuple[str, ...]] = {
    policy.TIER_FIELD: ("open_tier_reason", "open_tier_basis"),
}


def held_values(current: dict[str, Any], proposed: dict[str, Any]) -> dict[str, Any]:
    """The proposed values an edit may not apply without review: each
    widening field's new value, with the fields held with it."""
    held: dict[str, Any] = {}
    for field, widens in WIDENING_FIELDS.items():
        if field in proposed and widens(current, proposed):
            held[field] = proposed[field]
            for companion in HELD_WITH.get(field, ()):
                if companion in proposed:
                    held[companion] = proposed[companion]
    return held
