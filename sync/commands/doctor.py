"""``paniers doctor [--send-test]``: a real set-up checked step by step, in French, read only.

A coordinator setting up the Google backend runs it after each step of ``docs/google.md``. Each check
gives a ``Step`` (done, warning, failed, or not checked because an earlier one failed, and why); the
first failure of a chain says exactly what to do, and the checks that do not depend on it go on:

1. the configuration loads; example values still in place are a warning;
2. the service account's key (or the person's OAuth token): readable, of the right kind, not readable by
   others; the account's address is shown (the one to share the sheet and the form with);
3. the Google Sheet (or the local workbook) can be read: ONE ``spreadsheets.get``, the store's own read;
4. every tab and required column of the sheet contract (``sheet.py``) is there;
5. the spreadsheet keeps the group's time zone;
6. the form of each open or coming sale: reachable (``forms.get`` only), linked to THIS spreadsheet, its
   questions those publish-form would make from the catalogue, the pre-filled link proven;
7. the mail server: reachable, TLS as configured, login accepted, QUIT, nothing sent; ``--send-test``
   sends one test email to the coordinator. With the outbox, whether its folder can be written.

Nothing here writes to the sheet or the form (``tests/test_doctor.py`` checks the fakes' call logs):
whether the service account is « Éditeur » rather than « Lecteur » cannot be seen without writing, so it
is said, not checked. ``diagnose`` returns the steps; ``report`` prints them.
"""

from __future__ import annotations

import html
import os
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests
from google.auth.exceptions import GoogleAuthError

from .. import catalogue, sheet, snapshot
from .. import config as config_module
from ..config import Config, resolve
from ..errors import ConfigError, FormsError, MailError, PaniersError, StoreError, UsageError
from ..french import plural
from ..sheet import Grid

OK, WARNING, FAILED, SKIPPED = "ok", "warning", "failed", "skipped"
MARKS = {OK: "✓", WARNING: "⚠", FAILED: "✗", SKIPPED: "–"}
LOOPBACK = ("127.0.0.1", "::1", "localhost")
SECURITY = {"ssl": "SSL/TLS", "starttls": "STARTTLS", "none": "sans chiffrement"}


@dataclass(frozen=True)
class Step:
    """One check: ``key`` names it for the tests (``sheet``, ``form:2026-12``…), ``name`` for people."""

    key: str
    name: str
    status: str
    detail: str
    todo: str = ""  # what to do (French), for a failure or a warning

    def line(self) -> str:
        text = f"{MARKS[self.status]} {self.name} : {self.detail}"
        return f"{text} → À faire : {self.todo}" if self.todo else text


Connect = Callable[[Config, list[str]], requests.Session]


def google_session(environ: Mapping[str, str]) -> Connect:
    """Production sign-in; never waits for a browser: a missing sign-in is a step to do, said as such."""

    def connect(config: Config, scopes: list[str]) -> requests.Session:
        from ..google_auth import authorized_session

        return authorized_session(config, scopes, environ, interactive=False)

    return connect


def run(config_path: Path | None, clock: Callable[[ZoneInfo], datetime], out: Callable[[str], None] = print, *,
        environ: Mapping[str, str] | None = None, send_test: bool = False, sale: str | None = None,
        connect: Connect | None = None, smtp_options: Mapping[str, Any] | None = None,
        sleep: Callable[[float], None] = time.sleep) -> int:
    """Check, print, and return the exit code: 0 when nothing failed (warnings allowed), 1 otherwise."""
    environ = dict(environ or {})
    steps = diagnose(config_path, clock, environ=environ, send_test=send_test, sale=sale,
                     connect=connect or google_session(environ), smtp_options=smtp_options, sleep=sleep)
    return report(steps, out)


def report(steps: list[Step], out: Callable[[str], None] = print) -> int:
    for step in steps:
        out(step.line())
    failed = sum(step.status == FAILED for step in steps)
    warned = sum(step.status == WARNING for step in steps)
    out("")
    if failed:
        out(f"{plural(failed, 'point')} à corriger"
            + (f", {plural(warned, 'avertissement')}" if warned else "")
            + " : suivez les « À faire » dans l'ordre, puis relancez « paniers doctor ».")
        return 1
    if warned:
        out(f"Tout fonctionne ; {plural(warned, 'avertissement')} à regarder.")
    else:
        out("Tout est prêt.")
    return 0


