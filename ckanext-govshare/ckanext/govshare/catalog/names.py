"""A URL name made from the title when the editor leaves it empty.

CKAN's form makes the URL name from the title in the browser, and its slug
function drops every Chinese character: a dataset titled 公交到站查询 got no
name and the form failed with "网址: 缺失值". Here the server makes one: the
title cut into words by the search's segmenter, each Chinese word in pinyin
(pypinyin, with its phrase dictionary, so that 重庆 is chongqing), Latin
letters and digits kept, words joined by hyphens
(重庆市公交到站查询 → chongqingshi-gongjiao-daozhan-chaxun), and -2, -3 …
added when the name is taken.
"""
from __future__ import annotations

import re
from typing import Any, Callable

import ckan.model as model
from ckan.lib.navl.dictization_functions import missing
from ckan.types import Context, FlattenDataDict, FlattenErrorDict, FlattenKey

from ckanext.govshare.search import analysis

#: CKAN's limits for a dataset's name
MIN_LENGTH, MAX_LENGTH = 2, 100


def slug(title: str) -> str:
    """``重庆公交 Bus 2024`` → ``chongqing-gongjiao-bus-2024`` (empty when
    nothing in the title can be spelled)."""
    from pypinyin import lazy_pinyin  # its dictionaries load on first use only

    parts = ["".join(lazy_pinyin(word, errors=lambda text: re.findall(r"[A-Za-z0-9]+", text)))
             for word in analysis.words(title)]
    text = re.sub(r"[^a-z0-9]+", "-", "-".join(parts).lower()).strip("-")
    return text[:MAX_LENGTH].rstrip("-")


def unique_name(base: str, taken: Callable[[str], bool]) -> str:
    """``base``, or ``base-2``, ``base-3`` … the first that is not taken."""
    name, n = base, 1
    while taken(name):
        n += 1
        suffix = f"-{n}"
        name = base[:MAX_LENGTH - len(suffix)].rstrip("-") + suffix
    return name


def govshare_name_from_title(key: FlattenKey, data: FlattenDataDict,
                             errors: FlattenErrorDict, context: Context) -> None:
    """Fill an empty URL name from the title (before ``not_empty``)."""
    if data.get(key) not in (None, "", missing):
        return
    title = data.get(("title",))
    if not isinstance(title, str) or not title.strip():
        return  # not_empty says what is missing
    base = slug(title)
    if len(base) < MIN_LENGTH:
        return
    own = context.get("package")
    own_id = getattr(own, "id", None)

    def taken(name: str) -> bool:
        found = model.Package.get(name)
        return found is not None and found.id != own_id

    data[key] = unique_name(base, taken)


def get_validators() -> dict[str, Any]:
    return {"govshare_name_from_title": govshare_name_from_title}
