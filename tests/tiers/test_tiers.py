"""The tier policy beyond the matrix: changes, labels, grants, downloads."""
from __future__ import annotations

import functools
import json
import os
import re

import pytest
import sqlalchemy as sa

import ckan.lib.plugins as lib_plugins
import ckan.lib.uploader as uploader
import ckan.model as model
import ckan.plugins as plugins
from ckan.tests import factories as ckan_factories
from ckan.tests import helpers

from ckanext.datastore.logic import auth as datastore_auth
from ckanext.govshare.tiers import policy, views
from ckanext.govshare.tiers.logic import auth as tier_auth

from tests import harness

from .conftest import (ROLES, TIERS, World, build_world, file_bytes, link_url, make_dataset,
                       set_tier, upload_resource)


@pytest.fixture(scope="class")
def class_world(request) -> World:
    """One world for a class whose tests do not change what the others read
    (built in a clean database: a world costs seconds)."""
    harness.ENVIRONMENT.ensure(harness.marks_of(request.node))
    harness.DATABASE.reset()
    return build_world(with_views=False)


@pytest.fixture()
def world(class_world) -> World:
    return class_world


def call(world: World, role: str, action: str, **data):
    return helpers.call_action(action, context=world.context(role), **data)


def names(result: dict) -> set[str]:
    return {r["name"] for r in result["results"]}


def stored_labels(package_id: str) -> list[list[str]]:
    rows = model.Session.execute(sa.text(
        "SELECT permission_labels FROM activity WHERE object_id = :id"), {"id": package_id})
    return [list(r[0] or []) for r in rows]


# --------------------------------------------------------------------- the policy
class TestTierOf:
    def test_reads_every_shape(self):
        assert policy.tier_of({"open_tier": "closed"}) == "closed"
        assert policy.tier_of({"extras": [{"key": "open_tier", "value": "conditional"}]}) \
            == "conditional"
        assert policy.tier_of({"extras_open_tier": "conditional"}) == "conditional"

    def test_missing_is_unconditional_and_unknown_is_closed(self):
        assert policy.tier_of({}) == "unconditional"
        assert policy.tier_of({"open_tier": ""}) == "unconditional"
        assert policy.tier_of(None) == "unconditional"
        assert policy.tier_of({"open_tier": "secret"}) == "closed"


@pytest.mark.usefixtures("with_plugins")
class TestLabels:
    def test_closed_is_labelled_for_its_members_only(self, world):
        """... and its interested parties: a label only the holder of a data
        request's grant on it carries."""
        labels = lib_plugins.get_permission_labels()
        pkgs = {t: model.Package.get(world.datasets[t]["id"]) for t in TIERS}
        assert labels.get_dataset_labels(pkgs["unconditional"]) == ["public"]
        assert labels.get_dataset_labels(pkgs["conditional"]) == ["public"]
        party = policy.party_label(pkgs["closed"].id)
        assert labels.get_dataset_labels(pkgs["closed"]) == [
            f"member-{world.owner_org['id']}", party]
        carrying = {role for role in ROLES
                    if party in labels.get_user_dataset_labels(model.User.get(world.user(role)))}
        assert carrying == {"party"}

    @pytest.mark.ckan_config("ckan.auth.allow_dataset_collaborators", True)
    def test_closed_datasets_have_no_collaborators(self, world):
        collaborator = ckan_factories.User()
        for tier in ("conditional", "closed"):
            helpers.call_action("package_collaborator_create", id=world.datasets[tier]["id"],
                                user_id=collaborator["id"], capacity="member")
        context = {"user": collaborator["name"], "ignore_auth": False}
        conditional = helpers.call_action("package_show", context=dict(context),
                                          id=world.datasets["conditional"]["id"])
        assert link_url("conditional") in json.dumps(conditional)
        with pytest.raises(plugins.toolkit.NotAuthorized):
            helpers.call_action("package_show", context=dict(context),
                                id=world.datasets["closed"]["id"])

    def test_private_conditional_is_for_members(self, world):
        ds = make_dataset("conditional", owner_org=world.owner_org["id"], private=True)
        assert policy.has_access(world.user("member"), model.Package.get(ds["id"]))
        assert not policy.has_access(world.user("stranger"), model.Package.get(ds["id"]))