def diagnose(config_path: Path | None, clock: Callable[[ZoneInfo], datetime] | datetime, *,
             environ: Mapping[str, str], send_test: bool = False, sale: str | None = None,
             connect: Connect | None = None, smtp_options: Mapping[str, Any] | None = None,
             sleep: Callable[[float], None] = time.sleep) -> list[Step]:
    """Every check, in order; none writes anything (except the one test email of ``send_test``)."""
    path = Path(config_path) if config_path is not None else Path(config_module.DEFAULT_CONFIG_NAME)
    step, config = _configuration(path)
    steps = [step]
    if config is None:
        reason = "la configuration ne se charge pas"
        names = [("credentials", "Connexion à Google"), ("sheet", "Classeur"), ("tabs", "Onglets et colonnes"),
                 ("forms", "Formulaires"), ("mail", "Envoi des e-mails")]
        return steps + [Step(key, name, SKIPPED, f"non vérifié ({reason})") for key, name in names]
    now = clock if isinstance(clock, datetime) else clock(config.tz)
    doctor = _Doctor(config, now, environ, connect or google_session(environ), dict(smtp_options or {}), sleep)
    steps += doctor.credentials()
    steps += doctor.workbook()
    steps += doctor.tabs()
    steps += doctor.time_zone()
    steps += doctor.forms(sale)
    steps += doctor.mail(send_test)
    return steps


# --- 1. the configuration ------------------------------------------------------------------------

def _configuration(path: Path) -> tuple[Step, Config | None]:
    name = "Configuration"
    try:
        config = config_module.load(path)
    except ConfigError as exc:
        return Step("config", name, FAILED, f"{path} ne peut pas être utilisée", str(exc)), None
    if config.store.backend == "google":
        from ..stores.google import spreadsheet_key

        try:
            key = spreadsheet_key(config.store.spreadsheet_id)
        except ConfigError as exc:
            return Step("config", name, FAILED, f"{path} : [store] spreadsheet_id illisible", str(exc)), None
        where = f"Google Sheet {key}"
        if key != config.store.spreadsheet_id.strip():
            where += " (adresse complète acceptée)"
    else:
        where = f"classeur local {config.store.path.name}"
    mail = (f"serveur {config.mail.host}:{config.mail.port}" if config.mail.backend == "smtp"
            else f"boîte d'envoi locale {config.mail.outbox.name}")
    detail = f"{path} (données : {where} ; e-mails : {mail})"
    examples = [f"{key} = « {value} »" for key, value in config_module.example_values(config)]
    if examples:
        return Step("config", name, WARNING, detail + " ; valeurs d'exemple : " + " ; ".join(examples),
                    f"remplacez-les dans {path} par celles du groupe."), config
    return Step("config", name, OK, detail), config


# --- the checks that need the configuration ------------------------------------------------------

