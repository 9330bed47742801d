"""The audit trail: every event hash-chained to the one before it in its
application's chain, grants' changes in the same chain, ``ckan govshare
audit verify`` finding what the owner role changed behind the portal's
back, and the portal's role allowed only to append to and read the trail."""
from __future__ import annotations

import json
import threading

import pytest
import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.cli.cli import ckan
from ckan.tests import helpers

from ckanext.govshare.applications.model import ApplicationEvent
from ckanext.govshare.audit import chain
from tests import cli_runner, harness
from tests.applications.conftest import approval_terms, application_data, make_agency

EVENT = "govshare_application_event"


def as_user(user: dict) -> dict:
    return {"user": user["name"], "ignore_auth": False}


@pytest.fixture()
def agency():
    return make_agency()


@pytest.fixture()
def verify_command():
    """``ckan govshare audit verify [ARGS]`` in the tests' app
    (``tests/cli_runner``): stdout (the findings) and stderr (the progress)
    apart."""
    def run(*args: str):
        return cli_runner.invoke("govshare", "audit", "verify", *args)
    return run


@pytest.fixture()
def verify_command_from_the_ini(ckan_config):
    """The same through ``ckan`` itself (the ini read, a new app built)."""
    def run(*args: str):
        runner = helpers.CKANCliRunner(env={"CKAN_INI": ckan_config["__file__"]},
                                       mix_stderr=False)
        return runner.invoke(ckan, ["govshare", "audit", "verify", *args])
    return run


def verify(**params) -> dict:
    """One page of ``govshare_audit_verify``, as the site user."""
    site_user = helpers.call_action("get_site_user")
    return helpers.call_action("govshare_audit_verify",
                               context={"user": site_user["name"], "ignore_auth": False},
                               **params)


def lifecycle(agency) -> dict:
    """Apply, approve (a grant is issued), revoke: six events."""
    app = helpers.call_action("govshare_application_create", context=as_user(agency.applicant),
                              **application_data(agency.dataset["id"]))
    helpers.call_action("govshare_application_decide", context=as_user(agency.editor),
                        id=app["id"], decision="approve", terms=approval_terms())
    [grant] = helpers.call_action("govshare_grant_list", context=as_user(agency.admin),
                                  organization=agency.org["id"],
                                  application_id=app["id"])["results"]
    helpers.call_action("govshare_grant_revoke", context=as_user(agency.admin),
                        id=grant["id"], reason="违反使用约定")
    return helpers.call_action("govshare_application_show", id=app["id"])


def links(application_id: str) -> list:
    return model.Session.execute(sa.text(
        f"SELECT id, seq, move, prev_hash, hash FROM {EVENT}"
        " WHERE application_id = :id ORDER BY seq"), {"id": application_id}).all()