@pytest.mark.usefixtures("with_plugins")
class TestHasAccess:
    @pytest.mark.parametrize("role, expected", [
        ("anonymous", {"unconditional"}),
        ("stranger", {"unconditional"}),
        ("other_org_member", {"unconditional"}),
        ("member", set(TIERS)),
        ("sysadmin", set(TIERS)),
        ("party", {"unconditional", "closed"}),
    ])
    def test_every_shape_of_argument(self, world, role, expected):
        user = world.users[role]
        for tier in TIERS:
            resource = world.uploads[tier]
            for user_arg in (user["name"] if user else None,
                             model.User.get(user["id"]) if user else None):
                for obj in (resource, model.Resource.get(resource["id"]),
                            model.Package.get(world.datasets[tier]["id"]),
                            {"id": world.datasets[tier]["id"], "resources": []}):
                    assert policy.has_access(user_arg, obj) is (tier in expected), (tier, obj)

    def test_rejects_other_objects(self, world):
        with pytest.raises(TypeError):
            policy.has_access(None, 42)


@pytest.mark.usefixtures("with_plugins")
class TestGrants:
    def test_a_grant_opens_one_conditional_resource(self, world):
        grantee = world.users["stranger"]
        link, upload = world.links["conditional"], world.uploads["conditional"]

        def checker(user, package_id, resource_id, **_):
            return user.id == grantee["id"] and resource_id == link["id"]

        policy.register_grant_checker(checker)
        policy.register_grant_checker(checker)  # once only
        try:
            assert policy._grant_checkers.count(checker) == 1
            pkg = call(world, "stranger", "package_show", id=world.datasets["conditional"]["id"])
            urls = {r["id"]: r["url"] for r in pkg["resources"]}
            assert urls[link["id"]] == link_url("conditional")
            assert urls[upload["id"]].endswith("/apply")
            # others still see the application page
            other = call(world, "other_org_member", "resource_show", id=link["id"])
            assert other["url_type"] == policy.RESTRICTED_URL_TYPE
            assert policy.has_access(grantee["name"], link)
            assert not policy.has_access(grantee["name"], upload)
        finally:
            policy.unregister_grant_checker(checker)
        assert not policy.has_access(grantee["name"], link)

    def test_grants_never_open_closed_datasets(self, world):
        everything = policy.register_grant_checker(lambda user, package_id, resource_id, **_: True)
        try:
            assert not policy.has_access(world.user("stranger"), world.uploads["closed"])
            assert policy.has_access(world.user("stranger"), world.uploads["conditional"])
            assert not policy.has_access(None, world.uploads["conditional"])  # anonymous
        finally:
            # only this test's checker: the applications' own stays registered
            policy.unregister_grant_checker(everything)

    def test_a_failing_checker_grants_nothing(self, world):
        def broken(user, package_id, resource_id, **_):
            raise RuntimeError("grant store down")

        policy.register_grant_checker(broken)
        try:
            assert not policy.has_access(world.user("stranger"), world.uploads["conditional"])
        finally:
            policy.unregister_grant_checker(broken)

    def test_a_grant_opens_the_download(self, world, app):
        upload = world.uploads["conditional"]
        url = f"/dataset/tier-conditional/resource/{upload['id']}/download"
        assert app.get(url, headers=world.headers("stranger")).status_code == 403
        grant = policy.register_grant_checker(
            lambda user, package_id, resource_id, **_: user.name == world.user("stranger"))
        try:
            res = app.get(url, headers=world.headers("stranger"))
            assert res.status_code == 200
            assert res.get_data() == file_bytes("conditional")
            assert app.get(url, headers=world.headers("other_org_member")).status_code == 403
        finally:
            policy.unregister_grant_checker(grant)


