"""Jurisdiction profiles (``config/profiles/<name>.yaml``): every number and
switch of GovShare's procedures for one jurisdiction, each citing its
article. One option chooses the profile; nothing else in the code keeps a
copy of these numbers.

A profile that cannot be read, or lacks a value, stops the portal at
start-up with a message naming the file (:func:`check`).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import yaml

import ckan.plugins.toolkit as tk

from ckanext.govshare import options

#: the profiles GovShare ships (``config/profiles`` links here)
BUNDLED = Path(__file__).parent / "profiles"
#: procedure kinds (the ``kind`` of a case); ``error_report``: the public's
#: report of an error in a dataset (纠错)
OPEN, SHARING, VERIFICATION = "open", "sharing", "verification"
ERROR_REPORT = "error_report"
KINDS = (OPEN, SHARING, VERIFICATION, ERROR_REPORT)
#: the public's request for data not open yet (需求征集): a procedure with
#: an answer period, not a kind of application (no moves of the workflow)
DATA_REQUEST = "data_request"
PROCEDURES = KINDS + (DATA_REQUEST,)


class ProfileError(Exception):
    """The configured profile cannot be used (the message names the file)."""


@dataclass(frozen=True)
class Rule:
    value: Any
    article: Optional[str]
    note: dict[str, str]

    def cited(self, lang: str = "zh_Hans_CN") -> str:
        """Where the value comes from, for pages: the article or the note."""
        return self.article or self.note.get(lang) or self.note.get("zh_Hans_CN") or ""


@dataclass(frozen=True)
class Procedure:
    kind: str
    answer_working_days: Rule
    #: working days an answer period may be extended by, once (0: never)
    extension_working_days: Rule
    #: how many times a supplement (补正) may be asked for; each restarts the
    #: answer period when the supplement arrives
    supplement_requests: Rule
    #: whether the applicant accepts the approval's terms before the grant
    #: opens any file
    terms_acceptance_required: Rule


@dataclass(frozen=True)
class Profile:
    name: str
    title: dict[str, str]
    source: str
    procedures: dict[str, Procedure]
    catalog_change_working_days: Rule

    def procedure(self, kind: str = OPEN) -> Procedure:
        return self.procedures[kind]

    def rules(self) -> list[tuple[str, Rule]]:
        """Every value with its key (``open.answer_working_days``), in order."""
        out = []
        for kind in PROCEDURES:
            procedure = self.procedures[kind]
            for field in _PROCEDURE_FIELDS:
                out.append((f"{kind}.{field}", getattr(procedure, field)))
        out.append(("catalog.change_working_days", self.catalog_change_working_days))
        return out


# field -> (type, lowest value)
_PROCEDURE_FIELDS = {
    "answer_working_days": (int, 1),
    "extension_working_days": (int, 0),
    "supplement_requests": (int, 0),
    "terms_acceptance_required": (bool, None),
}


def _rule(source: str, where: str, raw: Any, kind: type, low: Optional[int]) -> Rule:
    if not isinstance(raw, dict) or "value" not in raw:
        raise ProfileError(f"{source}: {where} needs a value and an article")
    value = raw["value"]
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)
                        or value < (low or 0)):
        raise ProfileError(f"{source}: {where} must be a whole number of at least {low}")
    if kind is bool and not isinstance(value, bool):
        raise ProfileError(f"{source}: {where} must be true or false")
    article = raw.get("article")
    note = raw.get("note") or {}
    if article is None and not note:
        raise ProfileError(f"{source}: {where} cites no article: give the article or a note")
    return Rule(value, str(article) if article is not None else None,
                {str(k): str(v) for k, v in note.items()})


def load(path: Path) -> Profile:
    """Read and check a profile file."""
    source = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ProfileError(f"Jurisdiction profile {source} cannot be read: {error}") from error
    except yaml.YAMLError as error:
        raise ProfileError(f"Jurisdiction profile {source} is not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise ProfileError(f"Jurisdiction profile {source} is empty or not a mapping")
    procedures = {}
    for kind in PROCEDURES:
        raw = (data.get("procedures") or {}).get(kind)
        if not isinstance(raw, dict):
            raise ProfileError(f"{source}: procedures.{kind} is missing")
        procedures[kind] = Procedure(kind, **{
            field: _rule(source, f"procedures.{kind}.{field}", raw.get(field), kind_, low)
            for field, (kind_, low) in _PROCEDURE_FIELDS.items()})
    catalog = data.get("catalog") or {}
    return Profile(
        name=str(data.get("name") or path.stem),
        title={str(k): str(v) for k, v in (data.get("title") or {}).items()},
        source=source,
        procedures=procedures,
        catalog_change_working_days=_rule(source, "catalog.change_working_days",
                                          catalog.get("change_working_days"), int, 1),
    )


def path_of(name: str) -> Path:
    """A profile's file: a path to a ``.yaml`` file as given, else the name
    looked up in ``ckanext.govshare.jurisdiction.profiles_dir`` (default: the
    profiles GovShare ships)."""
    if name.endswith((".yaml", ".yml")):
        return options.config_file(name) or Path(name)
    directory = options.config_file(tk.config.get(options.JURISDICTION_PROFILES_DIR)) or BUNDLED
    return directory / f"{name}.yaml"


_lock = threading.Lock()
_cached: Optional[tuple[tuple[Any, ...], Profile]] = None


def current() -> Profile:
    """The configured profile, re-read when its file changes."""
    global _cached
    path = path_of(str(tk.config.get(options.JURISDICTION_PROFILE) or "").strip()
                   or "qingyang-2021")
    stamp = options.file_stamp(path)
    cached = _cached
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with _lock:
        if not path.exists():
            raise ProfileError(
                f"Jurisdiction profile {path} not found (ckanext.govshare.jurisdiction.profile)")
        profile = load(path)
        _cached = (stamp, profile)
    return profile


def procedure(kind: str = OPEN) -> Procedure:
    return current().procedure(kind)


def check() -> Profile:
    """At start-up: the configured profile, or the portal refuses to start."""
    return current()


def markdown_table(profiles: list[Profile]) -> str:
    """The README's table: one row per value, one column per profile, each
    cell the value and its article (or the note's first clause)."""
    head = "| value | " + " | ".join(f"`{p.name}`" for p in profiles) + " |"
    lines = [head, "|---" * (len(profiles) + 1) + "|"]
    for index, (key, _rule) in enumerate(profiles[0].rules()):
        cells = []
        for item in profiles:
            rule = item.rules()[index][1]
            value = {True: "yes", False: "no"}.get(rule.value, rule.value) \
                if isinstance(rule.value, bool) else rule.value
            source = rule.article or "— " + rule.note.get("en", "").split(";")[0].split(",")[0]
            cells.append(f"{value} ({source})")
        lines.append(f"| `{key}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)