def as_owner(*statements: str, **params) -> None:
    """Run ``statements`` in one transaction as the database's owner role
    (the portal's session closed first: its reads would hold the locks that
    ALTER TABLE waits for)."""
    model.Session.remove()
    with harness.DATABASE.owner().begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement), params)


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestTheChain:
    def test_every_event_carries_the_hash_of_the_one_before(
            self, agency, verify_command_from_the_ini):
        app = lifecycle(agency)
        assert [e["move"] for e in app["events"]] == [
            "submit", "approve", "grant_issued", "revoke", "grant_revoked"]
        rows = links(app["id"])
        assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
        assert rows[0].prev_hash is None
        assert all(r.prev_hash == before.hash for before, r in zip(rows, rows[1:]))
        assert len({r.hash for r in rows}) == 5

        issued, revoked = app["events"][2], app["events"][4]
        assert issued["actor"] == agency.editor["name"]
        assert issued["details"]["grant_id"] == app["grant"]["id"]
        # revoked before the applicant accepted the terms (tests/applications/test_terms)
        assert issued["details"]["state"] == "awaiting_acceptance"
        assert (revoked["actor"], revoked["reason"]) == (agency.admin["name"], "违反使用约定")
        assert revoked["details"]["was"]["state"] == "awaiting_acceptance"

        result = verify_command_from_the_ini()
        assert result.exit_code == 0, result.stdout + result.stderr
        assert "共检查 1 条链、5 条事件：0 条断裂" in result.stdout
        assert "审计记录" in result.stderr  # the progress bar

    def test_a_grant_changed_outside_the_workflow_is_an_event_too(self, agency):
        app = helpers.call_action("govshare_application_create",
                                  context=as_user(agency.applicant),
                                  **application_data(agency.dataset["id"]))
        helpers.call_action("govshare_application_decide", context=as_user(agency.editor),
                            id=app["id"], decision="approve", terms=approval_terms())
        # the portal's role may still change a grant (it must, to revoke one),
        # but not without the trail saying so
        model.Session.execute(sa.text(
            "UPDATE govshare_grant SET valid_until = valid_until + interval '1 year'"
            " WHERE application_id = :id"), {"id": app["id"]})
        model.repo.commit()
        shown = helpers.call_action("govshare_application_show", id=app["id"])
        changed = shown["events"][-1]
        assert changed["move"] == "grant_changed" and changed["actor"] is None
        assert changed["details"]["valid_until"] > changed["details"]["was"]["valid_until"]
        assert changed["details"]["db_role"] == harness_portal_role()
        assert verify()["broken"] == []

    def test_concurrent_inserts_for_one_application_are_chained_in_turn(self, agency):
        app = helpers.call_action("govshare_application_create",
                                  context=as_user(agency.applicant),
                                  **application_data(agency.dataset["id"]))
        insert = sa.text(f"INSERT INTO {EVENT} (application_id, at, move, to_state)"
                         " VALUES (:id, timezone('UTC', now()), 'note', 'submitted')")
        engine = model.meta.engine
        first = engine.connect()
        first_tx = first.begin()
        first.execute(insert, {"id": app["id"]})  # holds the application's row
        done = threading.Event()

        def second() -> None:
            with engine.begin() as conn:
                conn.execute(insert, {"id": app["id"]})
            done.set()

        thread = threading.Thread(target=second)
        thread.start()
        assert not done.wait(0.5)  # waiting for the first to commit
        first_tx.commit()
        first.close()
        thread.join(10)
        rows = links(app["id"])
        assert [r.seq for r in rows] == [1, 2, 3]
        assert rows[2].prev_hash == rows[1].hash and rows[1].prev_hash == rows[0].hash
        assert verify()["broken"] == []


