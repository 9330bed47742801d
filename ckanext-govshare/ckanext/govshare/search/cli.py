"""``ckan govshare search``: a parallel re-index with a progress bar.

CKAN's ``ckan search-index rebuild`` works with the embedded engine too; this
command does the same indexing (CKAN's own ``package_show`` and
``index_package``, so documents are identical, with what they read fetched
once per chunk of datasets: :mod:`.bulk`) in several worker processes, with
bounded memory: each worker handles one chunk at a time and drops its
session after.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import time

import click

import ckan.plugins.toolkit as tk

from ckanext.govshare.cli import progressbar


@click.group(short_help="Embedded search engine")
def search() -> None:
    """The embedded PostgreSQL search engine."""


def _worker_start() -> None:
    # each process needs its own database connections after fork
    from ckan.model import meta

    meta.engine.dispose(close=False)


#: seconds between a chunk's attempts when the search engine refuses it;
#: together (about a minute) longer than a SolrCloud node's ZooKeeper session
#: (30 s) and a new leader's election, so a node that stops or dies during
#: a rebuild costs time, not the rebuild
RETRY_WAITS = (1, 2, 4, 8, 15, 30)


def _index_chunk(package_ids: list[str], retry_waits: tuple[int, ...] = RETRY_WAITS) -> int:
    import ckan.lib.search as ckan_search
    import ckan.model as model

    from ckanext.govshare.search import bulk

    waits = list(retry_waits)
    while True:
        try:
            bulk.index_chunk(package_ids)
            ckan_search.commit()
            return len(package_ids)
        except ckan_search.SearchIndexError as error:
            if not waits:
                raise
            wait = waits.pop(0)
            # the same chunk again: indexing a dataset twice writes the same document
            click.echo(tk._("The search engine refused {count} datasets ({error});"
                            " trying again in {seconds} s").format(
                count=len(package_ids), error=str(error)[:200], seconds=wait), err=True)
            time.sleep(wait)
        finally:
            model.Session.remove()


def _dataset_ids() -> list[str]:
    import ckan.model as model

    packages = model.Session.query(model.Package.id)
    if tk.config.get("ckan.search.remove_deleted_packages"):
        packages = packages.filter(model.Package.state != "deleted")
    ids = [row[0] for row in packages.order_by(model.Package.id)]
    model.Session.remove()
    return ids


@search.command()
@click.option("--workers", "-w", type=int, default=None,
              help="Worker processes (default: the number of CPU cores).")
@click.option("--chunk-size", type=int, default=250, show_default=True,
              help="Datasets a worker indexes before reporting back.")
@click.option("--clear", is_flag=True, help="Empty the index first.")
@click.option("--keep-indexes", is_flag=True,
              help="With --clear, keep the search index's own indexes up to date while"
                   " writing instead of building them at the end: slower, but searches"
                   " stay fast meanwhile (a live portal).")
@click.pass_context
def rebuild(ctx: click.Context, workers: int | None, chunk_size: int, clear: bool,
            keep_indexes: bool) -> None:
    """Re-index every dataset, in parallel, showing progress."""
    # a request context selects the configured language for the messages
    with ctx.meta["flask_app"].test_request_context():
        _rebuild(workers, chunk_size, clear, keep_indexes)


def _rebuild(workers: int | None, chunk_size: int, clear: bool,
             keep_indexes: bool = False) -> None:
    import ckan.lib.search as ckan_search

    from ckanext.govshare.search import backend, deferred_indexes

    workers = workers or os.cpu_count() or 1
    # only the owner role may drop and build indexes (deferred_indexes)
    embedded = backend.is_installed() and deferred_indexes.owner_reachable()
    if embedded:
        # what a re-index stopped half way left to build
        _build_deferred_indexes()
    if clear:
        if embedded and not keep_indexes:
            deferred_indexes.defer()
        ckan_search.clear_all()
    started = time.monotonic()
    try:
        count = _index_all(workers, chunk_size)
    finally:
        if embedded:
            _build_deferred_indexes()
    from ckanext.govshare.search.client import analyze

    analyze()
    click.echo(tk._("Indexed {count} datasets in {seconds:.1f} s").format(
        count=count, seconds=time.monotonic() - started))
    if backend.is_installed():
        _compute_broad_postings()


@search.command()
@click.pass_context
def postings(ctx: click.Context) -> None:
    """Forget the search postings and compute the broad ones again, showing
    progress (after an upgrade that keeps them differently; running web
    processes keep theirs until the index next changes or they restart)."""
    with ctx.meta["flask_app"].test_request_context():
        _compute_broad_postings()


def _compute_broad_postings() -> None:
    """Every document was written again: no posting is worth its changes.
    The index answers already; its broad postings, computed now, spare the
    first visitors of a large catalog the wait (``search/postings.py``)."""
    from ckanext.govshare.search import postings
    from ckanext.govshare.search.client import _Transaction

    postings.forget_all()
    with _Transaction() as cursor:
        if not postings.in_use(postings.documents(cursor)):
            return
        keys = postings.warm_keys(cursor)
    with progressbar(length=len(keys), label=tk._("Computing the search postings")) as bar:
        postings.warm(keys, bar.update)


def _build_deferred_indexes() -> None:
    from ckanext.govshare.search import deferred_indexes

    indexes = deferred_indexes.pending()
    if not indexes:
        return
    with progressbar(length=len(indexes), label=tk._("Building the search index")) as bar:
        deferred_indexes.restore(lambda name: bar.update(1), indexes)


def _index_all(workers: int, chunk_size: int) -> int:
    """Every dataset, in chunks, by ``workers`` processes; returns how many."""
    ids = _dataset_ids()
    chunks = [ids[i:i + chunk_size] for i in range(0, len(ids), chunk_size)]
    # jieba's dictionary, loaded once here, is shared by the forked workers;
    # what is loaded by now is never garbage, and the collector need not
    # walk it again in every worker (nor write to its pages)
    from ckanext.govshare.search import analysis

    analysis.segmenter()
    gc.freeze()
    label = tk._("Indexing datasets")
    with progressbar(length=len(ids), label=label) as bar:
        if workers == 1 or len(chunks) <= 1:
            for chunk in chunks:
                bar.update(_index_chunk(chunk))
        else:
            context = multiprocessing.get_context("fork")
            with context.Pool(workers, initializer=_worker_start,
                              maxtasksperchild=100) as pool:
                for done in pool.imap_unordered(_index_chunk, chunks):
                    bar.update(done)
    return len(ids)