@dataclass
class _Doctor:
    config: Config
    now: datetime
    environ: Mapping[str, str]
    connect: Connect
    smtp_options: dict
    sleep: Callable[[float], None]
    sessions: dict[tuple[str, ...], requests.Session] = field(default_factory=dict)
    account: str | None = None  # the service account's address, once known
    personal: bool = False  # signed in with a person's own Google account
    no_google: str = ""  # why Google cannot be reached (French), when it cannot
    store: Any = None
    grids: dict[str, Grid | None] | None = None  # by contract name, as read
    no_grids: str = ""
    spreadsheet_id: str | None = None

    @property
    def google(self) -> bool:
        return self.config.store.backend == "google"

    # --- 2. the key ------------------------------------------------------------------------------

    def credentials(self) -> list[Step]:
        from ..google_auth import FORMS_BODY_SCOPE, SHEETS_SCOPE, account_email

        store = self.config.store
        source = _key_source(self.config, self.environ)
        if not self.google and source is None and not self.config.forms.form_id:
            self.no_google = "aucune connexion à Google n'est configurée"
            return [Step("credentials", "Connexion à Google", SKIPPED, "sans objet (classeur local, aucun "
                         "formulaire Google configuré)")]
        name = "Clé du compte de service" if source is None or source[0] != "oauth_client" else "Connexion Google"
        scopes = [SHEETS_SCOPE] if self.google else [FORMS_BODY_SCOPE]
        try:
            session = self._session(scopes)
        except PaniersError as exc:
            self.no_google = "la connexion à Google n'est pas prête"
            return [Step("credentials", name, FAILED, "pas de connexion possible", str(exc))]
        self.account = account_email(session)
        self.personal = self.account is None and getattr(session, "credentials", None) is not None
        warnings = []
        # the key is the secret; an OAuth client file is not (Google ships it in desktop apps): its token is
        if source is not None and source[0] != "oauth_client" and source[1].is_file() and os.name != "nt":
            mode = source[1].stat().st_mode
            if mode & (stat.S_IRGRP | stat.S_IROTH):
                warnings.append((f"{source[1]} est lisible par d'autres comptes de cette machine",
                                 f"chmod 600 {source[1]}"))
        token = None
        if source is not None and source[0] == "oauth_client":
            from ..google_auth import token_path

            token = token_path(self.environ)
            if token.is_file() and os.name != "nt" and token.stat().st_mode & (stat.S_IRGRP | stat.S_IROTH):
                warnings.append((f"le jeton {token} est lisible par d'autres comptes", f"chmod 600 {token}"))
        if self.account:
            detail = self.account
            if store.credentials is None and source is not None and source[0] == "GOOGLE_APPLICATION_CREDENTIALS":
                detail += f" (clé {source[1]}, nommée par GOOGLE_APPLICATION_CREDENTIALS)"
        elif token is not None:
            detail = f"votre compte Google (jeton {token})"
        else:
            detail = f"identifiants Google de {source[1]}" if source else "identifiants Google"
        if warnings:
            return [Step("credentials", name, WARNING, detail + " ; " + " ; ".join(w for w, _ in warnings),
                         " ; ".join(t for _, t in warnings))]
        return [Step("credentials", name, OK, detail)]

    def _session(self, scopes: list[str]) -> requests.Session:
        key = tuple(scopes)
        if key not in self.sessions:
            self.sessions[key] = self.connect(self.config, scopes)
        return self.sessions[key]

    # --- 3. the workbook -------------------------------------------------------------------------

    def workbook(self) -> list[Step]:
        tabs = snapshot.contract_tabs(self.config)
        names = [t.name for t in tabs]
        if not self.google:
            return [self._local_workbook(names, tabs)]
        from ..google_auth import SHEETS_SCOPE
        from ..stores import retry
        from ..stores.google import GoogleSheetsStore, spreadsheet_key

        name = "Google Sheet"
        self.spreadsheet_id = spreadsheet_key(self.config.store.spreadsheet_id)
        if self.no_google:
            self.no_grids = "le Google Sheet n'a pas pu être lu"
            return [Step("sheet", name, SKIPPED, f"non vérifié ({self.no_google})")]
        self.store = GoogleSheetsStore(self._session([SHEETS_SCOPE]), self.spreadsheet_id, account=self.account,
                                       backoff=retry.Backoff(attempts=3, sleep=self.sleep))
        try:
            raw = self.store.read(names)  # one spreadsheets.get: a read, never a write
        except StoreError as exc:
            self.no_grids = "le Google Sheet n'est pas accessible"
            return [Step("sheet", name, FAILED, _sheet_refusal(exc, self.spreadsheet_id, self.account), str(exc))]
        self._keep(raw, tabs)
        who = f" par {self.account}" if self.account else ""
        return [Step("sheet", name, OK, f"« {self.store.title} » ({self.spreadsheet_id}) lisible{who} "
                     "(le rôle « Éditeur » se vérifie en écrivant : « paniers check » le dira)")]

    def _local_workbook(self, names: list[str], tabs: list[sheet.Tab]) -> Step:
        from ..stores import LocalWorkbookStore

        path = self.config.store.path
        name = "Classeur local"
        if not path.exists():
            self.no_grids = "le classeur n'existe pas"
            return Step("sheet", name, FAILED, f"{path} n'existe pas",
                        "lancez « paniers init » pour le créer, ou corrigez [store] path dans la configuration.")
        if not os.access(path, os.R_OK):
            self.no_grids = "le classeur n'est pas lisible"
            return Step("sheet", name, FAILED, f"{path} n'est pas lisible par ce compte",
                        f"donnez-lui le droit de lecture et d'écriture (chmod u+rw {path}).")
        try:
            raw = LocalWorkbookStore(path).read(names)
        except StoreError as exc:
            self.no_grids = "le classeur n'est pas lisible"
            return Step("sheet", name, FAILED, f"{path} illisible", str(exc))
        self._keep(raw, tabs)
        if not os.access(path, os.W_OK):
            return Step("sheet", name, WARNING, f"{path} lisible mais pas modifiable",
                        f"donnez-lui le droit d'écriture (chmod u+w {path}).")
        return Step("sheet", name, OK, f"{path} lisible")

    def _keep(self, raw: dict[str, Grid | None], tabs: list[sheet.Tab]) -> None:
        self.grids = {canonical.name: raw.get(tab.name) for tab, canonical in zip(tabs, sheet.ALL_TABS, strict=True)}

    # --- 4. tabs and columns ---------------------------------------------------------------------

    def tabs(self) -> list[Step]:
        name = "Onglets et colonnes"
        if self.grids is None:
            return [Step("tabs", name, SKIPPED, f"non vérifié ({self.no_grids})")]
        missing_tabs, empty_tabs, missing_columns, later = [], [], [], []
        for tab, canonical in zip(snapshot.contract_tabs(self.config), sheet.ALL_TABS, strict=True):
            grid = self.grids.get(canonical.name)
            if grid is None:
                if canonical.derived or canonical is sheet.JOURNAL:
                    later.append(tab.name)
                elif not canonical.optional:
                    missing_tabs.append(tab.name)
                continue
            if canonical.derived:
                continue  # rewritten whole by every run: its header too
            if not sheet.trim(grid):
                empty_tabs.append(tab.name)
                continue
            table = sheet.read_table(grid, tab)
            for column in tab.columns:
                if column.required and column.name not in table.headers:
                    missing_columns.append((tab.name, column.name))
        todo = []
        if missing_tabs:
            todo.append("ajoutez " + ", ".join(f"l'onglet « {n} »" for n in missing_tabs)
                        + " (« paniers init » crée les onglets manquants avec leurs en-têtes, sans toucher aux "
                        "autres)")
            if self.config.store.responses_tab in missing_tabs:
                todo.append(f"l'onglet « {self.config.store.responses_tab} » est celui où le formulaire écrit ses "
                            "réponses : reliez le formulaire au classeur (il le crée) ou corrigez [store] "
                            "responses_tab")
        if empty_tabs:
            todo.append(", ".join(f"« {n} »" for n in empty_tabs) + " n'a pas de ligne d'en-têtes : « paniers "
                        "init » la met dans un onglet vide")
        by_tab: dict[str, list[str]] = {}
        for tab_name, column in missing_columns:
            by_tab.setdefault(tab_name, []).append(column)
        for tab_name, columns in by_tab.items():
            todo.append(f"dans l'onglet « {tab_name} », ajoutez en première ligne (celle des en-têtes) "
                        + ", ".join(f"la colonne « {c} »" for c in columns))
        if todo:
            found = []
            if missing_tabs:
                found.append(plural(len(missing_tabs), "onglet absent", "onglets absents", show=False) + " : "
                             + ", ".join(missing_tabs))
            if empty_tabs:
                found.append(plural(len(empty_tabs), "onglet vide", "onglets vides", show=False) + " : "
                             + ", ".join(empty_tabs))
            if missing_columns:
                found.append(plural(len(missing_columns), "colonne obligatoire absente",
                                    "colonnes obligatoires absentes", show=False) + " : "
                             + ", ".join(f"{t} › {c}" for t, c in missing_columns))
            return [Step("tabs", name, FAILED, " ; ".join(found), " ; ".join(todo) + ".")]
        detail = "tous les onglets et colonnes obligatoires sont là"
        if later:
            detail += f" (créés au premier passage de « paniers check » : {', '.join(later)})"
        return [Step("tabs", name, OK, detail)]

    # --- 5. the time zone ------------------------------------------------------------------------

    def time_zone(self) -> list[Step]:
        name = "Fuseau horaire"
        if not self.google:
            return []  # a workbook file keeps no time zone: its dates are the group's
        if self.grids is None or self.store is None:
            return [Step("timezone", name, SKIPPED, f"non vérifié ({self.no_grids})")]
        warning = self.store.time_zone_warning(self.config.group.timezone)
        if warning:
            return [Step("timezone", name, WARNING, warning)]
        return [Step("timezone", name, OK, f"« {self.store.time_zone or self.config.group.timezone} », celui du "
                     "groupe")]

    # --- 6. the forms ----------------------------------------------------------------------------

    def forms(self, wanted: str | None) -> list[Step]:
        from ..forms import links

        if self.grids is None:
            return [Step("forms", "Formulaires", SKIPPED, f"non vérifié ({self.no_grids})")]
        snap = snapshot.assemble(self.grids, self.config)
        found = catalogue.load(snap.tables, self.config.tz)
        sales = found.sales
        if wanted:
            from ..values import parse_code

            code = parse_code(wanted).value
            sales = sales[sales["code"] == code]
            if sales.empty:
                known = ", ".join(found.sales["code"]) or "aucune"
                raise UsageError(f"Vente {code} inconnue (ou ses dates sont illisibles, voir « paniers check ») ; "
                                 f"ventes connues : {known}.")
        else:
            sales = sales[sales["closes"].map(lambda c: c > self.now)] if not sales.empty else sales
        if sales.empty:
            return [Step("forms", "Formulaires", SKIPPED, "non vérifié (aucune vente ouverte ou à venir dans "
                         "l'onglet Ventes)")]
        sales = sales.sort_values("opens", key=lambda s: s.map(lambda d: d.timestamp()))
        steps: list[Step] = []
        checked: dict[str, str] = {}  # form id -> the sale it was checked for
        for sale in (row for _, row in sales.iterrows()):
            code = sale["code"]
            name = f"Formulaire de la vente {code}"
            try:
                target = links.target(code, sale["form_url"] or "", self.config.forms.form_id)
            except UsageError as exc:
                if self.config.forms.form_id:  # configured, but not a form id
                    steps.append(Step(f"form:{code}", name, FAILED, "aucun formulaire utilisable", str(exc)))
                else:
                    steps.append(Step(f"form:{code}", name, SKIPPED, "non vérifié (aucun formulaire désigné : "
                                      "[forms] form_id, ou l'adresse d'édition du formulaire dans « Lien "
                                      "formulaire » de la vente)"))
                continue
            if target.form_id in checked:
                first = checked[target.form_id]
                steps.append(Step(f"form:{code}", name, SKIPPED, f"même formulaire que la vente {first}, vérifié "
                                  f"pour elle ; après sa clôture : « paniers publish-form --sale {code} »"))
                continue
            checked[target.form_id] = code
            steps += self._form(found, snap, sale, target)
        return steps

    def _form(self, found: catalogue.Catalogue, snap: snapshot.Snapshot, sale, target) -> list[Step]:
        from ..forms import links
        from ..forms.build import build_form
        from ..forms.changes import plan_changes
        from ..forms.client import FormsClient
        from ..forms.prefill import check_link, form_info
        from ..google_auth import FORMS_BODY_SCOPE

        code = sale["code"]
        name = f"Formulaire de la vente {code}"
        link_name, questions_name = f"Formulaire {code} relié au classeur", f"Questions du formulaire {code}"
        prefill_name = f"Liens « modifier ma commande » {code}"
        dependent = [(f"form-link:{code}", link_name), (f"form-questions:{code}", questions_name),
                     (f"prefill:{code}", prefill_name)]

        def skipped(reason: str) -> list[Step]:
            return [Step(k, n, SKIPPED, f"non vérifié ({reason})") for k, n in dependent]

        if self.no_google:
            return [Step(f"form:{code}", name, SKIPPED, f"non vérifié ({self.no_google})"),
                    *skipped(self.no_google)]
        try:
            session = self._session([FORMS_BODY_SCOPE])
            client = FormsClient(session, identity=self.account, personal=self.personal, attempts=2,
                                 sleep=self.sleep)
            form = client.get(target.form_id)  # forms.get: a read, never a batchUpdate
        except (FormsError, ConfigError, StoreError) as exc:
            return [Step(f"form:{code}", name, FAILED, f"{target.form_id} inaccessible", str(exc)),
                    *skipped("le formulaire n'est pas accessible")]
        except GoogleAuthError as exc:  # the key was deleted, or the token revoked: the store says it the same way
            from ..stores.google import _auth_failure

            return [Step(f"form:{code}", name, FAILED, f"{target.form_id} inaccessible", str(_auth_failure(exc))),
                    *skipped("le formulaire n'est pas accessible")]
        title = form.get("info", {}).get("title") or form.get("info", {}).get("documentTitle") or target.form_id
        opened = sale["opens"] <= self.now < sale["closes"]
        steps = [self._form_settings(sale, target, form, title, opened)]

        # linked to THIS spreadsheet: the configured id may be a whole address, the form gives a bare id
        if self.google:
            linked = form.get("linkedSheetId")
            where = (f"Dans le formulaire : onglet « Réponses » → « Associer à Sheets » → « Sélectionner une "
                     f"feuille de calcul existante » → « {self.store.title or self.spreadsheet_id} »")
            if not linked:
                steps.append(Step(f"form-link:{code}", link_name, FAILED, "le formulaire n'enregistre ses réponses "
                                  "dans aucun Google Sheet", where + "."))
            elif linked != self.spreadsheet_id:
                steps.append(Step(f"form-link:{code}", link_name, FAILED, f"les réponses vont dans un autre Google "
                                  f"Sheet ({linked}) que celui de la configuration ({self.spreadsheet_id})",
                                  where + " (ou corrigez [store] spreadsheet_id)."))
            else:
                steps.append(Step(f"form-link:{code}", link_name, OK, "ses réponses arrivent dans ce Google Sheet"))
        else:
            steps.append(Step(f"form-link:{code}", link_name, SKIPPED, "sans objet (classeur local)"))

        # the questions publish-form would make now
        plan = build_form(found, code, self.config)
        if not plan.products:
            steps.append(Step(f"form-questions:{code}", questions_name, FAILED, "aucun produit à proposer dans "
                              "cette vente", "vérifiez dans l'onglet Produits les colonnes Actif et Ventes, et dans "
                              "l'onglet Producteurs la colonne Actif."))
        else:
            header = snap.grid(sheet.RESPONSES)
            publication = plan_changes(form, plan, [str(h) for h in header[0]] if header else [])
            steps.append(_questions_step(code, questions_name, publication, opened, _retyped(form, publication,
                                                                                          plan.known_codes)))

        # the pre-filled link: the entry numbers proven on this form, and recorded in « Formulaire »
        verified, sentence = check_link(self.config.forms.prefilled_link, [form])
        info = form_info(snap.grid(sheet.FORM), code)
        publish = f"« paniers publish-form --sale {code} »"
        if not verified:
            steps.append(Step(f"prefill:{code}", prefill_name, WARNING, sentence.partition(" : ")[2] or sentence,
                              "facultatif : voir docs/formulaire.md, « Les liens modifier ma commande »."))
        elif info is None or not links.same_form(info.responder_uri, links.published_id(form.get("responderUri"))
                                                 or ""):
            steps.append(Step(f"prefill:{code}", prefill_name, WARNING, "lien prérempli vérifié, mais l'onglet "
                              f"« {sheet.FORM.name} » ne connaît pas encore ce formulaire pour cette vente",
                              f"lancez {publish}."))
        elif not info.entries:
            steps.append(Step(f"prefill:{code}", prefill_name, WARNING, "lien prérempli vérifié, mais les numéros "
                              f"des questions ne sont pas encore dans l'onglet « {sheet.FORM.name} »",
                              f"relancez {publish}."))
        else:
            steps.append(Step(f"prefill:{code}", prefill_name, OK, "activés (lien prérempli vérifié, numéros des "
                              f"questions dans l'onglet « {sheet.FORM.name} »)"))
        return steps

    def _form_settings(self, sale, target, form: dict, title: str, opened: bool) -> Step:
        from ..forms import links

        code = sale["code"]
        key, name = f"form:{code}", f"Formulaire de la vente {code}"
        detail = f"« {title} » ({target.form_id}), désigné par {target.named_by}"
        if target.published and not links.same_form(form.get("responderUri"), target.published):
            return Step(key, name, FAILED, detail + f", mais le « Lien formulaire » de la vente ({sale['form_url']}) "
                        "mène à un autre formulaire", "corrigez l'un ou l'autre.")
        if form.get("settings", {}).get("emailCollectionType") == "DO_NOT_COLLECT":
            return Step(key, name, FAILED, detail + ", mais il ne collecte pas les adresses e-mail (aucune réponse "
                        "ne pourrait être rattachée à un foyer)", "dans le formulaire : Paramètres → Réponses → "
                        "« Collecter les adresses e-mail » → « Saisie par la personne interrogée ».")
        state = form.get("publishSettings", {}).get("publishState")
        if state is not None and not state.get("isPublished"):
            return Step(key, name, FAILED if opened else WARNING, detail + ", pas encore publié",
                        "bouton « Publier » en haut du formulaire" + (" : la vente est ouverte." if opened else
                                                                      " avant l'ouverture de la vente."))
        if state is not None and not state.get("isAcceptingResponses") and opened:
            return Step(key, name, FAILED, detail + ", n'accepte pas de réponses alors que la vente est ouverte",
                        "onglet « Réponses » du formulaire → « Accepter les réponses ».")
        if target.note:
            return Step(key, name, WARNING, detail, target.note)
        return Step(key, name, OK, detail)

    # --- 7. mail ---------------------------------------------------------------------------------

    def mail(self, send_test: bool) -> list[Step]:
        mail = self.config.mail
        if mail.backend != "smtp":
            steps = [_outbox_step(resolve(self.config, mail.outbox))]
            if send_test:
                steps.append(Step("test-email", "E-mail de test", SKIPPED, "non envoyé : avec [mail] backend = "
                                  "« outbox », aucun e-mail ne part (ils sont écrits dans le dossier)"))
            return steps
        from ..mail.mailer import SENT
        from ..mail.message import Outgoing
        from ..mail.smtp import SmtpMailer

        name = "Serveur d'envoi"
        where = f"{mail.host}:{mail.port} ({SECURITY.get(mail.security, mail.security)})"
        try:
            mailer = SmtpMailer.from_config(self.config, self.environ, **self.smtp_options)
        except ConfigError as exc:
            steps = [Step("mail", name, FAILED, f"{where} : pas de mot de passe ni de jeton utilisable", str(exc))]
            return steps + ([_skipped_test("pas de connexion au serveur d'envoi")] if send_test else [])
        try:
            mailer.verify()
        except MailError as exc:
            steps = [Step("mail", name, FAILED, f"{where} : connexion ou identification refusée",
                          str(exc) + _mail_hint(exc, mail.security, mail.port))]
            return steps + ([_skipped_test("pas de connexion au serveur d'envoi")] if send_test else [])
        logged_in = mailer.password is not None or mailer.oauth2 is not None
        detail = where + (f", identifiant {mailer.user} accepté" if logged_in else ", sans identification")
        detail += " (aucun message envoyé)"
        if not logged_in:
            step = Step("mail", name, WARNING, detail, "aucun mot de passe configuré ([mail] password_env) : si le "
                        "serveur en demande un, les envois seront refusés ; essayez « paniers doctor --send-test ».")
        elif mail.security == "none" and mail.host not in LOOPBACK:
            step = Step("mail", name, WARNING, detail, "le mot de passe circule en clair : préférez security = "
                        "« ssl » (port 465) ou « starttls » (port 587).")
        else:
            step = Step("mail", name, OK, detail)
        steps = [step]
        if send_test:
            email = _test_email(self.config, self.now)
            try:
                outcome = next(iter(mailer.send([(email, Outgoing(email, self.now))])))
            except (MailError, StopIteration) as exc:
                steps.append(Step("test-email", "E-mail de test", FAILED, f"non envoyé à {email.recipient}",
                                  str(exc) or "le serveur n'a pas répondu."))
                return steps
            if outcome.status == SENT:
                steps.append(Step("test-email", "E-mail de test", OK, f"envoyé à {email.recipient} : vérifiez qu'il "
                                  "est arrivé (et pas dans les indésirables)"))
            else:
                steps.append(Step("test-email", "E-mail de test", FAILED, f"refusé par le serveur pour "
                                  f"{email.recipient} ({outcome.detail})", "vérifiez [group] coordinator_email et "
                                  "[mail] sender (l'adresse d'envoi doit être celle du compte, ou autorisée par lui)."))
        return steps


