"""Checking the audit trail: ``govshare_audit_verify`` walks the hash chains
a page at a time (``ckan govshare audit verify`` pages through them with a
progress bar); ``govshare_audit_heads`` lists the chains' last links for an
operator to keep elsewhere and check against later."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

from ckanext.govshare.applications import workflow
from ckanext.govshare.audit import chain
from ckanext.govshare.audit.logic import schema
from ckanext.govshare.audit.logic.validators import head_list
from ckanext.govshare.logic import validate


def _message(problem: str, facts: dict[str, Any]) -> str:
    """What a broken link or a weakness means, in the caller's language."""
    messages = {
        chain.MISSING: tk._("Event {expected} of the chain is missing (the next one is "
                            "number {found}): an event was deleted"),
        chain.UNLINKED: tk._("The event does not carry the hash of the event before it: "
                             "an event before it was changed, deleted or slipped in"),
        chain.ALTERED: tk._("The event no longer matches its hash: it was changed after "
                            "it was written"),
        chain.OUT_OF_ORDER: tk._("The event was written ({recorded_at}) before the event "
                                 "before it ({previous}): it was slipped in"),
        chain.BACKDATED: tk._("The event is dated {at} but was written at {recorded_at}: "
                              "it was back-dated"),
        chain.NO_EVENTS: tk._("The application has no events: its trail was deleted"),
        chain.NO_APPLICATION: tk._("The chain's application no longer exists: it was "
                                   "deleted"),
        chain.STATE_DIFFERS: tk._("The last event leaves the application {recorded}, but "
                                  "it is {actual}: an event was deleted or the "
                                  "application was changed outside the workflow"),
        chain.GRANT_DIFFERS: tk._("Grant {grant_id} is not as its chain last recorded it: "
                                  "it was changed without an event"),
        chain.HEAD_DIFFERS: tk._("Event {seq} no longer has the hash kept for it "
                                 "({kept}): the chain was rewritten and its hashes "
                                 "computed again"),
        chain.TRIGGER_OFF: tk._("The trigger {trigger} on {table} is missing or disabled: "
                                "the trail can be changed without a trace"),
        chain.PORTAL_MAY: tk._("The portal's database role {role} has {privileges} on "
                               "{table}: it may only insert and read (run \"ckan govshare "
                               "db upgrade\")"),
    }
    facts = {**facts, "privileges": ", ".join(facts.get("privileges", ()))}
    return messages[problem].format(**facts)


def _break_dict(found: chain.Break) -> dict[str, Any]:
    facts = {**found.facts, "seq": found.seq}
    if found.problem == chain.STATE_DIFFERS:
        facts.update(recorded=workflow.state_label(facts["recorded"]),
                     actual=workflow.state_label(facts["actual"]))
    return {"application_id": found.application_id, "problem": found.problem,
            "seq": found.seq, "event_id": found.event_id,
            "message": _message(found.problem, facts)}


@tk.side_effect_free
def govshare_audit_verify(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Check the audit trail's hash chains (one per application), a page at a
    time: for each broken chain, its first broken link. The first page
    (without ``after``) also reports what would let the trail be changed
    without a trace (a trigger disabled, the portal's database role allowed
    more than to insert and read) and the number of chains.

    Sysadmins only.

    :param after: check the chains of the applications after this id
        (the ``next`` of the page before)
    :type after: string
    :param limit: at most this many chains (default 500)
    :type limit: int
    :param heads: chain heads kept from ``govshare_audit_heads``
        (``application_id``, ``seq``, ``hash``): each must still be in its
        chain as it was
    :type heads: list of dictionaries

    :returns: ``chains`` and ``events`` checked, ``broken`` (each with
        ``application_id``, ``seq``, ``event_id``, ``problem`` and
        ``message``), ``next`` (None after the last page); on the first page
        also ``total`` and ``weaknesses`` (each with ``problem`` and
        ``message``)
    :rtype: dictionary
    """
    tk.check_access("govshare_audit_verify", context, data_dict)
    heads = None
    if "heads" in data_dict:
        try:
            heads = head_list(data_dict["heads"])
        except tk.Invalid as error:
            raise tk.ValidationError({"heads": [error.error]})
    data = validate({k: v for k, v in data_dict.items() if k != "heads"},
                    schema.audit_page_schema(), context)
    after = data.get("after")
    ids = chain.chain_ids(after, data["limit"])
    result = chain.verify(ids)
    broken = [_break_dict(b) for b in result.breaks]
    if heads is not None:
        broken += [_break_dict(b) for b in chain.check_heads(heads)]
    page: dict[str, Any] = {
        "chains": result.chains, "events": result.events, "broken": broken,
        "next": ids[-1] if len(ids) == data["limit"] else None,
    }
    if not after:
        page["total"] = chain.count_chains()
        page["weaknesses"] = [{"problem": w.problem, "message": _message(w.problem, w.facts)}
                              for w in chain.safeguards()]
    return page


@tk.side_effect_free
def govshare_audit_heads(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The last link of each chain, a page at a time, for an operator to keep
    outside the database (e.g. daily) and give back to
    ``govshare_audit_verify`` later: a chain rewritten with its hashes
    computed again no longer contains them.

    Sysadmins only.

    :param after: the chains of the applications after this id
    :type after: string
    :param limit: at most this many (default 500)
    :type limit: int

    :returns: ``heads`` (``application_id``, ``seq``, ``hash``) and ``next``
    :rtype: dictionary
    """
    tk.check_access("govshare_audit_heads", context, data_dict)
    data = validate(data_dict, schema.audit_page_schema(), context)
    ids = chain.chain_ids(data.get("after"), data["limit"])
    return {"heads": chain.heads(ids),
            "next": ids[-1] if len(ids) == data["limit"] else None}


def get_actions() -> dict[str, Any]:
    return {"govshare_audit_verify": govshare_audit_verify,
            "govshare_audit_heads": govshare_audit_heads}
