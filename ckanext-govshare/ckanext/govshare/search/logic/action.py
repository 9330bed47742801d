"""``package_search`` as people search: GovShare's query fields, and typos
corrected when a query finds nothing."""
from __future__ import annotations

import copy
import re
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Action, Context, DataDict

from ckanext.govshare.search import backend, lexicon, vocabulary

#: CKAN's dismax query fields (``name^4 title^4 tags^2 groups^2 text``) with
#: the agency's name and short names beside the tags, and the description
#: and resource names above the rest of ``text``. The embedded engine weighs
#: the same fields the same way (search/fields.py).
QUERY_FIELDS = ("name^4 title^4 organization_title^2 organization_alias^2 tags^2 groups^2"
                " notes^1.5 res_name^1.5 text")
#: what a query must not contain to be corrected: Lucene syntax means the
#: caller chose the terms on purpose
_SYNTAX = frozenset(':"*?~()[]{}^\\+!&|/')


#: Boolean operators typed in the search box (``公交 OR 环境``, ``交通 NOT 公交``,
#: ``(a OR b) AND c``)
_OPERATORS_RE = re.compile(r"(?:^|\s|\()(?:AND|OR|NOT)(?=\s|\()|&&|\|\||\(")


def uses_operators(q: Any) -> bool:
    return isinstance(q, str) and bool(_OPERATORS_RE.search(q))


def correctable(q: Any) -> bool:
    return isinstance(q, str) and bool(q.strip()) and not (_SYNTAX & set(q))


def plain_words(q: Any) -> bool:
    """Words only: no Lucene syntax, no operator, no word excluded (``-停车``)."""
    return correctable(q) and not uses_operators(q) and not any(
        token.startswith("-") for token in q.split())


def _as_sent(q: str) -> str:
    """The query as the engine gets it: Solr gets plain words as the embedded
    engine reads them (cut, stop words out); anything else goes as typed."""
    if plain_words(q) and not backend.is_installed():
        return lexicon.search_box_words(q) or q
    return q


@tk.chained_action
@tk.side_effect_free
def package_search(original_action: Action, context: Context,
                   data_dict: DataDict) -> dict[str, Any]:
    """A plain query (no Lucene syntax) that finds nothing is searched again
    as the catalog spells it when a tag, title or agency name is within a
    typo of it (``air qualty``, ``公交战点``): the results are those of the
    corrected query, and ``corrected_q`` says which it was. Queries are
    weighed with GovShare's ``qf`` unless the caller gives one."""
    data_dict = dict(data_dict)
    if data_dict.get("q") and not data_dict.get("qf"):
        data_dict["qf"] = QUERY_FIELDS
    q = data_dict.get("q")
    if (uses_operators(q) and ":" not in q
            and not data_dict.get("defType") and not data_dict.get("mm")):
        # CKAN searches the box with dismax and mm "2<-1 5<80%", which counts
        # every word whatever the operators, so Solr reads 公交 OR 环境 as
        # 公交 AND 环境. Typed operators decide instead: edismax parses them
        # (parentheses too) and mm 0% requires nothing beyond them.
        data_dict["defType"] = "edismax"
        data_dict["mm"] = "0%"
    elif plain_words(q):
        data_dict["q"] = _as_sent(q)
    again = copy.deepcopy(data_dict)
    result = original_action(context, data_dict)
    if result.get("count") or not correctable(q):
        return result
    corrected = vocabulary.correct(q)
    if not corrected or corrected == q:
        return result
    again["q"] = _as_sent(corrected)
    retried = original_action(context, again)
    if not retried.get("count"):
        return result
    retried["corrected_q"] = corrected
    _remember_correction(q, corrected)
    return retried


def _remember_correction(q: str, corrected: str) -> None:
    """For the search page, which shows CKAN's own template variables only."""
    from flask import g, has_request_context

    if has_request_context():
        g.govshare_search_correction = {"q": q, "corrected_q": corrected}


def get_actions() -> dict[str, Any]:
    return {"package_search": package_search}