def harness_portal_role() -> str:
    return model.Session.execute(sa.text("SELECT session_user")).scalar()


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestTamperingAsTheOwner:
    """What the owner role can still do to the trail, and what ``verify``
    says about it."""

    @pytest.fixture()
    def trail(self, agency) -> dict:
        app = lifecycle(agency)
        assert verify()["broken"] == []
        return app

    def broken(self, **params) -> list[tuple[str, int | None]]:
        page = verify(**params)
        return [(b["problem"], b["seq"]) for b in page["broken"]]

    def test_an_event_changed_with_the_trigger_off(self, trail, verify_command):
        as_owner(f"ALTER TABLE {EVENT} DISABLE TRIGGER govshare_application_event_append_only",
                 f"UPDATE {EVENT} SET reason = '用途符合规定' WHERE application_id = :id"
                 " AND seq = 2",
                 f"ALTER TABLE {EVENT} ENABLE TRIGGER govshare_application_event_append_only",
                 id=trail["id"])
        assert self.broken() == [(chain.ALTERED, 2)]
        result = verify_command()
        assert result.exit_code == 1
        assert trail["id"] in result.stdout and "1 条断裂" in result.stdout

    def test_an_event_deleted(self, trail):
        as_owner(f"ALTER TABLE {EVENT} DISABLE TRIGGER govshare_application_event_append_only",
                 f"DELETE FROM {EVENT} WHERE application_id = :id AND seq = 2",
                 f"ALTER TABLE {EVENT} ENABLE TRIGGER govshare_application_event_append_only",
                 id=trail["id"])
        assert self.broken() == [(chain.MISSING, 3)]

    def test_the_last_event_deleted(self, trail):
        as_owner(f"ALTER TABLE {EVENT} DISABLE TRIGGER govshare_application_event_append_only",
                 f"DELETE FROM {EVENT} WHERE application_id = :id AND seq = 5",
                 f"DELETE FROM {EVENT} WHERE application_id = :id AND seq = 4",
                 f"ALTER TABLE {EVENT} ENABLE TRIGGER govshare_application_event_append_only",
                 id=trail["id"])
        # the chain itself is whole, but ends with the grant issued while the
        # application is revoked
        assert self.broken() == [(chain.STATE_DIFFERS, None)]
        [found] = verify()["broken"]
        assert "the application Approved, but it is Revoked" in found["message"]

    def test_the_whole_trail_truncated(self, trail):
        as_owner(f"TRUNCATE {EVENT}")
        assert self.broken() == [(chain.NO_EVENTS, None)]

    def test_a_back_dated_event_inserted(self, trail, verify_command):
        # through the triggers, which chain it at the end: its date gives it away
        as_owner(f"INSERT INTO {EVENT} (application_id, at, actor_id, move, from_state,"
                 " to_state, reason) VALUES (:id, timezone('UTC', now()) - interval '10 days',"
                 " :actor, 'approve', 'submitted', 'revoked', '补记')",
                 id=trail["id"], actor=trail["user_id"])
        assert self.broken() == [(chain.BACKDATED, 6)]
        assert verify_command().exit_code == 1

    def test_an_event_slipped_in_with_the_chain_trigger_off(self, trail):
        as_owner(f"ALTER TABLE {EVENT} DISABLE TRIGGER govshare_application_event_chain",
                 f"INSERT INTO {EVENT} (application_id, at, recorded_at, move, to_state, seq,"
                 " prev_hash, hash) SELECT application_id, at, recorded_at, 'withdraw',"
                 " 'withdrawn', 6, hash, md5(hash) FROM " + EVENT +
                 " WHERE application_id = :id AND seq = 5",
                 f"ALTER TABLE {EVENT} ENABLE TRIGGER govshare_application_event_chain",
                 id=trail["id"])
        assert self.broken() == [(chain.ALTERED, 6)]

    def test_a_grant_changed_with_its_triggers_off(self, trail):
        as_owner("ALTER TABLE govshare_grant DISABLE TRIGGER USER",
                 "UPDATE govshare_grant SET state = 'active' WHERE application_id = :id",
                 "ALTER TABLE govshare_grant ENABLE TRIGGER USER", id=trail["id"])
        assert self.broken() == [(chain.GRANT_DIFFERS, 5)]

    def test_a_trigger_left_off(self, trail, verify_command):
        as_owner(f"ALTER TABLE {EVENT} DISABLE TRIGGER govshare_application_event_chain")
        try:
            page = verify()
            assert page["broken"] == []
            assert [w["problem"] for w in page["weaknesses"]] == [chain.TRIGGER_OFF]
            result = verify_command()
            assert result.exit_code == 1
            assert "govshare_application_event_chain" in result.stdout
        finally:
            as_owner(f"ALTER TABLE {EVENT} ENABLE TRIGGER govshare_application_event_chain")

    def test_a_chain_rewritten_and_recomputed_differs_from_its_kept_head(
            self, trail, verify_command, tmp_path):
        site_user = helpers.call_action("get_site_user")
        kept = helpers.call_action("govshare_audit_heads", context={
            "user": site_user["name"], "ignore_auth": False})["heads"]
        assert kept == [{"application_id": trail["id"], "seq": 5,
                         "hash": links(trail["id"])[-1].hash}]
        # the owner changes the reason of the revocation and computes every
        # hash again from there: the chain is whole again
        as_owner(f"ALTER TABLE {EVENT} DISABLE TRIGGER govshare_application_event_append_only",
                 f"UPDATE {EVENT} SET reason = '其他原因' WHERE application_id = :id AND seq = 4",
                 f"UPDATE {EVENT} e SET hash = govshare_application_event_hash(e)"
                 " WHERE application_id = :id AND seq = 4",
                 f"UPDATE {EVENT} e SET prev_hash = (SELECT hash FROM {EVENT}"
                 " WHERE application_id = :id AND seq = 4) WHERE application_id = :id AND seq = 5",
                 f"UPDATE {EVENT} e SET hash = govshare_application_event_hash(e)"
                 " WHERE application_id = :id AND seq = 5",
                 f"ALTER TABLE {EVENT} ENABLE TRIGGER govshare_application_event_append_only",
                 id=trail["id"])
        assert self.broken() == []
        assert self.broken(heads=kept) == [(chain.HEAD_DIFFERS, 5)]
        heads_file = tmp_path / "heads.jsonl"
        heads_file.write_text("".join(json.dumps(h) + "\n" for h in kept))
        result = verify_command("--heads", str(heads_file))
        assert result.exit_code == 1 and trail["id"] in result.stdout


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestThePortalRole:
    """The portal's role (``sqlalchemy.url``) may append to the trail and read
    it; nothing else."""

    REFUSED = (
        f"UPDATE {EVENT} SET reason = 'x'",
        f"DELETE FROM {EVENT}",
        f"TRUNCATE {EVENT}",
        f"ALTER TABLE {EVENT} DISABLE TRIGGER govshare_application_event_append_only",
        f"ALTER TABLE {EVENT} DISABLE TRIGGER ALL",
        f"DROP TRIGGER govshare_application_event_chain ON {EVENT}",
        "DROP TRIGGER govshare_grant_changed ON govshare_grant",
        f"ALTER TABLE {EVENT} DROP COLUMN hash",
        f"DROP TABLE {EVENT}",
        "CREATE OR REPLACE FUNCTION govshare_application_event_hash(e "
        f"{EVENT}) RETURNS text LANGUAGE sql AS $$ SELECT e.hash $$",
        f"ALTER TABLE {EVENT} OWNER TO CURRENT_USER",
    )

    @pytest.mark.parametrize("statement", REFUSED)
    def test_is_refused(self, agency, statement):
        helpers.call_action("govshare_application_create", context=as_user(agency.applicant),
                            **application_data(agency.dataset["id"]))
        with pytest.raises(sa.exc.ProgrammingError) as err:
            with model.meta.engine.begin() as conn:
                conn.execute(sa.text(statement))
        assert err.value.orig.pgcode == "42501"  # insufficient_privilege
        assert model.Session.query(ApplicationEvent).count() == 1

    def test_appends_and_reads(self, agency):
        app = helpers.call_action("govshare_application_create",
                                  context=as_user(agency.applicant),
                                  **application_data(agency.dataset["id"]))
        with model.meta.engine.begin() as conn:
            # whatever it says of the chain, the database decides
            seq, prev = conn.execute(sa.text(
                f"INSERT INTO {EVENT} (application_id, at, move, to_state, seq, prev_hash,"
                " hash) VALUES (:id, timezone('UTC', now()), 'note', 'submitted', 7, 'x',"
                " 'y') RETURNING seq, prev_hash"), {"id": app["id"]}).one()
        assert (seq, prev) == (2, links(app["id"])[0].hash)
        page = verify()
        assert page["broken"] == [] and page["weaknesses"] == []
        assert (page["chains"], page["events"], page["total"]) == (1, 2, 1)


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestTheAction:
    def test_only_sysadmins(self, agency):
        for user in (agency.admin, agency.applicant):
            with pytest.raises(tk.NotAuthorized):
                helpers.call_action("govshare_audit_verify", context=as_user(user))
            with pytest.raises(tk.NotAuthorized):
                helpers.call_action("govshare_audit_heads", context=as_user(user))

    @pytest.mark.parametrize("params", [{"limit": 0}, {"limit": "many"},
                                        {"heads": "x"}, {"heads": [{"seq": "1"}]}])
    def test_bad_input_is_a_validation_error(self, params):
        with pytest.raises(tk.ValidationError):
            verify(**params)

    def test_pages(self, agency):
        ids = sorted(helpers.call_action(
            "govshare_application_create", context=as_user(user),
            **application_data(agency.dataset["id"]))["id"]
            for user in (agency.applicant, agency.stranger))
        first = verify(limit=1)
        assert (first["chains"], first["next"], first["total"]) == (1, ids[0], 2)
        second = verify(limit=1, after=first["next"])
        assert second["chains"] == 1 and "total" not in second
        assert verify(limit=1, after=second["next"])["chains"] == 0


@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_the_migration_chains_what_was_there(agency):
    """Events written before the chain existed are chained in the order they
    were written, and grants already issued are recorded as they stand."""
    from ckanext.govshare.database import roles

    app = lifecycle(agency)
    before = [(e["move"], e["at"]) for e in app["events"]]
    owner = roles.owner_url(model.meta.engine.url.render_as_string(False))
    revision = "e7b2d9c4a6f1"
    model.Session.remove()
    try:
        with roles.migrating_as(owner):
            from ckan.cli.db import _run_migrations
            _run_migrations("govshare", "d8e24b6a1f90", forward=False)
            _run_migrations("govshare", revision)
            _run_migrations("govshare")   # on to the head, as the other tests expect
    finally:
        roles.secure(owner, model.meta.engine.url.render_as_string(False))
    shown = helpers.call_action("govshare_application_show", id=app["id"])
    assert [(e["move"], e["at"]) for e in shown["events"]][:5] == before
    assert shown["events"][-1]["move"] == "grant_recorded"
    assert shown["events"][-1]["details"]["state"] == "revoked"
    page = verify()
    assert page["broken"] == [] and page["weaknesses"] == []
    assert page["events"] == 6
