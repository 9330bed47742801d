"""The publication review's trail: one hash chain per dataset, computed by
the same trigger function as the applications' chains
(``govshare_event_chain``), checked by the same walk
(:data:`ckanext.govshare.audit.chain.TRAILS`), and ``ckan govshare audit
verify|heads`` covering both trails."""
from __future__ import annotations

import json
import threading

import pytest
import sqlalchemy as sa

import ckan.model as model
from ckan.tests import helpers

from ckanext.govshare.audit import chain
from ckanext.govshare.publication import workflow as wf
from ckanext.govshare.publication.model import PublicationEvent
from tests import cli_runner, factories
from tests.audit.test_chain import as_owner, lifecycle
from tests.applications.conftest import make_agency as make_applications_agency
from tests.publication.conftest import (CHECKLIST, REVIEW_ON, bring_to, ctx, make_agency,
                                        new_entry)

EVENT = "govshare_publication_event"
APPEND_ONLY = "govshare_publication_event_append_only"


def verify(**params) -> dict:
    """One page of ``govshare_audit_verify`` for the publication trail."""
    site_user = helpers.call_action("get_site_user")
    return helpers.call_action("govshare_audit_verify",
                               context={"user": site_user["name"], "ignore_auth": False},
                               trail="publication", **params)


def broken(**params) -> list[tuple[str, int | None]]:
    return [(b["problem"], b["seq"]) for b in verify(**params)["broken"]]


def links(package_id: str) -> list:
    return model.Session.execute(sa.text(
        f"SELECT id, seq, move, at, prev_hash, hash FROM {EVENT}"
        " WHERE package_id = :id ORDER BY seq"), {"id": package_id}).all()


def cli(ckan_config, *args: str):
    """``ckan govshare audit ARGS`` in the tests' app (``tests/cli_runner``;
    ``tests/audit/test_chain.py`` runs ``verify`` through ``ckan`` itself)."""
    return cli_runner.invoke("govshare", "audit", *args)


def reviewed(agency) -> dict:
    """A dataset created, submitted, returned, submitted again and
    published: five events."""
    entry = new_entry(agency)
    bring_to(agency, entry, wf.RETURNED)
    helpers.call_action("govshare_publication_submit", context=ctx(agency.editor),
                        id=entry["id"])
    helpers.call_action("govshare_publication_decide", context=ctx(agency.admin),
                        id=entry["id"], decision=wf.PUBLISH, **CHECKLIST)
    return entry


@pytest.fixture()
def entry() -> dict:
    return reviewed(make_agency())


