"""Long CLI work says how far it is where there is no terminal for a bar.

click's progress bar prints only its label when its output is not a
terminal (cron's mail, a container's log): ``ckanext.govshare.cli.progressbar``
prints a line every ``every`` seconds there, and one at the end. The
commands that use it (``search rebuild``, ``stats count``, ``catalog
review-report``, ``audit verify``) are run below through click's runner,
whose output is not a terminal either.
"""
from __future__ import annotations

import io
import re

import pytest

from ckanext.govshare.cli import LoggedProgress, progressbar

from tests import cli_runner, factories


@pytest.mark.usefixtures("with_plugins")
def test_lines_say_how_far_the_work_is_and_how_long_it_has_to_go(app):
    out = io.StringIO()
    with app.flask_app.test_request_context(environ_overrides={"CKAN_LANG": "en"}):
        with progressbar(range(4), label="Indexing datasets", file=out, every=0) as bar:
            assert isinstance(bar, LoggedProgress)
            assert list(bar) == [0, 1, 2, 3]
    lines = out.getvalue().splitlines()
    # the label, a line for each of the first three, and the last one
    assert lines[0] == "Indexing datasets"
    assert [re.match(r"Indexing datasets: (\d) of 4 \((\d+)%\)", line).groups()
            for line in lines[1:]] == [("1", "25"), ("2", "50"), ("3", "75"), ("4", "100")]
    assert re.search(r", [\d,]+ a second, \d\d:\d\d:\d\d to go$", lines[1])
    assert lines[-1].endswith("00:00:00 to go")


@pytest.mark.usefixtures("with_plugins")
def test_a_long_pause_between_lines_and_the_lines_in_chinese(app):
    out = io.StringIO()
    with app.flask_app.test_request_context(environ_overrides={"CKAN_LANG": "zh_Hans_CN"}):
        with progressbar(length=1000, label="正在索引数据集", file=out, every=3600) as bar:
            for _ in range(4):
                bar.update(250)
    # within the hour: the label and the last line only
    assert out.getvalue().splitlines()[0] == "正在索引数据集"
    assert re.fullmatch(r"正在索引数据集：已完成 1,000 / 1,000（100%），每秒 [\d,]+ 个，"
                        r"预计还需 00:00:00", out.getvalue().splitlines()[1])
    assert len(out.getvalue().splitlines()) == 2


@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_the_commands_report_their_progress_in_a_log():
    factories.Dataset(owner_org=factories.Organization()["id"])
    for command in (("govshare", "stats", "count"),
                    ("govshare", "search", "rebuild", "-w", "1")):
        result = cli_runner.invoke(*command)
        assert result.exit_code == 0, result.output
        # the last line of the progress: all done, whatever the language
        assert re.search(r"(\d+)\D+\1\D+100%", result.output), (command, result.output)


@pytest.mark.usefixtures("with_plugins")
def test_slow_steps_show_a_rate_under_one(app):
    out = io.StringIO()
    with app.flask_app.test_request_context(environ_overrides={"CKAN_LANG": "en"}):
        with progressbar(length=10, label="Building the search index", file=out,
                         every=0) as bar:
            bar.started -= 50  # the first index took 50 s
            bar.update(1)
    # one index in 50 s is 0.02 a second, not 0
    assert ", 0.02 a second, 00:07:30 to go" in out.getvalue().splitlines()[1]
