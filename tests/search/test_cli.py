"""``ckan search-index`` commands against the embedded engine."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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