@REVIEW_ON
@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestThePublicationChain:
    def test_every_event_carries_the_hash_of_the_one_before(self, entry):
        rows = links(entry["id"])
        assert [r.move for r in rows] == [wf.CREATE, wf.SUBMIT, wf.RETURN, wf.SUBMIT,
                                          wf.PUBLISH]
        assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
        assert rows[0].prev_hash is None
        assert all(r.prev_hash == before.hash for before, r in zip(rows, rows[1:]))
        assert len({r.hash for r in rows}) == 5
        page = verify()
        assert page["trail"] == "publication"
        assert page["broken"] == [] and page["weaknesses"] == []
        assert (page["chains"], page["events"], page["total"]) == (1, 5, 1)

    def test_the_trail_as_shown_is_the_chain(self, entry):
        shown = helpers.call_action("govshare_publication_show", id=entry["id"])
        assert [e["move"] for e in shown["events"]] == [r.move for r in links(entry["id"])]
        assert shown["state"] == wf.PUBLISHED

    def test_the_portal_role_appends_but_the_database_chains(self, entry):
        with model.meta.engine.begin() as conn:
            seq, prev = conn.execute(sa.text(
                f"INSERT INTO {EVENT} (package_id, at, move, from_state, to_state, seq,"
                " prev_hash, hash) VALUES (:id, timezone('UTC', now()), 'submit_change',"
                " 'published', 'published', 1, 'x', 'y') RETURNING seq, prev_hash"),
                {"id": entry["id"]}).one()
        assert (seq, prev) == (6, links(entry["id"])[4].hash)
        assert broken() == []

    def test_concurrent_inserts_for_one_dataset_are_chained_in_turn(self, entry):
        insert = sa.text(f"INSERT INTO {EVENT} (package_id, at, move, from_state, to_state)"
                         " VALUES (:id, timezone('UTC', now()), 'submit_change',"
                         " 'published', 'published')")
        engine = model.meta.engine
        first = engine.connect()
        first_tx = first.begin()
        first.execute(insert, {"id": entry["id"]})  # holds the publication row
        done = threading.Event()

        def second() -> None:
            with engine.begin() as conn:
                conn.execute(insert, {"id": entry["id"]})
            done.set()

        thread = threading.Thread(target=second)
        thread.start()
        assert not done.wait(0.5)  # waiting for the first to commit
        first_tx.commit()
        first.close()
        thread.join(10)
        rows = links(entry["id"])
        assert [r.seq for r in rows] == [1, 2, 3, 4, 5, 6, 7]
        assert rows[6].prev_hash == rows[5].hash and rows[5].prev_hash == rows[4].hash
        assert broken() == []

    @pytest.mark.parametrize("statement", [
        f"UPDATE {EVENT} SET reason = 'x'",
        f"DELETE FROM {EVENT}",
        f"TRUNCATE {EVENT}",
        f"ALTER TABLE {EVENT} DISABLE TRIGGER {APPEND_ONLY}",
        f"DROP TRIGGER govshare_publication_event_chain ON {EVENT}",
        "CREATE OR REPLACE FUNCTION govshare_event_chain() RETURNS trigger"
        " LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
        "CREATE OR REPLACE FUNCTION govshare_publication_event_hash(e anyelement)"
        " RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$",
    ])
    def test_the_portal_role_may_not_rewrite_it(self, statement):
        factories.Dataset()  # a draft: one event
        with pytest.raises(sa.exc.ProgrammingError) as err:
            with model.meta.engine.begin() as conn:
                conn.execute(sa.text(statement))
        assert err.value.orig.pgcode == "42501"  # insufficient_privilege
        assert model.Session.query(PublicationEvent).count() == 1


