"""A new web process's first search, as quick as the next ones.

A search box query is cut into words by jieba, whose dictionary a process
reads once (:func:`.analysis.segmenter`: half a million words), and the
words are put back together with the catalog's tags and agency names (a
query over the catalog, :func:`.vocabulary.catalog_words`) and the
operator's word lists (:func:`.lexicon.current`). A process that serves
pages reads all of them in a thread of its own as soon as its plugins are
configured, while CKAN builds the rest of the application, rather than when
its first visitor searches.

Processes a ``ckan`` command starts (the jobs worker, ``search rebuild``,
``db upgrade`` ...) do not: most never search. Neither do the tests
(``ckanext.govshare.search.warm_up = false`` in test.ini): a thread reading
the catalog would race with their writes.

The thread holds a lock while it works, and a fork waits for it (at most
``FORK_WAIT`` seconds): a child (gunicorn ``--preload``, say) gets the whole
tokenizer, and no lock held by a thread it does not have. Should the wait
run out, the child starts afresh and reads what it needs itself.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any, Optional

import ckan.plugins.toolkit as tk

from ckanext.govshare import options

log = logging.getLogger(__name__)

FORK_WAIT = 60.0
#: what a search box query is parsed with once (CKAN's dismax ``mm``)
_SAMPLE_QUERY = "公交线路 bus"
_MM = "2<-1 5<80%"

_lock = threading.Lock()
_held_for_fork = False


def start(config: Any) -> Optional[threading.Thread]:
    """Warm the search up in a thread, unless a ``ckan`` command is running
    or the configuration says not to."""
    if not tk.asbool(config.get(options.SEARCH_WARM_UP)):
        return None
    import click

    if click.get_current_context(silent=True) is not None:
        return None  # made by a ckan command
    thread = threading.Thread(target=warm_up, name="govshare-search-warm-up", daemon=True)
    thread.start()
    return thread


def warm_up() -> None:
    """Read what the first search would: jieba's dictionary, the operator's
    word lists, the catalog's words; then parse one query."""
    import ckan.model as model

    from ckanext.govshare.search import analysis, lexicon, query, vocabulary

    started = time.perf_counter()
    with _lock:
        try:
            analysis.segmenter()
            lexicon.current()
            vocabulary.catalog_words()  # the database: the only wait, last
            query.Translator(query_fields=["text"], mm=_MM).translate(
                _SAMPLE_QUERY, lenient=True)
        except Exception:
            log.warning("Search warm-up failed; the first search reads what it needs",
                        exc_info=True)
        finally:
            model.Session.remove()  # this thread's connection back to the pool
    log.debug("Search warmed up in %.2f s", time.perf_counter() - started)


def _before_fork() -> None:
    global _held_for_fork
    _held_for_fork = _lock.acquire(timeout=FORK_WAIT)


def _after_fork_in_parent() -> None:
    if _held_for_fork:
        _lock.release()


def _after_fork_in_child() -> None:
    global _lock
    if _held_for_fork:
        _lock.release()
        return
    # the warm-up was still at work (most likely waiting for the database):
    # its thread is not in this process, nor must its locks be
    from ckanext.govshare.search import analysis, vocabulary

    _lock = threading.Lock()
    analysis.forget_half_loaded()
    vocabulary.forget()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent,
                        after_in_child=_after_fork_in_child)
