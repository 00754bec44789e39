"""``paniers publish-form --sale CODE [--dry-run]``: the Google Form's questions rewritten for a sale.

Reads the workbook (catalogue, sales, the response tab's header) in one store read; ``--dry-run``
stops there and prints the form it would make, in French, without any network. Otherwise: reads the
form named by the sale or ``[forms] form_id`` (never any other), checks it is the sale's form and that
no other open sale is using it, sends ONE all-or-nothing ``batchUpdate`` guarded by the form's
revision id, then writes the « Formulaire » tab (each answer column and its ``entry.N``) in one store
write. Safe to run twice: the second run finds nothing to change and sends nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pandas as pd
import requests

from .. import catalogue, sheet, snapshot
from ..errors import FormsError, UsageError
from ..forms import build as form_build
from ..forms import links
from ..forms.build import FormPlan, build_form
from ..forms.changes import Publication, plan_changes
from ..forms.client import SCOPES, FormsClient
from ..forms.prefill import check_link, form_rows, merged_tab
from ..french import plural
from ..stores.base import Changes
from ..values import fold, parse_code, sheet_datetime
from . import Context, under_lock

KINDS = {form_build.TEXT: "réponse courte", form_build.PARAGRAPH: "paragraphe"}


def run(ctx: Context, sale: str | None, dry_run: bool = False, session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep) -> int:
    """Publish the sale's form and write the Formulaire tab, under the run lock (``under_lock``: nothing is
    sent to Google while another run holds it); ``dry_run`` writes nothing and takes no lock."""
    if dry_run:
        return _publish(ctx, sale, True, session, sleep)
    return under_lock(ctx, "publish-form", lambda: _publish(ctx, sale, False, session, sleep))


def _publish(ctx: Context, sale: str | None, dry_run: bool, session: requests.Session | None,
             sleep: Callable[[float], None]) -> int:
    snap = snapshot.read(ctx.store, ctx.config)
    found = catalogue.load(snap.tables, ctx.config.tz)
    chosen = _choose_sale(found, sale, ctx)
    code = chosen["code"]
    plan = build_form(found, code, ctx.config)
    if not plan.products:
        raise UsageError(f"Aucun produit à proposer dans la vente {code} : vérifiez dans l'onglet Produits les "
                         "colonnes Actif et Ventes, et dans l'onglet Producteurs la colonne Actif.")
    refusals = _refusals(found, chosen, ctx)
    if dry_run:
        preview(ctx, plan, refusals)
        return 0
    if refusals:
        raise UsageError(" ".join(refusals) + " Rien n'a été envoyé.")

    target = links.target(code, chosen["form_url"], ctx.config.forms.form_id)
    session = session if session is not None else _google_session(ctx)
    identity, personal = _identity(session, ctx.config)
    client = FormsClient(session, identity=identity, personal=personal, sleep=sleep)
    form = client.get(target.form_id)
    if target.published and not links.same_form(form.get("responderUri"), target.published):
        raise FormsError(
            f"Le formulaire désigné par {target.named_by} ({target.form_id}) n'est pas celui du « Lien formulaire » "
            f"de la vente {code} ({chosen['form_url']}) : rien n'a été modifié. Corrigez l'un ou l'autre.")
    if not form.get("revisionId"):
        raise FormsError("Google n'a pas donné le numéro de version du formulaire : sans lui, une modification "
                         "faite en même temps par quelqu'un d'autre pourrait être écrasée. Rien n'a été envoyé ; "
                         "relancez dans un moment.")
    headers = _response_header(snap)
    publication = plan_changes(form, plan, headers)
    final = form
    if publication.changed:
        answer = client.batch_update(target.form_id, publication.requests, form["revisionId"])
        final = answer.get("form") or client.get(target.form_id)
    verified, prefill_sentence = check_link(ctx.config.forms.prefilled_link, [form, final])
    rows = form_rows(final, code, plan.known_codes, verified, ctx.now)
    tab = merged_tab(snap.grid(sheet.FORM), rows, code, final.get("responderUri", ""))
    ctx.store.write(Changes(replace={sheet.FORM.name: tab}))
    report(ctx, plan, publication, target, final, headers, prefill_sentence)
    return 0


def _choose_sale(found: catalogue.Catalogue, wanted: str | None, ctx: Context) -> pd.Series:
    sales = found.sales
    if not wanted:
        upcoming = sales[sales["closes"].map(lambda c: c > ctx.now)] if not sales.empty else sales
        hint = ""
        if not upcoming.empty:
            first = upcoming.sort_values("opens", key=lambda s: s.map(lambda d: d.timestamp())).iloc[0]
            hint = f" (prochaine vente : {first['code']} « {first['title']} »)"
        raise UsageError(f"Précisez la vente dont il faut publier le formulaire : --sale CODE{hint}.")
    code = parse_code(wanted).value
    sale = found.sale(code)
    if sale is None:
        known = ", ".join(sales["code"]) or "aucune"
        raise UsageError(f"Vente {code} inconnue (ou ses dates sont illisibles, voir « paniers check ») ; "
                         f"ventes connues : {known}.")
    return sale


def _form_of(sale: pd.Series, configured: str | None) -> str | None:
    link = sale["form_url"] or ""
    own = links.edit_id(link) if link and not links.published_id(link) else None
    return own or links.edit_id(configured)


def _refusals(found: catalogue.Catalogue, sale: pd.Series, ctx: Context) -> list[str]:
    """Why publishing now would harm households (French), or nothing."""
    reasons = []
    tz = ctx.config.tz
    if ctx.now >= sale["closes"]:
        reasons.append(f"La vente {sale['code']} est close depuis le {sheet_datetime(sale['closes'], tz)} : "
                       "republier son formulaire n'a plus de sens.")
    mine = _form_of(sale, ctx.config.forms.form_id)
    for other in found.sales.itertuples():
        if other.code == sale["code"] or not (other.opens <= ctx.now < other.closes):
            continue
        if _form_of(found.sale(other.code), ctx.config.forms.form_id) == mine:  # None == None: both the configured
            reasons.append(f"La vente {other.code} est en cours jusqu'au {sheet_datetime(other.closes, tz)} et prend "
                           "ses commandes avec ce même formulaire : publiez celui de la vente "
                           f"{sale['code']} après cette clôture.")
    return reasons


def _response_header(snap: snapshot.Snapshot) -> list[str]:
    grid = snap.grid(sheet.RESPONSES)
    return [str(h) for h in grid[0]] if grid else []


def _google_session(ctx: Context) -> requests.Session:
    try:
        from ..google_auth import authorized_session
    except ImportError as exc:
        raise FormsError("La connexion aux services Google n'est pas disponible dans cette installation "
                         "(module sync.google_auth) : réinstallez paniers.") from exc
    return authorized_session(ctx.config, list(SCOPES), ctx.environ)


def _identity(session: requests.Session, config) -> tuple[str | None, bool]:
    """The service account's address (for a refusal's explanation), and whether it is a person's account."""
    credentials = getattr(session, "credentials", None)
    email = getattr(credentials, "service_account_email", None)
    if isinstance(email, str) and "@" in email:
        return email, False
    if credentials is not None:
        return None, True
    if config.store.credentials:
        try:
            email = json.loads(config.store.credentials.read_text(encoding="utf-8")).get("client_email")
        except (OSError, ValueError, AttributeError):
            email = None
        return (email if isinstance(email, str) else None), False
    return None, config.store.oauth_client is not None