@REVIEW_ON
@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestTamperingAsTheOwner:
    """What the owner role can still do to the publication trail, and what
    ``verify`` says about it."""

    def test_an_event_changed(self, entry, ckan_config):
        as_owner(f"ALTER TABLE {EVENT} DISABLE TRIGGER {APPEND_ONLY}",
                 f"UPDATE {EVENT} SET reason = '无需修改' WHERE package_id = :id AND seq = 3",
                 f"ALTER TABLE {EVENT} ENABLE TRIGGER {APPEND_ONLY}", id=entry["id"])
        assert broken() == [(chain.ALTERED, 3)]
        [found] = verify()["broken"]
        assert (found["trail"], found["package_id"], found["chain_id"]) == (
            "publication", entry["id"], entry["id"])
        result = cli(ckan_config, "verify")
        assert result.exit_code == 1
        assert entry["id"] in result.stdout

    def test_a_middle_event_deleted(self, entry):
        as_owner(f"ALTER TABLE {EVENT} DISABLE TRIGGER {APPEND_ONLY}",
                 f"DELETE FROM {EVENT} WHERE package_id = :id AND seq = 3",
                 f"ALTER TABLE {EVENT} ENABLE TRIGGER {APPEND_ONLY}", id=entry["id"])
        assert broken() == [(chain.MISSING, 4)]

    def test_the_last_event_deleted(self, entry):
        as_owner(f"ALTER TABLE {EVENT} DISABLE TRIGGER {APPEND_ONLY}",
                 f"DELETE FROM {EVENT} WHERE package_id = :id AND seq = 5",
                 f"ALTER TABLE {EVENT} ENABLE TRIGGER {APPEND_ONLY}", id=entry["id"])
        assert broken() == [(chain.STATE_DIFFERS, None)]
        [found] = verify()["broken"]
        assert "the dataset Awaiting review, but it is Published" in found["message"]

    def test_the_whole_trail_truncated(self, entry):
        as_owner(f"TRUNCATE {EVENT}")
        assert broken() == [(chain.NO_EVENTS, None)]

    def test_the_publication_state_deleted(self, entry):
        as_owner("DELETE FROM govshare_publication WHERE package_id = :id", id=entry["id"])
        assert broken() == [(chain.NO_PUBLICATION, None)]

    def test_a_back_dated_event_inserted(self, entry):
        # through the triggers, which chain it at the end: its date gives it away
        as_owner(f"INSERT INTO {EVENT} (package_id, at, move, from_state, to_state)"
                 " VALUES (:id, timezone('UTC', now()) - interval '10 days', 'publish',"
                 " 'submitted', 'published')", id=entry["id"])
        assert broken() == [(chain.BACKDATED, 6)]

    def test_an_event_slipped_in_with_the_chain_trigger_off(self, entry):
        as_owner(f"ALTER TABLE {EVENT} DISABLE TRIGGER govshare_publication_event_chain",
                 f"INSERT INTO {EVENT} (package_id, at, recorded_at, move, to_state, seq,"
                 " prev_hash, hash) SELECT package_id, at, recorded_at, 'return',"
                 f" 'published', 6, hash, md5(hash) FROM {EVENT}"
                 " WHERE package_id = :id AND seq = 5",
                 f"ALTER TABLE {EVENT} ENABLE TRIGGER govshare_publication_event_chain",
                 id=entry["id"])
        assert broken() == [(chain.ALTERED, 6)]

    def test_a_trigger_left_off(self, entry, ckan_config):
        as_owner(f"ALTER TABLE {EVENT} DISABLE TRIGGER govshare_publication_event_chain")
        try:
            page = verify()
            assert page["broken"] == []
            assert [w["problem"] for w in page["weaknesses"]] == [chain.TRIGGER_OFF]
            result = cli(ckan_config, "verify")
            assert result.exit_code == 1
            assert "govshare_publication_event_chain" in result.stdout
        finally:
            as_owner(f"ALTER TABLE {EVENT} ENABLE TRIGGER govshare_publication_event_chain")

    def test_a_chain_rewritten_and_recomputed_differs_from_its_kept_head(
            self, entry, ckan_config, tmp_path):
        result = cli(ckan_config, "heads")
        assert result.exit_code == 0, result.stdout + result.stderr
        kept = [json.loads(line) for line in result.stdout.splitlines()]
        assert kept == [{"package_id": entry["id"], "seq": 5,
                         "hash": links(entry["id"])[-1].hash}]
        # the owner changes the reason of the return and computes every hash
        # again from there: the chain is whole again
        as_owner(f"ALTER TABLE {EVENT} DISABLE TRIGGER {APPEND_ONLY}",
                 f"UPDATE {EVENT} SET reason = '其他原因' WHERE package_id = :id AND seq = 3",
                 *[statement for seq in (3, 4, 5) for statement in (
                     f"UPDATE {EVENT} e SET prev_hash = (SELECT hash FROM {EVENT}"
                     f" WHERE package_id = :id AND seq = {seq - 1}) WHERE package_id = :id"
                     f" AND seq = {seq}",
                     f"UPDATE {EVENT} e SET hash = govshare_publication_event_hash(e)"
                     f" WHERE package_id = :id AND seq = {seq}")],
                 f"ALTER TABLE {EVENT} ENABLE TRIGGER {APPEND_ONLY}", id=entry["id"])
        assert broken() == []
        assert broken(heads=kept) == [(chain.HEAD_DIFFERS, 5)]
        heads_file = tmp_path / "heads.jsonl"
        heads_file.write_text(result.stdout)
        checked = cli(ckan_config, "verify", "--heads", str(heads_file))
        assert checked.exit_code == 1 and entry["id"] in checked.stdout


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestBothTrails:
    def test_the_command_checks_and_prints_both(self, ckan_config):
        agency = make_applications_agency()  # review off: its dataset is published
        app = lifecycle(agency)
        result = cli(ckan_config, "verify")
        assert result.exit_code == 0, result.stdout + result.stderr
        # one line a trail, each named
        assert "共检查 1 条链、5 条事件：0 条断裂" in result.stdout
        assert "共检查 1 条链、1 条事件：0 条断裂" in result.stdout
        lines = result.stdout.splitlines()
        assert len(lines) == 2
        # the trails' names (in Chinese once the catalog has them)
        assert lines[0].startswith(("Applications and grants", "申请"))
        assert lines[1].startswith(("Publication review", "发布审核"))

        heads = [json.loads(line) for line in cli(ckan_config, "heads").stdout.splitlines()]
        assert [sorted(h) for h in heads] == [["application_id", "hash", "seq"],
                                              ["hash", "package_id", "seq"]]
        assert heads[0]["application_id"] == app["id"]
        assert heads[1]["package_id"] == agency.dataset["id"]

    def test_a_break_in_each_is_reported_by_its_trail(self, ckan_config):
        agency = make_applications_agency()
        app = lifecycle(agency)
        as_owner("ALTER TABLE govshare_application_event DISABLE TRIGGER"
                 " govshare_application_event_append_only",
                 f"ALTER TABLE {EVENT} DISABLE TRIGGER {APPEND_ONLY}",
                 "UPDATE govshare_application_event SET reason = 'x'"
                 " WHERE application_id = :app AND seq = 2",
                 f"UPDATE {EVENT} SET owner_org = NULL WHERE package_id = :pkg",
                 "ALTER TABLE govshare_application_event ENABLE TRIGGER"
                 " govshare_application_event_append_only",
                 f"ALTER TABLE {EVENT} ENABLE TRIGGER {APPEND_ONLY}",
                 app=app["id"], pkg=agency.dataset["id"])
        result = cli(ckan_config, "verify")
        assert result.exit_code == 1
        lines = result.stdout.splitlines()
        assert len(lines) == 4
        assert app["id"] in lines[0] and agency.dataset["id"] in lines[1]
        assert "1 条断裂" in lines[2] and "1 条断裂" in lines[3]

    def test_kept_heads_of_both_trails_are_checked(self):
        agency = make_applications_agency()
        lifecycle(agency)
        site = {"user": helpers.call_action("get_site_user")["name"], "ignore_auth": False}
        kept = [head for trail in chain.TRAILS
                for head in helpers.call_action("govshare_audit_heads", context=site,
                                                trail=trail)["heads"]]
        wrong = [{**head, "hash": "0" * 64} for head in kept]
        for trail in chain.TRAILS:
            page = helpers.call_action("govshare_audit_verify", context=site, trail=trail,
                                       heads=wrong)
            assert [(b["trail"], b["problem"]) for b in page["broken"]] == [
                (trail, chain.HEAD_DIFFERS)]
            assert helpers.call_action("govshare_audit_verify", context=site, trail=trail,
                                       heads=kept)["broken"] == []

    @pytest.mark.parametrize("trail", ["", None])
    def test_the_applications_trail_by_default(self, trail):
        assert verify_default(trail)["trail"] == "applications"

    @pytest.mark.parametrize("trail", ["grants", 3, ["publication"]])
    def test_an_unknown_trail_is_a_validation_error(self, trail):
        import ckan.plugins.toolkit as tk

        with pytest.raises(tk.ValidationError):
            verify_default(trail)


