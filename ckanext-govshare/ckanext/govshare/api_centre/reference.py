"""The actions the API centre documents, read from CKAN's registry at request
time: every ``govshare_*`` action, and :data:`CORE_ACTIONS` that are
registered. Each comes with its docstring split into a description and its
``:param:`` fields, and with who may call it (:func:`access_of`)."""
from __future__ import annotations

import dataclasses
import functools
import inspect
import json
import re
import textwrap
import uuid
from typing import Any, Optional

import ckan.logic as logic
import ckan.model as model
import ckan.plugins.toolkit as tk
from markupsafe import Markup

#: core actions a data user needs, in reading order (``datastore_search``
#: only when the datastore plugin is loaded)
CORE_ACTIONS = ("package_search", "package_show", "resource_show", "organization_list",
                "group_list", "datastore_search")
PREFIX = "govshare_"

#: who may call an action, as :func:`access_of` finds it
PUBLIC, USER, AGENCY = "public", "user", "agency"
#: the longest summary shown beside an action's name
SUMMARY = 140

_FIELD = re.compile(r"^:(param|type|returns?|rtype|raises)(?:\s+([^:]+?))?:\s*(.*)$")
_ROLE = re.compile(r":[\w:]+:`~?([^`<]*?)(?:\s*<[^>]*>)?`")


@dataclasses.dataclass
class Param:
    name: str
    type: str = ""
    description: str = ""


@dataclasses.dataclass
class Docstring:
    description: str
    params: list[Param]
    returns: str = ""
    rtype: str = ""
    #: the keys of the result, where a docstring lists them as ``:param:``
    #: fields after ``:returns:`` (as ``package_search``'s does)
    result_fields: list[Param] = dataclasses.field(default_factory=list)

    @property
    def summary(self) -> str:
        """The first sentence of the description, at most :data:`SUMMARY`
        characters."""
        first = self.description.split("\n\n", 1)[0].replace("\n", " ").strip()
        first = re.split(r"(?<=\.)\s", first, maxsplit=1)[0]
        first = re.sub(r"``(.+?)``", r"\1", _ROLE.sub(r"\1", first))
        return first if len(first) <= SUMMARY else first[:SUMMARY - 1].rstrip() + "…"


@dataclasses.dataclass
class Action:
    name: str
    doc: Docstring
    read_only: bool
    access: str
    #: the auth function decides by the object named (an application, an
    #: organization), so a caller with a token may or may not be allowed
    depends_on_object: bool = False


def registry() -> dict[str, Any]:
    """CKAN's registered actions (filled on first use). CKAN has no public
    way to list them; its registry is the one place they all are."""
    logic.get_action("package_show")
    return logic._actions


def documented_names() -> list[str]:
    """The names shown: core ones first, then GovShare's, alphabetically."""
    actions = registry()
    core = [name for name in CORE_ACTIONS if name in actions]
    return core + sorted(name for name in actions if name.startswith(PREFIX))


def parse(doc: Optional[str]) -> Docstring:
    """A Sphinx-style docstring: the text before the fields, and the
    ``:param:``/``:type:`` pairs, ``:returns:`` and ``:rtype:``. A field
    goes on over the indented (or blank) lines after it."""
    description: list[str] = []
    fields: list[tuple[str, str, list[str]]] = []
    current: Optional[list[str]] = None
    for line in inspect.cleandoc(doc or "").splitlines():
        match = _FIELD.match(line)
        if match:
            kind, arg, text = match.groups()
            current = [text]
            # ":param string id:" names the type first
            fields.append((kind.rstrip("s"), (arg or "").split()[-1] if arg else "", current))
        elif current is not None and (line[:1] in (" ", "\t") or not line.strip()):
            current.append(line.strip())
        else:
            current = None
            description.append(line)
    params: dict[str, Param] = {}
    results: dict[str, Param] = {}
    other: dict[str, str] = {}
    for kind, arg, lines in fields:
        text = " ".join(line for line in lines if line).strip()
        table = results if other else params
        if kind == "param":
            table.setdefault(arg, Param(arg)).description = text
        elif kind == "type":
            table.setdefault(arg, Param(arg)).type = text
        else:
            other[kind] = text
    return Docstring(description="\n".join(description).strip(),
                     params=[p for p in params.values() if p.name],
                     returns=other.get("return", ""), rtype=other.get("rtype", ""),
                     result_fields=[p for p in results.values() if p.name])


