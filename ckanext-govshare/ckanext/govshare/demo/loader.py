"""Loads the demo catalog (``catalog.yaml`` + ``files/``) through CKAN's Action API.

Everything goes through ``tk.get_action`` as the site user (a sysadmin), so the
same validation, upload handling, activity streams and indexing apply as for a
publisher using the web UI. Loading is idempotent: organizations, groups and
datasets that already exist (by name) are skipped; an existing dataset only
gets the catalog resources it lacks (matched by resource name).

Every dataset goes through the review before publication
(:mod:`ckanext.govshare.publication`) as an agency's would: the site user
submits it, and a reviewer of its own (``govshare-demo-reviewer``, made an
admin of each demo organization) publishes it with the checklist, so the demo
is open to the public after loading and its trail says who did what.

Existence checks read the database (``model.Group.get`` / ``model.Package.get``)
and nothing here calls ``package_search``, so loading works whatever state the
search engine is in (CKAN still indexes each dataset as it is written).

The catalog's rules are the portal's: :func:`validate_catalog` checks only the
demo file itself (names, references, files), and :meth:`DemoLoader.check`
runs every organization, group and dataset through the create actions (the
scheming schema and GovShare's validators) in a transaction it rolls back, so
a catalog that breaks a rule is refused before anything is written.
"""
from __future__ import annotations

import dataclasses
import datetime
import logging
import os
import secrets
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Iterable

import yaml
from werkzeug.datastructures import FileStorage

import ckan.plugins.toolkit as tk
from ckan import model


log = logging.getLogger(__name__)

#: the user who publishes the demo (nobody reviews their own submission)
DEMO_REVIEWER = "govshare-demo-reviewer"

DEMO_DIR = Path(__file__).resolve().parent
CATALOG_PATH = DEMO_DIR / "catalog.yaml"
FILES_DIR = DEMO_DIR / "files"

#: Replaced by ``ckan.site_url`` in resource URLs.
SITE_URL_PLACEHOLDER = "{site_url}"

SCHEMAS_DIR = DEMO_DIR.parent / "schemas"