# --- helpers --------------------------------------------------------------------------------------

def _key_source(config: Config, environ: Mapping[str, str]) -> tuple[str, Path] | None:
    """Which file signs in to Google, as ``google_auth.authorized_session`` chooses it."""
    store = config.store
    if store.credentials is not None:
        return "credentials", resolve(config, store.credentials)
    if not store.oauth_client and environ.get("GOOGLE_APPLICATION_CREDENTIALS"):
        return "GOOGLE_APPLICATION_CREDENTIALS", resolve(config, Path(environ["GOOGLE_APPLICATION_CREDENTIALS"]))
    if store.oauth_client is not None:
        return "oauth_client", resolve(config, store.oauth_client)
    return None


def _sheet_refusal(exc: StoreError, spreadsheet_id: str, account: str | None) -> str:
    """What Google said, in a few words (the store's message, given as what to do, has the details)."""
    from gspread.exceptions import APIError

    from ..stores.google import DISABLED, FORBIDDEN, NOT_FOUND, UNAUTHORIZED, refusal

    kind = refusal(exc.__cause__)[0] if isinstance(exc.__cause__, APIError) else ""
    return {
        DISABLED: "l'API Google Sheets n'est pas activée dans le projet Google Cloud",
        NOT_FOUND: f"{spreadsheet_id} introuvable (mauvais identifiant, ou pas partagé)",
        FORBIDDEN: f"pas partagé avec {account}" if account else "accès refusé",
        UNAUTHORIZED: "identifiants refusés par Google",
    }.get(kind, "lecture impossible")


