"""Checking the audit trails: ``govshare_audit_verify`` walks the hash
chains of one trail (:data:`ckanext.govshare.audit.chain.TRAILS`) a page at
a time (``ckan govshare audit verify`` pages through every trail with a
progress bar); ``govshare_audit_heads`` lists the chains' last links for an
operator to keep elsewhere and check against later."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

from ckanext.govshare.applications import workflow
from ckanext.govshare.publication import workflow as publication_workflow
from ckanext.govshare.audit import chain
from ckanext.govshare.audit.logic import schema
from ckanext.govshare.audit.logic.validators import head_list
from ckanext.govshare.logic import validate


def _message(problem: str, facts: dict[str, Any],
             trail: chain.Trail = chain.APPLICATIONS) -> str:
    """What a broken link (of ``trail``) or a weakness means, in the
    caller's language."""
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
    if trail is chain.PUBLICATION:
        messages.update({
            chain.NO_EVENTS: tk._("The dataset has a publication state but no events: its "
                                  "trail was deleted"),
            chain.NO_PUBLICATION: tk._("The chain's dataset has no publication state any "
                                       "more: it was deleted"),
            chain.STATE_DIFFERS: tk._("The last event leaves the dataset {recorded}, but it "
                                      "is {actual}: an event was deleted or the publication "
                                      "state was changed outside the review"),
        })
    facts = {**facts, "privileges": ", ".join(facts.get("privileges", ()))}
    return messages[problem].format(**facts)


#: each trail's states, as shown
_STATE_LABELS = {chain.APPLICATIONS.name: workflow.state_label,
                 chain.PUBLICATION.name: publication_workflow.state_label}


def _break_dict(found: chain.Break) -> dict[str, Any]:
    trail = chain.TRAILS[found.trail]
    facts = {**found.facts, "seq": found.seq}
    if found.problem == chain.STATE_DIFFERS:
        label = _STATE_LABELS[trail.name]
        facts.update(recorded=label(facts["recorded"]), actual=label(facts["actual"]))
    return {"trail": trail.name, "chain_id": found.chain_id, trail.key: found.chain_id,
            "problem": found.problem, "seq": found.seq, "event_id": found.event_id,
            "message": _message(found.problem, facts, trail)}


@tk.side_effect_free
def govshare_audit_verify(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Check one audit trail's hash chains, a page at a time: for each
    broken chain, its first broken link. The first page (without ``after``)
    also reports what would let the trail be changed without a trace (a
    trigger disabled, the portal's database role allowed more than to
    insert and read) and the number of chains.

    Sysadmins only.

    :param trail: ``applications`` (default: a chain per application, grants
        included) or ``publication`` (a chain per dataset: its review before
        publication)
    :type trail: string
    :param after: check the chains after this application (dataset) id
        (the ``next`` of the page before)
    :type after: string
    :param limit: at most this many chains (default 500)
    :type limit: int
    :param heads: chain heads kept from ``govshare_audit_heads``
        (``application_id`` or ``package_id``, ``seq``, ``hash``): each of
        this trail must still be in its chain as it was (the others are
        left out)
    :type heads: list of dictionaries

    :returns: ``trail``, ``chains`` and ``events`` checked, ``broken`` (each
        with ``trail``, ``chain_id`` and the same as ``application_id`` or
        ``package_id``, ``seq``, ``event_id``, ``problem`` and ``message``),
        ``next`` (None after the last page); on the first page also
        ``total`` and ``weaknesses`` (each with ``problem`` and ``message``)
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
    trail = chain.TRAILS[data["trail"]]
    after = data.get("after")
    ids = chain.chain_ids(trail, after, data["limit"])
    result = chain.verify(trail, ids)
    broken = [_break_dict(b) for b in result.breaks]
    if heads is not None:
        broken += [_break_dict(b) for b in chain.check_heads(trail, heads)]
    page: dict[str, Any] = {
        "trail": trail.name, "chains": result.chains, "events": result.events,
        "broken": broken, "next": ids[-1] if len(ids) == data["limit"] else None,
    }
    if not after:
        page["total"] = chain.count_chains(trail)
        page["weaknesses"] = [{"problem": w.problem, "message": _message(w.problem, w.facts)}
                              for w in chain.safeguards(trail)]
    return page


@tk.side_effect_free
def govshare_audit_heads(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The last link of each chain, a page at a time, for an operator to keep
    outside the database (e.g. daily) and give back to
    ``govshare_audit_verify`` later: a chain rewritten with its hashes
    computed again no longer contains them.

    Sysadmins only.

    :param trail: ``applications`` (default) or ``publication``
    :type trail: string
    :param after: the chains after this application (dataset) id
    :type after: string
    :param limit: at most this many (default 500)
    :type limit: int

    :returns: ``trail``, ``heads`` (``application_id``, or ``package_id`` for
        the publication trail, ``seq``, ``hash``) and ``next``
    :rtype: dictionary
    """
    tk.check_access("govshare_audit_heads", context, data_dict)
    data = validate(data_dict, schema.audit_page_schema(), context)
    trail = chain.TRAILS[data["trail"]]
    ids = chain.chain_ids(trail, data.get("after"), data["limit"])
    return {"trail": trail.name, "heads": chain.heads(trail, ids),
            "next": ids[-1] if len(ids) == data["limit"] else None}


def get_actions() -> dict[str, Any]:
    return {"govshare_audit_verify": govshare_audit_verify,
            "govshare_audit_heads": govshare_audit_heads}
