"""The last step of CKAN's two-step dataset form, with the rule's error on
the form.

"Finish" on the resource form saves the resource into the draft and then
makes the dataset active with ``package_update``, which CKAN's view does not
guard: a rule that bites only on an active entry (an unconditional entry
needs a machine-readable resource, :mod:`.logic.validators`) escaped as a
400 page. Wrapped here, the editor gets the resource form again with the
rule at the format field and in the summary, and with the saved resource
said to be saved; the entry stays a draft, nothing is lost.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

import ckan.plugins.toolkit as tk
from ckan.views.resource import CreateView

#: the save action of the form's last step ("Finish")
FINISH = "go-metadata"


def install(app: Any) -> Any:
    """Wrap every dataset type's "new resource" view (IMiddleware)."""
    for endpoint, view in list(getattr(app, "view_functions", {}).items()):
        if endpoint.endswith("_resource.new") or endpoint == "resource.new":
            app.view_functions[endpoint] = _finishing(view)
    return app


def _format_messages(errors: Any) -> list[str]:
    """The messages at the resources' format fields of a package error."""
    resources = errors.get("resources") if isinstance(errors, dict) else None
    return list(dict.fromkeys(
        message for resource in resources or [] if isinstance(resource, dict)
        for message in resource.get("format") or []))


def _finishing(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except tk.ValidationError as error:
            if tk.request.method != "POST" or tk.request.form.get("save") != FINISH:
                raise
            messages = _format_messages(error.error_dict)
            if not messages:
                raise
            saved = tk._("The resource was saved; the dataset stays a draft until it is "
                         "complete.")
            # scheming's form lists ``errors`` (an unknown key under its own
            # name, already translated here); CKAN's lists the summary
            errors = {"format": messages, tk._("Saved"): [saved]}
            summary = {tk._("Format"): " ".join(messages), tk._("Saved"): saved}
            return CreateView().get(kwargs.get("package_type") or "dataset", kwargs["id"],
                                    {}, errors, summary)
    return wrapped
