"""Publishing the order form: the Google Form's questions rewritten from the catalogue for one sale.

Read top-down as the call stack of ``paniers publish-form``:

- ``build``: catalogue + sale → the items the form should hold (pure);
- ``changes``: the form as Google returns it + those items → ONE batch of requests that keeps every
  question already there (same question id, so the same answer column in the sheet) and replaces
  the rest (pure);
- ``client``: the Forms REST API v1 over a ``requests.Session`` (read, then one guarded batchUpdate),
  Google's refusals turned into French explanations;
- ``links``: which form a sale or the configuration names;
- ``prefill``: the ``entry.N`` ids of the published questions and the « modifier ma commande » link.

Design, safety and what the Forms fake cannot prove: ``docs/dev/forms.md``.
"""

from .build import FIELDS, FormItem, FormPlan, build_form
from .changes import Publication, plan_changes
from .prefill import FormInfo, entry_id, form_info, prefill_url

__all__ = [
    "FIELDS", "FormInfo", "FormItem", "FormPlan", "FormsClient", "Publication", "build_form", "entry_id",
    "form_info", "plan_changes", "prefill_url",
]


def __getattr__(name: str):
    """``FormsClient`` (and ``requests`` with it) is imported when asked for: every tick reads the prefill
    links through this package, only ``publish-form`` talks to the Forms API."""
    if name == "FormsClient":
        from .client import FormsClient

        return FormsClient
    raise AttributeError(name)