MIMETYPES = {
    ".csv": "text/csv",
    ".json": "application/json",
    ".geojson": "application/geo+json",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

Echo = Callable[[str], None]


# --------------------------------------------------------------------------- catalog
def load_catalog(path: str | os.PathLike[str] = CATALOG_PATH) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        # libyaml's safe loader when PyYAML has it: 7 times faster than the
        # pure-Python one (0.06 s for the demo catalog), the same values
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def validate_catalog(catalog: dict[str, Any], files_dir: Path = FILES_DIR) -> list[str]:
    """Problems in the demo file itself, as readable messages (empty when
    valid): names used twice, references to organizations and groups it does
    not define, resources without a name, a format or their file. What the
    catalog's entries must say is the schema's: :meth:`DemoLoader.check`."""
    _ = tk._
    errors: list[str] = []
    orgs = {o.get("name") for o in catalog.get("organizations") or []}
    groups = {g.get("name") for g in catalog.get("groups") or []}

    for items, used_twice, needs_title in (
        (catalog.get("organizations") or [],
         _("organization name {name!r} is used twice"),
         _("organization {item!r} needs a name and a title")),
        (catalog.get("groups") or [],
         _("group name {name!r} is used twice"),
         _("group {item!r} needs a name and a title")),
    ):
        names = [i.get("name") for i in items]
        for dup in sorted(n for n, c in Counter(names).items() if c > 1):
            errors.append(used_twice.format(name=dup))
        for item in items:
            if not item.get("name") or not item.get("title"):
                errors.append(needs_title.format(item=item))

    datasets = catalog.get("datasets") or []
    for dup in sorted(n for n, c in Counter(d.get("name") for d in datasets).items() if c > 1):
        errors.append(_("dataset name {name!r} is used twice").format(name=dup))
    for ds in datasets:
        name = ds.get("name", "?")
        for field in ("name", "title", "organization"):
            if not ds.get(field):
                errors.append(_("dataset {name}: missing {field}").format(name=name, field=field))
        if ds.get("organization") not in orgs:
            errors.append(_("dataset {name}: unknown organization {organization!r}")
                          .format(name=name, organization=ds.get("organization")))
        for g in ds.get("groups") or []:
            if g not in groups:
                errors.append(_("dataset {name}: unknown group {group!r}")
                              .format(name=name, group=g))

        resources = ds.get("resources") or []
        if not 1 <= len(resources) <= 3:
            errors.append(_("dataset {name}: has {count} resources (expected 1 to 3)")
                          .format(name=name, count=len(resources)))
        for dup in sorted(n for n, c in Counter(r.get("name") for r in resources).items() if c > 1):
            errors.append(_("dataset {name}: resource name {resource!r} is used twice")
                          .format(name=name, resource=dup))
        for res in resources:
            if not res.get("name") or not res.get("format"):
                errors.append(_("dataset {name}: resource {resource!r} needs a name and a format")
                              .format(name=name, resource=res))
            if bool(res.get("file")) == bool(res.get("url")):
                errors.append(
                    _("dataset {name}: resource {resource!r} needs exactly one of file and url")
                    .format(name=name, resource=res.get("name")))
            if res.get("file"):
                path = (files_dir / res["file"]).resolve()
                if files_dir.resolve() not in path.parents:
                    errors.append(_("dataset {name}: file {file!r} is outside {directory}")
                                  .format(name=name, file=res["file"], directory=files_dir))
                elif not path.is_file():
                    errors.append(_("dataset {name}: file {file!r} does not exist")
                                  .format(name=name, file=res["file"]))
    return errors


def error_lines(what: str, error: Exception) -> list[str]:
    """An action's refusal as readable lines: ``what: field: message``
    (``info_items 3.name`` for the third item's name)."""
    details = getattr(error, "error_dict", None)
    if not isinstance(details, dict):
        return [f"{what}: {error}"]
    return [f"{what}: {field}: {message}" for field, message in _flat_errors("", details)]


def _flat_errors(field: str, errors: Any) -> Iterable[tuple[str, str]]:
    if isinstance(errors, dict):
        for key, value in errors.items():
            yield from _flat_errors(f"{field}.{key}" if field else str(key), value)
    elif isinstance(errors, list):
        for n, value in enumerate(errors, start=1):
            if isinstance(value, (dict, list)):
                yield from _flat_errors(f"{field} {n}", value)
            elif value:
                yield field, str(value)
    elif errors:
        yield field, str(errors)


# --------------------------------------------------------------------------- dicts
def _extra_value(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    value = str(value).strip()
    return value or None


def extras_list(mapping: dict[str, Any] | None) -> list[dict[str, str]]:
    """``{"k": v}`` as CKAN ``extras`` (string values; empty values left out)."""
    out = []
    for key, value in (mapping or {}).items():
        text = _extra_value(value)
        if text is not None:
            out.append({"key": str(key), "value": text})
    return out


def _field_value(value: Any) -> Any:
    """A catalog value as the API takes it: dates as ISO strings, text
    stripped; ``None`` for an empty value (left out)."""
    if value is None:
        return None
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list):
        return [_field_value(v) if not isinstance(v, dict) else
                {k: _field_value(x) or "" for k, x in v.items()} for v in value]
    return value


def schema_fields(mapping: dict[str, Any] | None) -> dict[str, Any]:
    """``{"k": v}`` as schema fields of a dataset or organization (empty values left out)."""
    out = {}
    for key, value in (mapping or {}).items():
        value = _field_value(value)
        if value is not None:
            out[str(key)] = value
    return out


def group_dict(item: dict[str, Any], is_org: bool = False) -> dict[str, Any]:
    """An organization (its ``fields`` are schema fields) or a group (``extras``)."""
    data = {
        "name": item["name"],
        "title": item["title"],
        "description": (item.get("description") or "").strip(),
    }
    if is_org:
        data.update(schema_fields(item.get("fields")))
    else:
        data["extras"] = extras_list(item.get("extras"))
    return data


def dataset_dict(ds: dict[str, Any]) -> dict[str, Any]:
    data = {
        "name": ds["name"],
        "title": ds["title"],
        "notes": (ds.get("notes") or "").strip(),
        "owner_org": ds["organization"],
        "private": False,
        "license_id": ds.get("license_id"),
        "tags": [{"name": t} for t in ds.get("tags") or []],
        "groups": [{"name": g} for g in ds.get("groups") or []],
    }
    data.update(schema_fields(ds.get("catalog")))
    for field in ("author", "author_email", "maintainer", "maintainer_email", "url", "version"):
        if ds.get(field):
            data[field] = ds[field]
    return data


def resource_url(url: str, site_url: str) -> str:
    return url.replace(SITE_URL_PLACEHOLDER, site_url.rstrip("/"))


# --------------------------------------------------------------------------- loader
@dataclasses.dataclass
class LoadReport:
    created: Counter = dataclasses.field(default_factory=Counter)
    skipped: Counter = dataclasses.field(default_factory=Counter)
    failures: list[str] = dataclasses.field(default_factory=list)

    def summary(self, done: str = "created") -> str:
        """One line of counts; ``done`` is "created" (load) or "purged" (clear)."""
        _ = tk._
        if done == "purged":
            templates = {
                "organizations": _("organizations: {done} purged, {skipped} skipped"),
                "groups": _("groups: {done} purged, {skipped} skipped"),
                "datasets": _("datasets: {done} purged, {skipped} skipped"),
                "resources": _("resources: {done} purged, {skipped} skipped"),
            }
        else:
            templates = {
                "organizations": _("organizations: {done} created, {skipped} skipped"),
                "groups": _("groups: {done} created, {skipped} skipped"),
                "datasets": _("datasets: {done} created, {skipped} skipped"),
                "resources": _("resources: {done} created, {skipped} skipped"),
            }
        parts = [template.format(done=self.created[kind], skipped=self.skipped[kind])
                 for kind, template in templates.items()]
        if self.failures:
            parts.append(_("{count} failed").format(count=len(self.failures)))
        # TRANSLATORS: separates the parts of the demo loader's summary line
        return _("; ").join(parts)


class DemoLoader:
    """Creates the catalog's organizations, groups, datasets and resources."""

    def __init__(
        self,
        catalog: dict[str, Any] | None = None,
        files_dir: Path = FILES_DIR,
        echo: Echo = print,
        site_url: str | None = None,
    ) -> None:
        self.catalog = catalog if catalog is not None else load_catalog()
        self.files_dir = Path(files_dir)
        self.echo = echo
        self.site_url = site_url or tk.config.get("ckan.site_url") or "http://127.0.0.1:5000"
        self.report = LoadReport()
        self._user: str | None = None
        self._reviewer_orgs: set[str] = set()

    # -- plumbing
    @property
    def user(self) -> str:
        if self._user is None:
            site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
            self._user = site_user["name"]
        return self._user

    def context(self, **extra: Any) -> dict[str, Any]:
        # A fresh context per call: actions store objects in it.
        return {"user": self.user, "use_cache": False, **extra}

    def _reviewer(self, org_id: str) -> str:
        """The demo's reviewer, an admin of ``org_id``."""
        admin = {"ignore_auth": True, "user": self.user}
        if model.User.get(DEMO_REVIEWER) is None:
            tk.get_action("user_create")(dict(admin), {
                "name": DEMO_REVIEWER, "email": f"{DEMO_REVIEWER}@govshare.example",
                "fullname": tk._("Demo catalog reviewer"),
                "password": secrets.token_urlsafe(24)})
        if org_id not in self._reviewer_orgs:
            tk.get_action("organization_member_create")(dict(admin), {
                "id": org_id, "username": DEMO_REVIEWER, "role": "admin"})
            self._reviewer_orgs.add(org_id)
        return DEMO_REVIEWER

    def _publish(self, pkg_id: str) -> None:
        """Submit the dataset (as the site user) and publish it (as the demo's
        reviewer), unless it is published already."""
        from ckanext.govshare.publication import workflow

        shown = tk.get_action("govshare_publication_show")(self.context(), {"id": pkg_id})
        if shown["state"] == workflow.PUBLISHED:
            return
        if shown["state"] != workflow.SUBMITTED:
            tk.get_action("govshare_publication_submit")(self.context(), {"id": pkg_id})
        reviewer = self._reviewer(shown["owner_org"])
        tk.get_action("govshare_publication_decide")(
            {"user": reviewer}, {"id": pkg_id, "decision": workflow.PUBLISH,
                                 **{name: True for name in workflow.CHECKLIST_FIELDS}})

    def _fail(self, what: str, error: Exception) -> None:
        model.Session.rollback()
        for message in error_lines(f"{what}: {type(error).__name__}", error):
            self.report.failures.append(message)
            log.error("demo load failed: %s", message)
            self.echo("    " + tk._("FAILED {message}").format(message=message))

    # -- steps
    def check(self) -> list[str]:
        """What the portal's rules refuse in the catalog, as readable lines
        (empty when it may be loaded): each organization, group and dataset
        (without its files) goes through its create action in one
        transaction that is rolled back, so nothing is written and the
        catalog's entries are checked against each other too (resource codes
        unique). Entries that exist already are not checked again."""
        _ = tk._
        problems: list[str] = []
        context = {"defer_commit": True}
        steps = [("organization_create", _("organization {name}"), item, group_dict(item, True))
                 for item in self.catalog.get("organizations") or []
                 if model.Group.get(item["name"]) is None]
        steps += [("group_create", _("group {name}"), item, group_dict(item))
                  for item in self.catalog.get("groups") or []
                  if model.Group.get(item["name"]) is None]
        steps += [("package_create", _("dataset {name}"), ds, dataset_dict(ds))
                  for ds in self.catalog.get("datasets") or []
                  if model.Package.get(ds["name"]) is None]
        self.user  # the site user is created (and committed) before the transaction
        # what the create actions return is not used: a dataset's id rather
        # than package_show, a group's show without asking the search for
        # its (no) datasets (the activity plugin reads a group's dict)
        contexts = {"package_create": {**context, "return_id_only": True}}
        no_counts: dict[str, dict[str, int]] = {"owner_org": {}, "groups": {}}
        try:
            for action, what, item, data in steps:
                # Each entry in a savepoint of its own, nested in the previous
                # one: an entry refused rolls back its own (the create actions
                # roll back the innermost transaction on a ValidationError)
                # and those accepted stay, for the next entries to be checked
                # against. None is released: CKAN indexes the datasets of a
                # transaction when it commits, a savepoint's too, and the
                # index is written outside this transaction. (Past 64 nested
                # savepoints PostgreSQL's snapshots of other sessions get
                # slower while the check runs; the demo has 58 entries.)
                savepoint = model.Session.begin_nested()
                try:
                    tk.get_action(action)(self.context(**contexts.get(
                        action, {**context, "dataset_counts": no_counts})), data)
                except tk.ValidationError as error:
                    if savepoint.is_active:
                        savepoint.rollback()
                    problems += error_lines(what.format(name=item["name"]), error)
        finally:
            # closing the session rolls back its transaction, every savepoint in it
            model.Session.remove()
        return problems

    def load(self) -> LoadReport:
        errors = validate_catalog(self.catalog, self.files_dir)
        if not errors:
            self.echo(tk._("Checking the demo catalog against the portal's rules"))
            errors = self.check()
        if errors:
            raise ValueError(tk._("The demo catalog is invalid:") + "\n  " + "\n  ".join(errors))
        self.echo(tk._("Loading the demo catalog as the site user {user!r}").format(user=self.user))
        self._load_groups(self.catalog.get("organizations") or [], is_org=True)
        self._load_groups(self.catalog.get("groups") or [], is_org=False)
        self._load_datasets(self.catalog.get("datasets") or [])
        self.echo(tk._("Done. {summary}").format(summary=self.report.summary()))
        return self.report

    def _load_groups(self, items: list[dict[str, Any]], is_org: bool) -> None:
        _ = tk._
        kind = "organizations" if is_org else "groups"
        action = "organization_create" if is_org else "group_create"
        heading = _("Organizations ({count})") if is_org else _("Groups ({count})")
        self.echo(heading.format(count=len(items)))
        width = len(str(len(items)))
        for n, item in enumerate(items, start=1):
            prefix = f"  [{n:>{width}}/{len(items)}]"
            existing = model.Group.get(item["name"])
            if existing is not None:
                note = "" if existing.state == "active" else (
                    " " + _("(state: {state})").format(state=existing.state))
                if bool(existing.is_organization) != is_org:
                    note = " " + (_("(name taken by a group)") if is_org
                                  else _("(name taken by an organization)"))
                self.report.skipped[kind] += 1
                self.echo(prefix + " " + _("skipped  {name}  {title}").format(
                    name=item["name"], title=item["title"]) + note)
                continue
            try:
                # The create action returns organization_show/group_show, whose
                # dataset count would ask package_search; a new group has no
                # datasets, so hand it the (empty) counts instead. return_id_only
                # is not an option: the activity plugin needs the dict.
                no_counts: dict[str, dict[str, int]] = {"owner_org": {}, "groups": {}}
                tk.get_action(action)(self.context(dataset_counts=no_counts),
                                      group_dict(item, is_org=is_org))
            except Exception as e:  # reported, loading goes on
                what = _("organization {name}") if is_org else _("group {name}")
                self._fail(what.format(name=item["name"]), e)
                continue
            self.report.created[kind] += 1
            self.echo(prefix + " " + _("created  {name}  {title}").format(
                name=item["name"], title=item["title"]))

    def _load_datasets(self, datasets: list[dict[str, Any]]) -> None:
        _ = tk._
        self.echo(_("Datasets ({count})").format(count=len(datasets)))
        width = len(str(len(datasets)))
        for n, ds in enumerate(datasets, start=1):
            prefix = f"  [{n:>{width}}/{len(datasets)}]"
            pkg = model.Package.get(ds["name"])
            if pkg is not None and pkg.state == "deleted":
                self.report.skipped["datasets"] += 1
                self.echo(prefix + " " + _(
                    "skipped  {name}  {title}  (deleted; purge it to reload)").format(
                        name=ds["name"], title=ds["title"]))
                continue
            if pkg is None:
                try:
                    pkg_id = tk.get_action("package_create")(
                        self.context(return_id_only=True), dataset_dict(ds))
                except Exception as e:
                    self._fail(_("dataset {name}").format(name=ds["name"]), e)
                    continue
                self.report.created["datasets"] += 1
                status, existing_names = "created", set()
            else:
                pkg_id = pkg.id
                self.report.skipped["datasets"] += 1
                status = "skipped"
                # the names of the resources package_show lists (the active
                # ones), read without building the whole dataset dict
                existing_names = {r.name for r in pkg.resources_all if r.state == "active"}

            added = skipped = 0
            for res in ds.get("resources") or []:
                if res["name"] in existing_names:
                    skipped += 1
                    continue
                if self._create_resource(pkg_id, ds["name"], res):
                    added += 1
            try:
                self._publish(pkg_id)
            except Exception as e:
                self._fail(_("dataset {name}").format(name=ds["name"]), e)
            self.report.skipped["resources"] += skipped
            if status == "created":
                line = tk.ungettext("created  {name}  {title}  ({count} resource created)",
                                    "created  {name}  {title}  ({count} resources created)",
                                    added)
            elif added:
                line = tk.ungettext(
                    "skipped  {name}  {title}  (exists; {count} missing resource created)",
                    "skipped  {name}  {title}  (exists; {count} missing resources created)",
                    added)
            else:
                line = _("skipped  {name}  {title}  (exists)")
            self.echo(prefix + " " + line.format(name=ds["name"], title=ds["title"], count=added))

    def _create_resource(self, pkg_id: str, ds_name: str, res: dict[str, Any]) -> bool:
        data: dict[str, Any] = {
            "package_id": pkg_id,
            "name": res["name"],
            "description": (res.get("description") or "").strip(),
            "format": res["format"],
        }
        try:
            if res.get("file"):
                path = self.files_dir / res["file"]
                mimetype = MIMETYPES.get(path.suffix.lower())
                if mimetype:
                    data["mimetype"] = mimetype
                with open(path, "rb") as fh:
                    data["upload"] = FileStorage(stream=fh, filename=path.name,
                                                 content_type=mimetype)
                    tk.get_action("resource_create")(self.context(), data)
            else:
                data["url"] = resource_url(res["url"], self.site_url)
                tk.get_action("resource_create")(self.context(), data)
        except Exception as e:
            self._fail(tk._("resource {dataset}/{name}").format(dataset=ds_name, name=res["name"]),
                       e)
            return False
        self.report.created["resources"] += 1
        return True


def load(echo: Echo = print, catalog_path: str | os.PathLike[str] | None = None) -> LoadReport:
    """Load the demo catalog; returns what was created, skipped and failed."""
    path = Path(catalog_path) if catalog_path else CATALOG_PATH
    return DemoLoader(load_catalog(path), files_dir=path.parent / "files", echo=echo).load()


# --------------------------------------------------------------------------- clear
def _demo_dataset_names(catalog: dict[str, Any]) -> list[str]:
    return [d["name"] for d in catalog.get("datasets") or []]


def clear(echo: Echo = print, catalog_path: str | os.PathLike[str] | None = None) -> LoadReport:
    """Purge the catalog's datasets (and their uploaded files), then its groups
    and organizations unless something outside the catalog still uses them.

    The report's ``created`` counter holds what was purged."""
    catalog = load_catalog(catalog_path or CATALOG_PATH)
    loader = DemoLoader(catalog, echo=echo)
    report = loader.report
    names = set(_demo_dataset_names(catalog))

    for name in _demo_dataset_names(catalog):
        pkg = model.Package.get(name)
        if pkg is None:
            report.skipped["datasets"] += 1
            continue
        pkg_resources = list(pkg.resources_all)
        try:
            tk.get_action("dataset_purge")(loader.context(), {"id": pkg.id})
        except Exception as e:
            loader._fail(tk._("dataset {name}").format(name=name), e)
            continue
        for res in pkg_resources:
            remove_uploaded_file(res)
        report.created["datasets"] += 1  # counted as "purged"
        report.created["resources"] += len(pkg_resources)
        echo("  " + tk._("purged   {name}").format(name=name))

    for items, is_org in ((catalog.get("groups") or [], False),
                          (catalog.get("organizations") or [], True)):
        kind = "organizations" if is_org else "groups"
        for item in items:
            group = model.Group.get(item["name"])
            if group is None or bool(group.is_organization) != is_org:
                report.skipped[kind] += 1
                continue
            others = _other_datasets(group, names, is_org)
            if others:
                report.skipped[kind] += 1
                echo("  " + tk.ungettext(
                    "kept     {name} (still has {count} dataset outside the demo catalog)",
                    "kept     {name} (still has {count} datasets outside the demo catalog)",
                    len(others)).format(name=item["name"], count=len(others)))
                continue
            action = "organization_purge" if is_org else "group_purge"
            try:
                tk.get_action(action)(loader.context(), {"id": group.id})
            except Exception as e:
                what = tk._("organization {name}") if is_org else tk._("group {name}")
                loader._fail(what.format(name=item["name"]), e)
                continue
            report.created[kind] += 1
            echo("  " + tk._("purged   {name}").format(name=item["name"]))
    echo(tk._("Done. {summary}").format(summary=report.summary(done="purged")))
    return report


def remove_uploaded_file(resource: model.Resource) -> None:
    """Delete an uploaded resource's file (and its emptied directories);
    CKAN's purge actions leave files behind."""
    from ckan.lib import uploader

    if resource.url_type != "upload":
        return
    up = uploader.get_resource_uploader(
        {"id": resource.id, "url": resource.url, "url_type": "upload"})
    if not hasattr(up, "get_path"):
        return
    path = up.get_path(resource.id)
    if os.path.isfile(path):
        os.remove(path)
    directory = os.path.dirname(path)
    for _ in range(2):  # <storage>/resources/abc/def/
        try:
            os.rmdir(directory)
        except OSError:
            break
        directory = os.path.dirname(directory)


def _other_datasets(group: model.Group, demo_names: Iterable[str], is_org: bool) -> list[str]:
    demo_names = set(demo_names)
    if is_org:
        q = model.Session.query(model.Package.name).filter(model.Package.owner_org == group.id)
    else:
        q = (model.Session.query(model.Package.name)
             .join(model.Member, model.Member.table_id == model.Package.id)
             .filter(model.Member.group_id == group.id, model.Member.table_name == "package",
                     model.Member.state == "active"))
    return [n for (n,) in q if n not in demo_names]