# --------------------------------------------------------------------- changes
@pytest.mark.usefixtures("with_plugins")
class TestTierChanges:
    @pytest.fixture()
    def world(self, clean_db) -> World:
        """A world of its own for each test: they change tiers."""
        return build_world(with_views=False)

    def test_closing_takes_effect_at_once_everywhere(self, world, app):
        ds = world.datasets["unconditional"]
        assert ds["name"] in names(call(world, "stranger", "package_search", q="tiermark"))

        set_tier(ds["id"], "closed", world.user("sysadmin"))

        assert ds["name"] not in names(call(world, "stranger", "package_search", q="tiermark"))
        assert ds["name"] in names(call(world, "member", "package_search", q="tiermark"))
        facets = call(world, "stranger", "package_search", q="tiermark",
                      **{"facet.field": '["organization"]'})["facets"]["organization"]
        assert facets.get(world.owner_org["name"]) == 1  # only the conditional one
        assert ds["name"] not in call(world, "stranger", "package_list")
        assert ds["name"] not in {
            r["name"] for r in call(world, "stranger", "package_autocomplete", q="tiermark")}
        with pytest.raises(plugins.toolkit.NotAuthorized):
            call(world, "stranger", "package_show", id=ds["id"])
        assert app.get(f"/dataset/{ds['name']}").status_code == 404
        assert app.get(f"/dataset/{ds['name']}/resource/{world.uploads['unconditional']['id']}"
                       "/download").status_code == 404

    def test_conditional_then_open_again(self, world, app):
        ds = world.datasets["unconditional"]
        set_tier(ds["id"], "conditional", world.user("sysadmin"))
        hit = [r for r in call(world, "stranger", "package_search", q="tiermark")["results"]
               if r["name"] == ds["name"]][0]
        assert {r["url_type"] for r in hit["resources"]} == {policy.RESTRICTED_URL_TYPE}
        download = f"/dataset/{ds['name']}/resource/{world.uploads['unconditional']['id']}/download"
        assert app.get(download).status_code == 403

        set_tier(ds["id"], "unconditional", world.user("sysadmin"))
        hit = [r for r in call(world, "stranger", "package_search", q="tiermark")["results"]
               if r["name"] == ds["name"]][0]
        assert link_url("unconditional") in json.dumps(hit)
        assert app.get(download).get_data() == file_bytes("unconditional")

    def test_activities_follow_the_tier(self, world):
        ds = world.datasets["unconditional"]

        def seen_by(role: str) -> bool:
            streams = [
                call(world, role, "recently_changed_packages_activity_list", limit=100),
                call(world, role, "organization_activity_list", id=world.owner_org["id"],
                     limit=100),
                call(world, role, "user_activity_list", id=world.user("sysadmin"), limit=100),
            ]
            return [any(a["object_id"] == ds["id"] for a in s) for s in streams] == [True] * 3

        assert seen_by("stranger")
        set_tier(ds["id"], "closed", world.user("sysadmin"))
        member_label = f"member-{world.owner_org['id']}"
        assert all(labels == [member_label, policy.party_label(ds["id"])]
                   for labels in stored_labels(ds["id"]))
        assert not seen_by("stranger")
        assert not seen_by("other_org_member")
        assert seen_by("member")
        assert seen_by("sysadmin")
        with pytest.raises(plugins.toolkit.NotAuthorized):
            call(world, "stranger", "package_activity_list", id=ds["id"])

        set_tier(ds["id"], "unconditional", world.user("sysadmin"))
        assert all(labels == ["public"] for labels in stored_labels(ds["id"]))
        assert seen_by("stranger")

    def test_conditional_activities_scrubbed_after_the_change(self, world):
        ds = world.datasets["unconditional"]
        set_tier(ds["id"], "conditional", world.user("sysadmin"))
        activities = call(world, "stranger", "package_activity_list", id=ds["id"])
        assert len(activities) > 1
        assert link_url("unconditional") not in json.dumps(activities)
        assert link_url("unconditional") in json.dumps(
            call(world, "member", "package_activity_list", id=ds["id"]))

    def test_membership_change_seen_within_the_same_request(self, world, app):
        newcomer = ckan_factories.User()
        context = {"user": newcomer["name"], "ignore_auth": False}
        with app.flask_app.test_request_context():
            with pytest.raises(plugins.toolkit.NotAuthorized):
                helpers.call_action("package_show", context=dict(context),
                                    id=world.datasets["closed"]["id"])
            helpers.call_action("organization_member_create", id=world.owner_org["id"],
                                username=newcomer["name"], role="member")
            pkg = helpers.call_action("package_show", context=dict(context),
                                      id=world.datasets["closed"]["id"])
            assert link_url("closed") in json.dumps(pkg)


