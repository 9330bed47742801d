"""search/warm.py: a web process reads what searches need as it starts; a
fork waits for it, and a child never inherits a lock held by the thread."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import click
import pytest

from ckanext.govshare import options
from ckanext.govshare.search import analysis, vocabulary, warm
from tests import factories

ON = {options.SEARCH_WARM_UP: "true"}


def test_off_when_configured_off():
    assert warm.start({options.SEARCH_WARM_UP: "false"}) is None


def test_not_in_a_ckan_command():
    with click.Context(click.Command("search")):
        assert warm.start(ON) is None


@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_the_warm_up_reads_what_the_first_search_needs():
    factories.Dataset(tags=[{"name": "公交站点"}])
    vocabulary.forget()
    thread = warm.start(ON)
    thread.join(60)
    assert not thread.is_alive()
    assert analysis._jieba is not None
    # the catalog's words are read, and not again by the first search
    assert not vocabulary._stale("words")
    assert "公交站点" in vocabulary.catalog_words()


def _run(script: str) -> list[str]:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(script)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_a_fork_waits_for_the_warm_up():
    """The child gets what the thread finished, and the lock free."""
    assert _run("""
        import os, threading, time
        from ckanext.govshare.search import warm

        def slow():
            with warm._lock:
                time.sleep(0.5)

        thread = threading.Thread(target=slow)
        thread.start()
        time.sleep(0.1)
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            os._exit(0 if warm._lock.acquire(blocking=False) else 1)
        waited = time.monotonic() - started
        _, status = os.waitpid(pid, 0)
        thread.join()
        print(waited >= 0.3, os.waitstatus_to_exitcode(status))
    """) == ["True", "0"]


def test_a_child_forked_after_the_wait_ran_out_starts_afresh():
    """A warm-up stuck (on the database, say) past FORK_WAIT: the child's
    locks are new ones, free, and the tokenizer is loaded when needed."""
    assert _run("""
        import os, threading, time
        from ckanext.govshare.search import analysis, warm

        warm.FORK_WAIT = 0.1

        def stuck():
            with warm._lock, analysis._jieba_lock:
                time.sleep(1.0)

        thread = threading.Thread(target=stuck)
        thread.start()
        time.sleep(0.1)
        pid = os.fork()
        if pid == 0:
            free = warm._lock.acquire(blocking=False) and analysis._jieba_lock.acquire(
                blocking=False)
            os._exit(0 if free else 1)
        _, status = os.waitpid(pid, 0)
        thread.join()
        print(os.waitstatus_to_exitcode(status))
    """) == ["0"]