# --- what the coordinator reads ----------------------------------------------------------------

def describe_items(plan: FormPlan, items=None) -> list[str]:
    """The form's items, numbered as the household sees the questions."""
    lines = []
    number = 0
    for item in items if items is not None else plan.items:
        if item.kind == form_build.SECTION:
            about = f" — {item.description}" if item.description else ""
            lines.append(f"  ── Section « {item.title} »{about}")
            continue
        number += 1
        what = f"menu {item.choices[0]} à {item.choices[-1]}" if item.kind == form_build.MENU else KINDS[item.kind]
        if item.required:
            what += ", obligatoire"
        lines.append(f"  {number:>3}. {item.title} — {what}")
        for extra in item.description.splitlines() if item.kind == form_build.MENU else []:
            lines.append(f"       {extra}")
    return lines


def preview(ctx: Context, plan: FormPlan, refusals: list[str]) -> None:
    ctx.say(f"Aperçu du formulaire de la vente {plan.sale} (rien n'est envoyé à Google).")
    ctx.say()
    ctx.say(f"Titre : {plan.title}")
    ctx.say("Description :")
    for line in plan.description.splitlines():
        ctx.say(f"  {line}" if line else "")
    ctx.say()
    ctx.say("Questions :")
    for line in describe_items(plan):
        ctx.say(line)
    ctx.say()
    _summary(ctx, plan)
    for reason in refusals:
        ctx.say(f"Attention : {reason} La publication sera refusée.")
    ctx.say("Les questions déjà présentes dans le formulaire seront gardées (mêmes colonnes dans le classeur) ; "
            "les autres remplacées.")
    ctx.say(f"Pour publier : paniers publish-form --sale {plan.sale}")


