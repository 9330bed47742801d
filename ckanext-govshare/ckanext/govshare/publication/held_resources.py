"""New and replaced files of a published open entry, held for review.

A resource added to a published entry that is open (unconditional or
conditional), or an existing resource whose file or link is replaced, widens
access: it takes effect only when a reviewer approves it. Until then the
resource does not exist for CKAN (no row, no search text, no activity, no
download route), so nothing of it can leak on any surface; what is held is a
description of the change in the trail (a ``submit_change`` event) and, for
an uploaded file, the file itself under ``<storage_path>/govshare_held/``.
Approval applies it through ``package_update`` (files through CKAN's own
uploader); returning the change deletes the held files.

Every other resource edit (name, description, format, …) and removing a
resource go straight through.
"""
from __future__ import annotations

import datetime as dt
import os
import posixpath
import shutil
import uuid
from typing import Any, Optional
from urllib.parse import urlparse

import ckan.lib.uploader as uploader
import ckan.model as model
import ckan.plugins.toolkit as tk
from werkzeug.datastructures import FileStorage

from ckanext.govshare.tiers import policy

CREATE = "create"
REPLACE = "replace"
#: the keys that say where a resource's data is: changing one widens access
LINK_KEYS = ("url", "url_type")


def directory() -> str:
    return os.path.join(tk.config.get("ckan.storage_path") or "", "govshare_held")


def path_of(held_file: dict[str, Any]) -> str:
    """The held file's path (the stored name is ours, a uuid: no traversal)."""
    return os.path.join(directory(), os.path.basename(held_file["name"]))


def is_open(package: model.Package) -> bool:
    """Open entries' resources are seen outside the organization."""
    return policy.tier_of(package) != policy.CLOSED


def _file_name(url: Any) -> str:
    return posixpath.basename(urlparse(str(url or "")).path)


def _link_changed(stored: model.Resource, proposed: dict[str, Any]) -> bool:
    """Whether ``proposed`` points the resource at other data. The form and
    package_show give an upload's URL in full; the row keeps the file name."""
    if "url" not in proposed and "url_type" not in proposed:
        return False
    url_type = proposed.get("url_type", stored.url_type) or None
    if url_type != (stored.url_type or None):
        return True
    if url_type == "upload":
        return _file_name(proposed.get("url")) not in ("", _file_name(stored.url))
    return str(proposed.get("url") or "").strip() != str(stored.url or "").strip()


def _stage_file(resource: dict[str, Any]) -> Optional[dict[str, Any]]:
    """Move an upload in ``resource`` into the held directory (CKAN's
    uploader reads it and sets ``url`` to the file name, ``url_type`` to
    upload); the held file's description, or None without an upload."""
    upload = uploader.get_resource_uploader(resource)
    if not getattr(upload, "filename", None) or getattr(upload, "upload_file", None) is None:
        return None
    os.makedirs(directory(), exist_ok=True)
    name = uuid.uuid4().hex
    with open(os.path.join(directory(), name), "wb") as target:
        upload.upload_file.seek(0)
        shutil.copyfileobj(upload.upload_file, target)
    return {"name": name, "filename": upload.filename,
            "mimetype": getattr(upload, "mimetype", None)}


def _described(resource: dict[str, Any]) -> dict[str, Any]:
    """What the trail keeps of a proposed resource: its fields (dates as
    ISO text, as the API gives them), no file."""
    return {key: value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value
            for key, value in resource.items()
            if key not in ("upload", "clear_upload") and not isinstance(value, FileStorage)}


def replaces_data(stored: model.Resource, proposed: dict[str, Any]) -> bool:
    """Whether an edit of ``stored`` brings a new file or another link."""
    upload = proposed.get("upload")
    return (isinstance(upload, FileStorage) and bool(upload.filename)) or _link_changed(
        stored, proposed)


def hold(package: model.Package, proposed: list[Any], whole_edit: bool = False
         ) -> tuple[list[Any], list[dict[str, Any]], list[Any]]:
    """Split ``proposed`` (a package_update's ``resources``) into what may be
    saved now and what is held: ``(resources to save, held entries, the
    whole proposal without its files)``. A held new resource is left out; a
    held replacement keeps its stored link and takes the rest of the edit
    (all of it is held with ``whole_edit``). Each held entry is ``{"id",
    "change", "resource", "file"}``; a new resource's id is chosen now."""
    stored = {r.id: r for r in package.resources_all if r.state != "deleted"}
    saved: list[Any] = []
    held: list[dict[str, Any]] = []
    whole: list[Any] = []
    for resource in proposed:
        current = (stored.get(resource["id"]) if isinstance(resource, dict)
                   and isinstance(resource.get("id"), str) else None)
        if not isinstance(resource, dict) or (
                current is not None and not replaces_data(current, resource)):
            saved.append(resource)
            whole.append(resource)
            continue
        has_upload = isinstance(resource.get("upload"), FileStorage) and bool(
            resource["upload"].filename)
        entry_id = current.id if current is not None else str(uuid.uuid4())
        resource = dict(resource, id=entry_id)
        held_file = _stage_file(resource) if has_upload else None
        described = _described(resource)
        held.append({"id": entry_id, "change": REPLACE if current is not None else CREATE,
                     "resource": described, "file": held_file})
        whole.append(described)
        if current is not None and not whole_edit:
            saved.append({**described, "url": current.url, "url_type": current.url_type})
    return saved, held, whole


def as_update(held: dict[str, Any], current: Optional[dict[str, Any]]) -> dict[str, Any]:
    """The resource dict that applies a held entry in a package_update: the
    held fields over the current ones, with the held file as an upload."""
    resource = {**(current or {}), **held["resource"], "id": held["id"]}
    if held.get("file"):
        stream = open(path_of(held["file"]), "rb")
        resource["upload"] = FileStorage(stream=stream, filename=held["file"]["filename"],
                                         content_type=held["file"].get("mimetype"))
        resource["url"] = held["file"]["filename"]
        resource["url_type"] = "upload"
    return resource


def discard(held: list[dict[str, Any]]) -> None:
    """Delete the held files of a change that was decided."""
    for entry in held:
        if entry.get("file"):
            try:
                os.remove(path_of(entry["file"]))
            except FileNotFoundError:
                pass
