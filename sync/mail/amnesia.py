"""The journal is the only memory of what was sent: a run that finds it gone sends nothing.

A run sends what the ``Journal`` tab (and the local write-ahead file) does not show as sent. If the tab is
renamed, deleted or emptied, every email ever sent looks unsent, and the next run would send them all again:
confirmations, producers' lists, reminders. So before sending, a run that finds no journal at all (no row in the
tab, nothing in the write-ahead file) looks for evidence that emails went before; if there is any, it sends
nothing and says what happened and how to restore the tab (pure: ``lost`` looks at what the run read).

Evidence that emails went before:
- the write-ahead file exists (this machine has sent before: it is emptied as the tab catches up, never
  removed) while a sale that is not archived was already computed by an earlier run;
- a sale closed before ``now``, with orders, that an earlier run already computed (its rows are in
  ``Commandes`` or ``Émargement``): its producers' lists were due at its closing;
- rows in ``Pesées``, which a run adds after a closing.

A sale open for days is no evidence (a group may publish its form before its first run), nor are past sales
only in the form's answers (a group that used the form before Paniers). A group that truly starts with a sale
already computed and closed confirms it once: ``paniers tick --new-journal``.

"""

from __future__ import annotations

from datetime import datetime

from .. import problems as pb
from .. import sheet
from ..sheet import Grid, trim
from ..values import sheet_datetime


def lost(journal, journal_grid: Grid | None, sales, book, computed: dict[str, Grid | None], now: datetime,
         archived: set[str] = frozenset()) -> pb.Problem | None:
    """A French problem when the journal is empty while emails surely went before; None otherwise.
    ``computed``: the tabs as this run read them (``Commandes``, ``Émargement``, ``Pesées``); ``archived``:
    the sales whose journal rows moved to the archive tabs (their sends are not looked for)."""
    if journal.entries or journal.deferrals or len(trim(journal_grid or [])) > 1:
        return None
    ordered = set(book.lines["sale"]) if book is not None and not book.lines.empty else set()
    seen = (_sales_in(computed.get(sheet.ORDERS.name)) | _sales_in(computed.get(sheet.SIGN_OFF.name))) - archived
    evidence = []
    if seen and journal.wal.path is not None and journal.wal.path.exists():
        evidence.append(f"le fichier {journal.wal.path.name} montre que cet ordinateur a déjà envoyé des e-mails "
                        f"et la vente {sorted(seen)[0]} a déjà été calculée")
    for sale in sales.itertuples(index=False):
        if sale.code in ordered and sale.code in seen and sale.closes is not None and sale.closes <= now:
            evidence.append(f"la vente {sale.code}, close le {sheet_datetime(sale.closes)}, a déjà été calculée")
    if _sales_in(computed.get(sheet.WEIGHINGS.name)) - archived:
        evidence.append("l'onglet Pesées a des lignes, ajoutées après une clôture")
    if not evidence:
        return None
    where = "introuvable" if journal_grid is None else "vide"
    return pb.error(sheet.JOURNAL.name, None, "", (
        f"l'onglet Journal est {where} alors que des e-mails sont déjà partis ({' ; '.join(evidence[:3])}) : "
        "aucun e-mail n'est envoyé, sinon tous repartiraient une seconde fois. Si l'onglet a été renommé, "
        "redonnez-lui le nom « Journal ». S'il a été supprimé ou vidé, restaurez-le : Google Sheets, « Fichier » "
        "→ « Historique des versions » ; classeur local, sa copie paniers.sauvegarde.xlsx. Si aucun e-mail "
        "n'est jamais parti de ce classeur, lancez une fois « paniers tick --new-journal »."))


def _sales_in(grid: Grid | None) -> set[str]:
    """The sale codes of a derived tab's rows (its first column is ``Vente``)."""
    rows = trim(grid or [])
    if len(rows) < 2 or not rows[0] or str(rows[0][0]).strip() != "Vente":
        return set()
    return {str(row[0]).strip().upper() for row in rows[1:] if row}


__all__ = ["lost"]