@functools.lru_cache(maxsize=4096)
def render(text: str) -> Markup:
    """Docstring text (reStructuredText) as HTML, through CKAN's own
    Markdown renderer and sanitiser (:func:`_markdown` bridges the two).
    Cached: docstrings do not change while the portal runs, and rendering
    them all costs half a second."""
    return Markup(tk.h.render_markdown(_markdown(text), auto_link=False))


_LINK = re.compile(r"`([^`<]+?)\s*<([^>]+)>`__?")
_TARGET = re.compile(r"^\.\. _([^:]+):\s*(\S+)\s*$", re.M)
_REFERENCE = re.compile(r"`([^`]+)`_\b")


def _markdown(text: str) -> str:
    """What reST in CKAN's docstrings needs to read the same in Markdown:
    Sphinx roles as code, links (inline and named targets) as links, a
    literal block after ``::`` (however little it is indented) as code."""
    text = _ROLE.sub(lambda m: f"``{m.group(1).strip()}``", text)
    text = _LINK.sub(r"[\1](\2)", text)
    targets = dict(_TARGET.findall(text))
    text = _TARGET.sub("", text)
    text = _REFERENCE.sub(lambda m: f"[{m.group(1)}]({targets[m.group(1)]})"
                          if m.group(1) in targets else m.group(1), text)
    lines, out, i = text.splitlines(), [], 0
    while i < len(lines):
        line = lines[i].rstrip()
        i += 1
        if not line.endswith("::"):
            out.append(line)
            continue
        head = line[:-2].rstrip()
        out.append(head + ":" if head and not line.endswith(" ::") else head)
        block: list[str] = []
        while i < len(lines) and (not lines[i].strip() or lines[i][:1] in (" ", "\t")):
            block.append(lines[i])
            i += 1
        code = textwrap.dedent("\n".join(block)).strip("\n")
        if code:
            out += ["", *("    " + row for row in code.splitlines()), ""]
    return "\n".join(out)


# ------------------------------------------------------------------ access
def _allowed(name: str, context: dict[str, Any], data_dict: dict[str, Any]) -> Optional[bool]:
    """Does the auth function let this caller call ``name`` with this data:
    True, False, or None when it cannot tell without an object that exists
    (it raises NotFound, a validation error, or no auth function is
    registered). Only the auth function runs, never the action."""
    try:
        tk.check_access(name, context, dict(data_dict))
    except tk.NotAuthorized:
        return False
    except Exception:  # an auth function may need what the empty call lacks
        return None
    return True


def _registered_user() -> model.User:
    """A logged-in user with no role anywhere, never saved: what an auth
    function sees from someone who has just registered."""
    return model.User(name=f"api-centre-{uuid.uuid4().hex}", state="active", sysadmin=False)


def access_of(name: str, data_dict: dict[str, Any]) -> tuple[str, bool]:
    """Who may call ``name`` (:data:`PUBLIC`, :data:`USER` or :data:`AGENCY`)
    and whether that depends on the object named, from its auth function
    asked as an anonymous visitor and as a newly registered user, with
    ``data_dict`` (the example's parameters)."""
    auth_options = tuple(sorted((k, str(v)) for k, v in tk.config.items()
                                if k.startswith("ckan.auth.")))
    return _access_of(name, id(registry()[name]), json.dumps(data_dict, sort_keys=True),
                      auth_options)


@functools.lru_cache(maxsize=1024)
def _access_of(name: str, _action_id: int, data_json: str,
               _auth_options: tuple[tuple[str, str], ...]) -> tuple[str, bool]:
    # cached by the action (a new registry: new functions), the example's
    # data and the auth options: each probe costs a few queries, and the
    # page asks about fifty
    data_dict = json.loads(data_json)
    anonymous = _allowed(name, {"user": "", "auth_user_obj": None}, data_dict)
    if anonymous:
        return PUBLIC, False
    user = _registered_user()
    registered = _allowed(name, {"user": user.name, "auth_user_obj": user}, data_dict)
    if registered is False:
        return AGENCY, False
    return USER, registered is None or anonymous is None


def describe(name: str, doc: Docstring, example_data: dict[str, Any]) -> Action:
    """``name`` as the page shows it: its docstring ``doc``, whether it only
    reads, who may call it (asked with ``example_data``)."""
    function = registry()[name]
    access, depends = access_of(name, example_data)
    return Action(name=name, doc=doc,
                  read_only=bool(getattr(function, "side_effect_free", False)),
                  access=access, depends_on_object=depends)
