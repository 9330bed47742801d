"""``ckan search-index`` commands against the embedded engine."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from ckan.cli.cli import ckan
from ckan.tests import helpers

from tests import cli_runner, factories


def count(**kwargs) -> int:
    return helpers.call_action("package_search", **kwargs)["count"]


class InTheTestsApp:
    """``cli.invoke(ckan, ARGS)`` run in the tests' app (``tests/cli_runner``:
    CKAN's runner would build a new app for each call, seconds each);
    ``test_clear_then_rebuild`` and the parallel rebuild go through
    ``ckan`` itself."""

    @staticmethod
    def invoke(group, args: list[str]):
        assert group is ckan
        return cli_runner.invoke(*args, mix_stderr=True)


@pytest.fixture()
def in_app() -> InTheTestsApp:
    return InTheTestsApp()


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestSearchIndexCommands:
    @pytest.fixture()
    def datasets(self):
        org = factories.Organization()
        return [factories.Dataset(owner_org=org["id"], title=f"公交数据 {i}") for i in range(3)]

    def test_clear_then_rebuild(self, cli, datasets):
        assert count(q="公交") == 3
        result = cli.invoke(ckan, ["search-index", "clear"])
        assert result.exit_code == 0, result.output
        assert count(q="公交") == 0
        result = cli.invoke(ckan, ["search-index", "rebuild"])
        assert result.exit_code == 0, result.output
        assert "Indexing dataset 3/3" in result.output
        assert count(q="公交") == 3

    def test_clear_and_rebuild_one_dataset(self, in_app, datasets):
        name = datasets[0]["name"]
        assert in_app.invoke(ckan, ["search-index", "clear", name]).exit_code == 0
        assert count(q="公交") == 2
        assert in_app.invoke(ckan, ["search-index", "rebuild", name]).exit_code == 0
        assert count(q="公交") == 3

    def test_check_lists_datasets_missing_from_the_index(self, in_app, datasets):
        in_app.invoke(ckan, ["search-index", "clear", datasets[1]["name"]])
        result = in_app.invoke(ckan, ["search-index", "check"])
        assert result.exit_code == 0, result.output
        assert "Packages not indexed = 1 out of 3" in result.output
        assert datasets[1]["name"] in result.output

    def test_only_missing(self, in_app, datasets):
        in_app.invoke(ckan, ["search-index", "clear", datasets[2]["name"]])
        result = in_app.invoke(ckan, ["search-index", "rebuild", "--only-missing"])
        assert result.exit_code == 0, result.output
        assert count(q="公交") == 3

    def test_show_prints_the_indexed_document(self, in_app, datasets):
        result = in_app.invoke(ckan, ["search-index", "show", datasets[0]["name"]])
        assert result.exit_code == 0, result.output
        assert datasets[0]["id"] in result.output
        assert "公交数据 0" in result.output


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestParallelRebuild:
    def test_rebuild_with_workers_indexes_everything(self, in_app, ckan_config):
        org = factories.Organization()
        for i in range(5):
            factories.Dataset(owner_org=org["id"], title=f"客运站点 {i}")
        in_app.invoke(ckan, ["search-index", "clear"])
        assert count(q="客运") == 0
        # The command forks its workers: run it as an operator does, in a
        # process of its own (a fork of the test process would copy the test
        # runner's threads' locks, held or not).
        command = [str(Path(sys.executable).with_name("ckan")), "-c", ckan_config["__file__"],
                   "govshare", "search", "rebuild", "--workers", "2", "--chunk-size", "2"]
        result = subprocess.run(command, capture_output=True, text=True, timeout=180,
                                env=os.environ.copy(), stdin=subprocess.DEVNULL)
        assert result.returncode == 0, result.stdout + result.stderr
        assert count(q="客运") == 5

    def test_clear_option_drops_documents_of_deleted_datasets(self, in_app):
        org = factories.Organization()
        factories.Dataset(owner_org=org["id"], title="将被清除的数据集")
        import ckan.lib.search as search

        search.index_for("package").update_dict(
            {**helpers.call_action("package_show", id=factories.Dataset(
                owner_org=org["id"])["id"]), "id": "ghost", "name": "ghost",
             "title": "将被清除的幽灵"})
        assert count(q="幽灵") == 1
        result = in_app.invoke(ckan, ["govshare", "search", "rebuild", "--clear", "-w", "1"])
        assert result.exit_code == 0, result.output
        assert count(q="幽灵") == 0
        assert count(q="清除") == 1


def secondary_indexes() -> dict[str, str]:
    """The embedded engine's secondary indexes, by name, as PostgreSQL defines them."""
    from ckan import model

    from ckanext.govshare.search import deferred_indexes

    rows = model.Session.execute(
        sa.text("SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)"
                " FROM pg_index i WHERE i.indrelid = ANY(CAST(:tables AS regclass[]))"
                " AND NOT i.indisunique AND NOT i.indisprimary"),
        {"tables": list(deferred_indexes.TABLES)}).fetchall()
    model.Session.rollback()
    return dict(rows)


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestDeferredIndexes:
    """``rebuild --clear`` builds the secondary indexes once, at its end."""

    @pytest.fixture()
    def built(self):
        from ckanext.govshare.search import deferred_indexes

        before = secondary_indexes()
        yield before
        deferred_indexes.restore()  # whatever a failed test left dropped

    def test_clear_rebuild_ends_with_every_index_as_defined(self, in_app, built):
        assert len(built) >= 8  # GIN: vectors, facet values, labels, fields; orders
        org = factories.Organization()
        for i in range(3):
            factories.Dataset(owner_org=org["id"], title=f"轨道交通 {i}")
        result = in_app.invoke(ckan, ["govshare", "search", "rebuild", "--clear", "-w", "1"])
        assert result.exit_code == 0, result.output
        assert "正在建立检索索引" in result.output
        assert secondary_indexes() == built
        from ckanext.govshare.search import deferred_indexes

        assert deferred_indexes.pending() == []
        assert count(q="轨道") == 3
        assert count(fq=f'organization:"{org["name"]}"') == 3

    def test_keep_indexes_writes_with_every_index_in_place(self, in_app, built):
        org = factories.Organization()
        factories.Dataset(owner_org=org["id"], title="充电桩位置")
        result = in_app.invoke(ckan, ["govshare", "search", "rebuild", "--clear",
                                      "--keep-indexes", "-w", "1"])
        assert result.exit_code == 0, result.output
        assert "正在建立检索索引" not in result.output
        assert secondary_indexes() == built
        assert count(q="充电桩") == 1

    def test_a_stopped_rebuild_is_finished_by_the_next(self, in_app, built):
        from ckanext.govshare.search import deferred_indexes

        org = factories.Organization()
        factories.Dataset(owner_org=org["id"], title="河道水位")
        dropped = deferred_indexes.defer()  # as a clear rebuild does, then stopped
        assert sorted(dropped) == sorted(built)
        assert secondary_indexes() == {}
        assert [i["name"] for i in deferred_indexes.pending()] == sorted(built)
        # searches still answer, from the tables themselves
        assert count(q="水位") == 1
        result = in_app.invoke(ckan, ["govshare", "search", "rebuild", "-w", "1"])
        assert result.exit_code == 0, result.output
        assert secondary_indexes() == built
        assert deferred_indexes.pending() == []
        assert count(q="水位") == 1

    def test_without_the_owner_role_the_indexes_stay(self, in_app, built, monkeypatch):
        from ckanext.govshare.database import roles

        org = factories.Organization()
        factories.Dataset(owner_org=org["id"], title="路灯分布")
        # production gives the owner's URL to the migrating process only
        with monkeypatch.context() as patched:
            patched.setenv(roles.OWNER_URL_ENV, "postgresql://nobody:wrong@127.0.0.1:5432/x")
            result = in_app.invoke(ckan, ["govshare", "search", "rebuild", "--clear", "-w", "1"])
        assert result.exit_code == 0, result.output
        assert "正在建立检索索引" not in result.output
        assert secondary_indexes() == built
        assert count(q="路灯") == 1