# --------------------------------------------------------------------- downloads
@pytest.mark.usefixtures("with_plugins")
class TestDownloads:
    def test_every_download_endpoint_is_guarded(self, app):
        endpoints = [e for e in app.flask_app.view_functions if e.endswith("resource.download")]
        assert {"resource.download", "dataset_resource.download"} <= set(endpoints)
        for endpoint in endpoints:
            assert getattr(app.flask_app.view_functions[endpoint], "govshare_guarded", False)

    def test_range_requests_are_answered_with_206(self, world, app):
        upload = world.uploads["conditional"]
        url = f"/dataset/tier-conditional/resource/{upload['id']}/download"
        data = file_bytes("conditional")
        res = app.get(url, headers={**world.headers("member"), "Range": "bytes=10-99"})
        assert res.status_code == 206
        assert res.get_data() == data[10:100]
        assert res.headers["Content-Range"] == f"bytes 10-99/{len(data)}"
        assert res.headers["Accept-Ranges"] == "bytes"
        tail = app.get(url, headers={**world.headers("member"), "Range": "bytes=-20"})
        assert tail.status_code == 206 and tail.get_data() == data[-20:]
        # no range to anyone without access
        denied = app.get(url, headers={**world.headers("stranger"), "Range": "bytes=0-99"})
        assert denied.status_code == 403 and data[:40] not in denied.get_data()

    def test_content_disposition(self, world, app):
        upload = world.uploads["unconditional"]
        res = app.get(f"/dataset/tier-unconditional/resource/{upload['id']}/download")
        assert res.status_code == 200
        disposition = res.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert "filename*=UTF-8''unconditional-.csv" in disposition
        named = app.get(f"/dataset/tier-unconditional/resource/{upload['id']}"
                        "/download/%E5%85%AC%E4%BA%A4.csv")
        assert "filename*=UTF-8''%E5%85%AC%E4%BA%A4.csv" in named.headers["Content-Disposition"]
        assert res.headers["Content-Type"].startswith("text/csv")

    def test_content_disposition_header_is_safe(self):
        header = views.content_disposition('a"b\\c 数据.csv')
        assert header == ("attachment; filename=\"a_b_c .csv\"; "
                          "filename*=UTF-8''a%22b%5Cc%20%E6%95%B0%E6%8D%AE.csv")

    def test_the_dataset_id_must_match(self, world, app):
        upload = world.uploads["unconditional"]
        res = app.get(f"/dataset/tier-conditional/resource/{upload['id']}/download")
        assert res.status_code == 404

    def test_conditional_file_unreachable_for_anonymous(self, world, app):
        """Whatever the route, an anonymous visitor never gets the file's bytes."""
        upload = world.uploads["conditional"]
        rid, ds = upload["id"], world.datasets["conditional"]
        secret = file_bytes("conditional")[:40]
        stored = f"resources/{rid[0:3]}/{rid[3:6]}/{rid[6:]}"
        candidates = [
            f"/dataset/{ds['name']}/resource/{rid}/download",
            f"/dataset/{ds['id']}/resource/{rid}/download",
            f"/dataset/{ds['name']}/resource/{rid}/download/conditional-.csv",
            f"/dataset/{ds['name']}/resource/{rid}/download/other-name.csv",
            f"/dataset/{ds['name']}/resource/{rid}",
            f"/dataset/{ds['name']}/resource/{rid}/view",
            f"/dataset/{ds['name']}/resource/{rid}/view/{rid}",
            f"/dataset/{ds['name']}/resource/{rid}/view?resource_view=" + json.dumps(
                {"view_type": "image_view", "title": "x", "config": {}}),
            f"/dataset/{ds['name']}",
            f"/dataset/{ds['name']}/apply",
            f"/api/3/action/resource_show?id={rid}",
            f"/api/3/action/package_show?id={ds['id']}",
            "/api/3/action/package_search?q=tiermark&fl=name,res_url,data_dict",
            f"/{stored}",
            f"/storage/{stored}",
            f"/uploads/{stored}",
            f"/uploads/../{stored}",
            f"/%2e%2e/{stored}",
            f"/uploads/%2e%2e/{stored}",
            f"/base/../{stored}",
        ]
        for url in candidates:
            res = app.get(url, follow_redirects=True)
            body = res.get_data()
            assert secret not in body, url
            assert link_url("conditional").encode() not in body, url
            if ds["id"] not in url:  # (a page may repeat its own address)
                assert f"{ds['id']}/resource/{rid}/download".encode() not in body, url

    def test_link_resources_redirect_only_with_access(self, world, app):
        link = world.links["conditional"]
        url = f"/dataset/tier-conditional/resource/{link['id']}/download"
        res = app.get(url, follow_redirects=False)
        assert res.status_code == 403
        res = app.get(url, headers=world.headers("member"), follow_redirects=False)
        assert res.status_code == 302 and res.headers["Location"] == link_url("conditional")

    def test_missing_file_is_404(self, world, app):
        ds = make_dataset("unconditional", owner_org=world.owner_org["id"])
        res = upload_resource(ds["id"], b"x,y\n", "gone.csv", world.user("sysadmin"))
        os.remove(uploader.get_resource_uploader(res).get_path(res["id"]))
        assert app.get(f"/dataset/{ds['name']}/resource/{res['id']}/download").status_code == 404


