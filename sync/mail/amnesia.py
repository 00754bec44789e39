"""The journal is the only memory of what was sent: a run that finds it gone sends nothing.

A run sends what the ``Journal`` tab (and the local write-ahead file) does not show as sent. If the tab is
renamed, deleted or emptied, every email ever sent looks unsent, and the next run would send them all again:
confirmations, producers' lists, reminders. So before sending, a run that finds no journal at all (no row in the
tab, nothing in the write-ahead file) looks for evidence that emails went before; if there is any, it sends
nothing and says what happened and how to restore the tab (pure: ``lost`` looks at what the run read).

Evidence that emails went before, chosen so that a group that never sent is never stopped:
- the write-ahead file exists (it is created by the first send and emptied as the tab catches up, never
  removed; the GitHub Actions set-up keeps it between runs) while a sale that is not archived was already
  computed by an earlier run (its rows are in ``Commandes`` or ``Émargement``);
- rows in ``Pesées`` of a sale that is not archived: only ``tick`` adds them, after a closing.

Not evidence: a closed sale in the derived tabs (``paniers check`` computes them too, before any tick, as
does a coordinator trying ``init --demo`` then ``check``), a sale open for days, past sales in the form's
answers (a group that used the form before Paniers). ``paniers tick --new-journal`` overrides the guard, for a
coordinator sure that no email ever went from this workbook.

"""

from __future__ import annotations

from .. import problems as pb
from .. import sheet
from ..sheet import Grid, trim


def lost(journal, journal_grid: Grid | None, computed: dict[str, Grid | None],
         archived: set[str] = frozenset()) -> pb.Problem | None:
    """A French problem when the journal is empty while emails surely went before; None otherwise.
    ``computed``: the tabs as this run read them (``Commandes``, ``Émargement``, ``Pesées``); ``archived``:
    the sales whose journal rows moved to the archive tabs (their sends are not looked for)."""
    if len(trim(journal_grid or [])) > 1:  # the tab itself, not the write-ahead file (it holds the last run's
        return None  # sends only: it would not stop a resend of everything before)
    seen = (_sales_in(computed.get(sheet.ORDERS.name)) | _sales_in(computed.get(sheet.SIGN_OFF.name))) - archived
    evidence = []
    if seen and journal.wal.path is not None and journal.wal.path.exists():
        evidence.append(f"le fichier {journal.wal.path.name} montre que cet ordinateur a déjà envoyé des e-mails "
                        f"et la vente {sorted(seen)[0]} a déjà été calculée")
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