def verify_default(trail) -> dict:
    site_user = helpers.call_action("get_site_user")
    params = {} if trail is None else {"trail": trail}
    return helpers.call_action("govshare_audit_verify",
                               context={"user": site_user["name"], "ignore_auth": False},
                               **params)


@REVIEW_ON
@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_the_migration_chains_what_was_there():
    """Events written before the chain existed are chained in the order they
    were written; a dataset whose state no event records gets one."""
    from ckan.cli.db import _run_migrations

    from ckanext.govshare.database import roles

    agency = make_agency()
    entry = new_entry(agency)
    bring_to(agency, entry, wf.SUBMITTED)
    before = [(r.move, r.at) for r in links(entry["id"])]
    owner = roles.owner_url(model.meta.engine.url.render_as_string(False))
    model.Session.remove()
    try:
        with roles.migrating_as(owner):
            _run_migrations("govshare", "b2d4f6a8c0e3", forward=False)
            # a dataset from before the review: a state, no event
            engine = sa.create_engine(owner, poolclass=sa.pool.NullPool)
            with engine.begin() as conn:
                conn.execute(sa.text(
                    "INSERT INTO govshare_publication (package_id, owner_org, state)"
                    " VALUES ('from-before-the-review', :org, 'published')"),
                    {"org": agency.org["id"]})
            engine.dispose()
            _run_migrations("govshare")
    finally:
        roles.secure(owner, model.meta.engine.url.render_as_string(False))
    rows = links(entry["id"])
    assert [(r.move, r.at) for r in rows] == before
    assert [r.seq for r in rows] == [1, 2] and rows[1].prev_hash == rows[0].hash
    [recorded] = links("from-before-the-review")
    assert (recorded.move, recorded.seq, recorded.prev_hash) == ("state_recorded", 1, None)
    page = verify()
    assert page["broken"] == [] and page["weaknesses"] == []
    assert (page["chains"], page["events"]) == (2, 3)