# --------------------------------------------------------------------- pages
@pytest.mark.usefixtures("with_plugins")
class TestPages:
    def test_apply_page(self, world, app):
        body = app.get("/dataset/tier-conditional/apply").get_data(as_text=True)
        assert "有条件开放：需申请" in body
        assert world.datasets["conditional"]["title"] in body
        assert "/user/login" in body
        english = app.get("/en/dataset/tier-conditional/apply").get_data(as_text=True)
        assert "Conditionally open: application required" in english
        open_page = app.get("/dataset/tier-unconditional/apply").get_data(as_text=True)
        assert "无条件开放" in open_page
        assert app.get("/dataset/tier-closed/apply").status_code == 404
        assert app.get("/dataset/no-such-dataset/apply").status_code == 404

    def test_the_restricted_page_explains_and_links(self, world, app):
        upload = world.uploads["conditional"]
        res = app.get(f"/dataset/tier-conditional/resource/{upload['id']}/download")
        assert res.status_code == 403
        body = res.get_data(as_text=True)
        assert re.search(r'href="http://test.ckan.net/dataset/tier-conditional/apply"', body)
        assert "conditional upload" in body
        assert world.datasets["conditional"]["title"] in body


# --------------------------------------------------------------------- other lists
@pytest.mark.usefixtures("with_plugins")
class TestOtherLists:
    def test_followed_datasets_are_scrubbed(self, world):
        for tier in TIERS:
            helpers.call_action("follow_dataset", context={"user": world.user("stranger")},
                                id=world.datasets[tier]["id"])
        followed = call(world, "stranger", "dataset_followee_list", id=world.user("stranger"))
        assert {d["name"] for d in followed} == {"tier-unconditional", "tier-conditional"}
        assert link_url("conditional") not in json.dumps(followed)
        assert link_url("unconditional") in json.dumps(followed)
        everything = call(world, "stranger", "followee_list", id=world.user("stranger"))
        datasets = [f["dict"] for f in everything if f["type"] == "dataset"]
        assert {d["name"] for d in datasets} == {"tier-unconditional", "tier-conditional"}
        assert link_url("conditional") not in json.dumps(everything)

    def test_package_list_paging_skips_closed(self, world):
        assert call(world, "sysadmin", "package_list") == [
            "tier-conditional", "tier-unconditional"]
        assert call(world, "anonymous", "package_list", limit=1, offset=1) == [
            "tier-unconditional"]


# --------------------------------------------------------------------- datastore
@pytest.mark.usefixtures("with_plugins")
class TestDatastoreAuth:
    """The chained datastore auth, on top of the datastore's own functions.

    The chain is built here exactly as CKAN builds it, so that each function
    is asked with the datastore's own next to it.
    """

    @pytest.fixture()
    def chained(self):
        return {name: functools.partial(getattr(tier_auth, name),
                                        getattr(datastore_auth, name))
                for name in ("datastore_search", "datastore_info", "datastore_search_sql")}

    def test_registered_with_the_datastore(self):
        names = {"datastore_search", "datastore_info", "datastore_search_sql"}
        assert plugins.plugin_loaded("datastore")  # test.ini loads it
        assert names <= set(tier_auth.get_auth_functions())

    @pytest.mark.parametrize("role, tier, allowed", [
        ("anonymous", "unconditional", True),
        ("anonymous", "conditional", False),
        ("stranger", "conditional", False),
        ("other_org_member", "conditional", False),
        ("member", "conditional", True),
        ("member", "closed", True),
    ])
    def test_rows_follow_the_policy(self, world, chained, role, tier, allowed):
        rid = world.uploads[tier]["id"]
        for name in ("datastore_search", "datastore_info"):
            context = {**world.context(role), "model": model, "auth_user_obj":
                       model.User.get(world.user(role)) if world.user(role) else None}
            result = chained[name](context, {"resource_id": rid})
            assert result["success"] is allowed, name
        context = {**world.context(role), "model": model, "table_names": [rid],
                   "auth_user_obj": model.User.get(world.user(role)) if world.user(role)
                   else None}
        assert chained["datastore_search_sql"](context, {"sql": "SELECT 1"})["success"] \
            is allowed

    def test_closed_rows_refused_to_strangers(self, world, chained):
        context = {**world.context("stranger"), "model": model,
                   "auth_user_obj": model.User.get(world.user("stranger"))}
        with pytest.raises(plugins.toolkit.NotAuthorized):
            chained["datastore_search"](context, {"resource_id": world.uploads["closed"]["id"]})
