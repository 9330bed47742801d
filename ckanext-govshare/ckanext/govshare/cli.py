"""``ckan govshare ...`` commands. Each capability adds its own sub-group."""
from __future__ import annotations

import contextlib
import time
from typing import IO, Any, Callable, Iterable, Iterator, Optional

import click

#: seconds between two progress lines where there is no terminal for a bar
PROGRESS_EVERY = 30.0


@click.group(short_help="GovShare portal commands")
def govshare() -> None:
    """GovShare: demo data, search engine and portal maintenance."""


def request_context(ctx: click.Context) -> Any:
    """A request context of the command's app: actions and messages use
    Flask's request globals (and the configured language)."""
    app = ctx.meta.get("flask_app")
    return app.test_request_context() if app is not None else contextlib.nullcontext()


def site_context() -> dict[str, Any]:
    """An action context for the site user (what cron's commands act as)."""
    import ckan.plugins.toolkit as tk

    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"user": site_user["name"]}


@contextlib.contextmanager
def progressbar(iterable: Optional[Iterable[Any]] = None, *, label: str,
                length: Optional[int] = None, file: Optional[IO[str]] = None,
                item_show_func: Optional[Callable[[Any], Optional[str]]] = None,
                every: float = PROGRESS_EVERY) -> Iterator[Any]:
    """click's progress bar on a terminal. Elsewhere (cron's mail, a
    container's log, ``make prod``'s output) click's bar prints its label
    and nothing more until the work ends, an hour later for a large
    re-index: there a line says how far it is every ``every`` seconds and
    once more at the end."""
    stream = file if file is not None else click.get_text_stream("stdout")
    if stream.isatty():
        with click.progressbar(iterable, length=length, label=label, show_pos=True,
                               show_eta=True, file=file,
                               item_show_func=item_show_func) as bar:
            yield bar
        return
    progress = LoggedProgress(iterable, label=label, length=length, file=stream, every=every)
    yield progress
    progress.finish()


class LoggedProgress:
    """What :func:`progressbar` gives where there is no terminal: the same
    ``update`` and iteration as click's bar, reported as lines."""

    def __init__(self, iterable: Optional[Iterable[Any]], *, label: str,
                 length: Optional[int], file: IO[str], every: float) -> None:
        if length is None:
            iterable = list(iterable or ())
            length = len(iterable)
        self.iterable, self.label, self.length = iterable, label, length
        self.file, self.every = file, every
        self.done = 0
        self.started = self.reported = time.monotonic()
        click.echo(label, file=file)

    def __iter__(self) -> Iterator[Any]:
        for item in self.iterable or ():
            yield item
            self.update(1)

    def update(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if now - self.reported >= self.every and self.done < self.length:
            self.reported = now
            self._line(now)

    def finish(self) -> None:
        self._line(time.monotonic())

    def _line(self, now: float) -> None:
        import ckan.plugins.toolkit as tk

        seconds = max(now - self.started, 1e-9)
        rate = self.done / seconds
        left = (self.length - self.done) / rate if rate else 0.0
        click.echo(tk._("{label}: {done} of {total} ({percent}%), {rate} a second,"
                        " {left} to go").format(
            label=self.label, done=f"{self.done:,}", total=f"{self.length:,}",
            percent=self.done * 100 // max(self.length, 1),
            # slow steps (an index built in a minute) show a rate under one
            rate=f"{rate:,.0f}" if rate >= 10 else f"{rate:.2g}",
            left=time.strftime("%H:%M:%S", time.gmtime(left))), file=self.file)


def get_commands() -> list[click.Command]:
    from ckanext.govshare.search.cli import search
    from ckanext.govshare.demo.cli import demo
    from ckanext.govshare.catalog_review.cli import catalog
    from ckanext.govshare.workdays_cli import cli as workdays

    govshare.add_command(search)
    govshare.add_command(demo)
    govshare.add_command(catalog)
    govshare.add_command(workdays)
    from ckanext.govshare.applications.cli import applications
    govshare.add_command(applications)
    from ckanext.govshare.audit.cli import audit
    from ckanext.govshare.database.cli import db
    govshare.add_command(audit)
    govshare.add_command(db)
    from ckanext.govshare.stats.cli import stats
    govshare.add_command(stats)
    from ckanext.govshare.page_cache.cli import pages
    govshare.add_command(pages)
    return [govshare]