def _summary(ctx: Context, plan: FormPlan) -> None:
    """What the form offers, what it leaves out and why."""
    questions = sum(item.is_question for item in plan.items)
    ctx.say(f"{len(plan.products)} produits de {plan.producers} producteurs, {questions} questions. L'adresse e-mail "
            "n'est pas une question : c'est le réglage « Collecter les adresses e-mail » du formulaire.")
    for problem in plan.problems:
        ctx.say(f"  ✗ {problem.sentence()}")
    if plan.omitted:
        ctx.say("Produits absents du formulaire :")
        for omitted in plan.omitted:
            ctx.say(f"  - {omitted.code} {omitted.name} : {omitted.reason}")
    errors = plan.catalogue_errors
    if errors:
        ctx.say(f"Le catalogue a {plural(errors, 'erreur')} : les produits concernés peuvent manquer au formulaire "
                "(« paniers check » pour le détail).")


def report(ctx: Context, plan: FormPlan, publication: Publication, target: links.Target, form: dict,
           headers: list[str], prefill_sentence: str) -> None:
    if not publication.changed:
        ctx.say(f"Le formulaire est déjà à jour pour la vente {plan.sale} : rien n'a été envoyé.")
    else:
        ctx.say(f"Formulaire de la vente {plan.sale} publié : « {plan.title} » (désigné par {target.named_by}).")
        ctx.say(f"  Questions gardées : {len(publication.kept)} (mêmes colonnes dans le classeur), dont "
                f"{len(publication.updated)} mises à jour ; nouvelles : {len(publication.created)} ; "
                f"retirées : {len(publication.removed)}.")
        for title in publication.created:
            ctx.say(f"    + {title}")
        for title in publication.removed:
            ctx.say(f"    − {title or '(question sans titre)'}")
        if publication.removed:
            ctx.say("    (les colonnes des questions retirées restent dans l'onglet des réponses, vides désormais)")
    _summary(ctx, plan)
    if form.get("responderUri"):
        ctx.say(f"Lien à envoyer aux foyers : {form['responderUri']}")
    ctx.say(prefill_sentence)
    for warning in _warnings(ctx, publication, target, form, headers):
        ctx.say(f"Attention : {warning}")


def _warnings(ctx: Context, publication: Publication, target: links.Target, form: dict,
              headers: list[str]) -> list[str]:
    warnings = []
    if target.note:
        warnings.append(target.note)
    if form.get("settings", {}).get("emailCollectionType") == "DO_NOT_COLLECT":
        warnings.append("le formulaire ne collecte pas les adresses e-mail ; sans elles, aucune réponse ne peut être "
                        "rattachée à un foyer. Dans le formulaire : Paramètres → Réponses → « Collecter les adresses "
                        "e-mail » → « Saisie par la personne interrogée ».")
    state = form.get("publishSettings", {}).get("publishState")
    if state is not None and not state.get("isPublished"):
        warnings.append("le formulaire n'est pas publié : les foyers ne peuvent pas encore répondre. Bouton "
                        "« Publier » en haut du formulaire.")
    elif state is not None and not state.get("isAcceptingResponses"):
        warnings.append("le formulaire n'accepte pas de réponses : onglet « Réponses » → « Accepter les réponses ».")
    if ctx.config.store.backend == "google":
        linked = form.get("linkedSheetId")
        if not linked:
            warnings.append("le formulaire n'enregistre pas ses réponses dans le classeur : onglet « Réponses » du "
                            "formulaire → « Associer à Sheets » → « Sélectionner une feuille de calcul existante ».")
        elif linked != _configured_sheet(ctx.config.store.spreadsheet_id):
            warnings.append(f"les réponses de ce formulaire vont dans un autre classeur ({linked}) que celui de la "
                            "configuration ([store] spreadsheet_id) : associez-le au bon classeur.")
    if publication.renamed:
        warnings.append("ces titres portent le code de la vente, pour ne pas répéter le titre d'une colonne déjà "
                        "présente dans l'onglet des réponses (une seule colonne de ce titre serait lue) : "
                        + " ; ".join(publication.renamed) + ".")
    if publication.fresh and publication.changed:
        warnings.append("première publication sur ce formulaire : une fois relié au classeur, Google écrit ses "
                        "réponses dans un NOUVEL onglet (« Réponses au formulaire 1 », ou 2 s'il existe déjà) ; "
                        f"vérifiez que [store] responses_tab (« {ctx.config.store.responses_tab} ») est bien son nom.")
        return warnings
    taken = {fold(h) for h in headers}
    for title in publication.created:
        if title in form_build.FIELDS and fold(title) in taken:
            warnings.append(f"la question « {title} » est nouvelle alors que l'onglet des réponses a déjà une colonne "
                            f"« {title} » : Google en ajoutera une seconde, et seule la première est lue. Renommez "
                            "l'ancienne colonne (par exemple « Nom (ancien) »).")
    return warnings


def _configured_sheet(text: str) -> str:
    """The spreadsheet id of ``[store] spreadsheet_id``, also when the whole address was pasted there (as the
    guide allows)."""
    from ..errors import ConfigError
    from ..stores.google import spreadsheet_key

    try:
        return spreadsheet_key(text)
    except ConfigError:
        return (text or "").strip()