def _retyped(form: dict, publication, known: frozenset[str]) -> dict[str, str]:
    """Planned title -> the title the form shows instead, for the questions kept whose title differs
    (typed again by hand in the Forms UI, or the catalogue changed since the publication)."""
    from ..forms.changes import item_key

    shown = {}
    for item in form.get("items", []):
        key = item_key(item, known)
        if key is not None:
            shown.setdefault(key, item.get("title", ""))
    return {planned.title: shown[planned.key] for planned in publication.items
            if planned.key in shown and shown[planned.key] != planned.title}


def _questions_step(code: str, name: str, publication, opened: bool, retyped: dict[str, str]) -> Step:
    key = f"form-questions:{code}"
    publish = f"lancez « paniers publish-form --sale {code} »"
    if not publication.changed:
        return Step(key, name, OK, f"{len(publication.kept)} questions, conformes au catalogue")
    if publication.fresh:
        return Step(key, name, FAILED if opened else WARNING, "le formulaire n'a encore aucune question de paniers",
                    publish + " (« --dry-run » pour voir le formulaire d'abord).")

    def titles(items: list[str], quoted: bool = False) -> str:
        shown = ", ".join(t if quoted else f"« {t} »" for t in items[:3])
        return shown + (f" et {plural(len(items) - 3, 'autre')}" if len(items) > 3 else "")

    found = []
    if publication.updated:
        described = [f"« {retyped[t]} » (catalogue : « {t} »)" if t in retyped else f"« {t} »"
                     for t in publication.updated]
        changed = len(publication.updated)
        found.append(f"{plural(changed, 'question différente', 'questions différentes')} du catalogue "
                     f"({plural(changed, 'modifiée', 'modifiées', show=False)} à la main dans le formulaire, ou "
                     f"catalogue changé) : {titles(described, quoted=True)}")
    if publication.created:
        found.append(f"{plural(len(publication.created), 'question manquante', 'questions manquantes')} : "
                     f"{titles(publication.created)}")
    if publication.removed:
        found.append(f"{plural(len(publication.removed), 'question')} en trop : {titles(publication.removed)}")
    if not found:
        found.append("l'ordre, les sections ou la description ne sont plus ceux du catalogue")
    return Step(key, name, FAILED if opened else WARNING, " ; ".join(found),
                publish + " : il remet le formulaire d'accord avec le catalogue (les questions gardées gardent leur "
                "colonne).")


def _outbox_step(folder: Path) -> Step:
    name = "Boîte d'envoi locale"
    if folder.exists():
        if folder.is_dir() and os.access(folder, os.W_OK | os.X_OK):
            return Step("mail", name, OK, f"{folder} accessible en écriture (les e-mails y sont écrits, aucun ne part "
                        "vraiment)")
        return Step("mail", name, FAILED, f"{folder} n'est pas un dossier modifiable par ce compte",
                    "corrigez [mail] outbox ou les droits du dossier.")
    parent = folder.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if os.access(parent, os.W_OK | os.X_OK):
        return Step("mail", name, OK, f"{folder} sera créé au premier envoi ({parent} est modifiable)")
    return Step("mail", name, FAILED, f"{folder} ne peut pas être créé ({parent} n'est pas modifiable)",
                "corrigez [mail] outbox ou les droits du dossier.")


def _skipped_test(reason: str) -> Step:
    return Step("test-email", "E-mail de test", SKIPPED, f"non envoyé ({reason})")


def _mail_hint(exc: BaseException, security: str, port: int) -> str:
    """A likely cause, from what the connection died of."""
    import smtplib
    import ssl

    cause = exc.__cause__
    if isinstance(cause, ssl.SSLCertVerificationError):
        return " Le certificat du serveur n'est pas reconnu : vérifiez [mail] host (le nom exact du serveur)."
    if isinstance(cause, smtplib.SMTPNotSupportedError) and security == "starttls":
        return " Ce serveur ne propose pas STARTTLS sur ce port : essayez security = « ssl » et port = 465."
    if isinstance(cause, ssl.SSLError) and security == "ssl":
        return (f" Le port {port} ne parle peut-être pas SSL directement : avec le port 587, mettez "
                "security = « starttls ».")
    return ""


def _test_email(config: Config, now: datetime):
    from ..mail.message import Email

    group = config.group.name
    text = (f"Bonjour,\n\nCeci est un e-mail de test envoyé par « paniers doctor » pour {group}, le "
            f"{now:%d/%m/%Y à %H:%M}.\nS'il vous est parvenu, l'envoi des e-mails fonctionne : le serveur "
            f"{config.mail.host} accepte les messages de {config.mail.sender}.\n\nRien d'autre n'a été envoyé.\n")
    body = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in text.strip().split("\n\n"))
    return Email(kind="test", sale="", recipient=config.group.coordinator_email,
                 subject=f"Paniers : e-mail de test ({group})", text=text,
                 html=f"<!doctype html><html lang=\"fr\"><body>{body}</body></html>", sender=config.mail.sender,
                 group=group, reply_to=config.group.coordinator_email, fingerprint=now.isoformat())
