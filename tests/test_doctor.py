"""``paniers doctor``: a real set-up checked step by step, against the in-process Sheets and Forms APIs
(signed in with a real service account key through a fake token endpoint) and a real SMTP server on
loopback. Each failure says what to do; the steps that do not depend on it go on; nothing is written,
neither to the sheet nor to the form (the fakes' call logs say so), and no message is sent unless asked."""

from __future__ import annotations

import json
import os

import google.auth.transport.requests
import pytest
from aiosmtpd.smtp import AuthResult
from conftest import at
from fakes.forms_api import HOST as FORMS_HOST
from fakes.forms_api import FormsApiFake
from fakes.sheets_api import FakeSheetsAPI, FakeTokenEndpoint
from fakes.smtp_server import free_port, running
from plain import into, plain
from test_forms_prefill import FORM_ID, ui_prefilled_link
from test_google_auth import ACCOUNT, SHEET_ID, key_file, private_key  # noqa: F401 (fixtures)

import jobs
from sync import config as config_module
from sync import demo
from sync.commands import Context, doctor, publish_form
from sync.google_auth import authorized_session
from sync.stores.google import GoogleSheetsStore

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

NOW = at("2026-12-02 10:00")  # the December sale is open, the Christmas one is coming
PASSWORD = "s3cret"
COORDINATOR = "coordination@paniers-valencay.fr"
SENDER = "paniers@paniers-valencay.fr"
TOKEN = "jeton-doctor"
SHEET_URL = f"https://docs.google.com/spreadsheets/d/{SHEET_ID}/edit#gid=0"


def toml(sections: dict[str, dict]) -> str:
    lines = []
    for name, values in sections.items():
        lines.append(f"[{name}]")
        for key, value in values.items():
            lines.append(f"{key} = {value}" if isinstance(value, int) else f'{key} = "{value}"')
    return "\n".join(lines) + "\n"


class World:
    """A group's real set-up: its Google Sheet (the demo, typed as in a French sheet) and its form,
    published once by ``paniers publish-form`` and linked to the sheet; the key file; a mail server."""

    def __init__(self, folder, smtp_port: int):
        self.folder = folder
        self.token = FakeTokenEndpoint(TOKEN)
        self.api = FakeSheetsAPI(account=ACCOUNT)
        self.book = self.api.create(SHEET_ID, tabs=demo.build(), typed=True)
        self.forms = FormsApiFake()
        self.forms.add_form(FORM_ID, linked_sheet_id=SHEET_ID, published=True)
        self.sections = {
            "group": {"name": "Les Paniers de Valençay", "coordinator_email": COORDINATOR},
            "store": {"backend": "google", "spreadsheet_id": SHEET_ID, "credentials": "service-account.json"},
            "mail": {"backend": "smtp", "host": "127.0.0.1", "port": smtp_port, "security": "none",
                     "sender": SENDER, "user": SENDER, "password_env": "PANIERS_TEST_PW"},
            "forms": {"form_id": FORM_ID},
        }
        self.write()
        self.publish()  # the questions, then the pre-filled link made in the Forms UI, then again for its ids
        self.sections["forms"]["prefilled_link"] = ui_prefilled_link(self.forms, {"Nom": "Dupont", "Prénom": "Anne"})
        self.write()
        self.publish()
        self.api.token = TOKEN  # from now on every request must carry the access token of the key
        self.api.reset()
        self.forms.calls.clear()

    @property
    def path(self):
        return self.folder / "config.toml"

    def write(self) -> None:
        self.path.write_text(toml(self.sections), encoding="utf-8")

    def set(self, section: str, **values) -> None:
        self.sections[section].update(values)
        self.write()

    def publish(self) -> None:
        config = config_module.load(self.path)
        store = GoogleSheetsStore(self.api.session(), SHEET_ID, account=ACCOUNT)
        assert publish_form.run(Context(config, store, NOW, [].append), sale="2026-12", session=self.forms.session(),
                                sleep=lambda s: None) == 0

    def connect(self, config, scopes):
        """The production sign-in (the key signs a JWT, the token endpoint answers), on the fakes."""
        session = authorized_session(config, scopes, {},
                                     auth_request=google.auth.transport.requests.Request(self.token.session()))
        self.api.session(session)
        session.mount(FORMS_HOST, self.forms)
        return session

    def diagnose(self, environ=None, **options) -> dict[str, doctor.Step]:
        steps = doctor.diagnose(self.path, NOW, environ={"PANIERS_TEST_PW": PASSWORD} if environ is None else environ,
                                connect=self.connect, smtp_options={"sleep": lambda s: None, "timeout": 5},
                                sleep=lambda s: None, **options)
        self.steps = steps
        return {step.key: step for step in steps}

    def assert_read_only(self) -> None:
        assert self.api.writes == 0 and all(call.is_read for call in self.api.calls)
        assert self.forms.batches() == [] and all(call.method == "GET" for call in self.forms.calls)


class Server:
    def __init__(self, controller, handler, logins):
        self.controller, self.handler, self.logins = controller, handler, logins

    @property
    def port(self) -> int:
        return self.controller.port


@pytest.fixture
def smtp():
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == PASSWORD.encode(), handled=False)

    with running(authenticator=authenticator, auth_require_tls=False, auth_required=True) as (controller, handler):
        yield Server(controller, handler, logins)


@pytest.fixture
def world(tmp_path, key_file, smtp):  # noqa: F811 (key_file: the fixture of test_google_auth)
    os.chmod(key_file, 0o600)
    return World(tmp_path, smtp.port)


def statuses(steps: dict[str, doctor.Step]) -> dict[str, str]:
    return {key: step.status for key, step in steps.items()}


# --- all is well ----------------------------------------------------------------------------------

def test_a_complete_set_up_passes_every_step_and_writes_nothing(world, smtp):
    steps = world.diagnose()
    assert statuses(steps) == {
        "config": doctor.OK, "credentials": doctor.OK, "sheet": doctor.OK, "tabs": doctor.OK, "timezone": doctor.OK,
        "form:2026-12": doctor.OK, "form-link:2026-12": doctor.OK, "form-questions:2026-12": doctor.OK,
        "prefill:2026-12": doctor.OK, "form:2026-NOEL": doctor.SKIPPED, "mail": doctor.OK,
    }
    assert "même formulaire que la vente 2026-12" in steps["form:2026-NOEL"].detail
    assert steps["credentials"].line() == f"✓ Clé du compte de service : {ACCOUNT}"
    assert steps["sheet"].detail.startswith(f"« Paniers » ({SHEET_ID}) lisible par {ACCOUNT}")
    assert "identifiant paniers@paniers-valencay.fr accepté (aucun message envoyé)" in steps["mail"].detail
    world.assert_read_only()
    assert world.api.kinds() == ["spreadsheets.get"]  # the store's one read
    assert world.api.calls[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert smtp.logins == [(SENDER.encode(), PASSWORD.encode())] and smtp.handler.received == []
    out: list[str] = []
    assert doctor.report(world.steps, into(out)) == 0
    assert out[-1] == "Tout est prêt."


def test_a_whole_address_pasted_as_spreadsheet_id_is_fine(world):
    world.set("store", spreadsheet_id=SHEET_URL)
    steps = world.diagnose()
    assert "(adresse complète acceptée)" in steps["config"].detail
    assert steps["sheet"].status == doctor.OK
    assert steps["form-link:2026-12"].status == doctor.OK  # linkedSheetId is the bare id: compared with the key
    world.assert_read_only()


# --- the sheet ------------------------------------------------------------------------------------

def test_a_sheet_not_shared_names_the_service_account_and_the_rest_goes_on(world):
    world.book.share = None
    steps = world.diagnose()
    sheet_step = steps["sheet"]
    assert sheet_step.status == doctor.FAILED and sheet_step.detail == f"pas partagé avec {ACCOUNT}"
    assert f"ajoutez l'adresse {ACCOUNT} avec le rôle « Éditeur »" in sheet_step.todo
    assert steps["tabs"].line() == "– Onglets et colonnes : non vérifié (le Google Sheet n'est pas accessible)"
    assert steps["forms"].status == doctor.SKIPPED
    assert steps["mail"].status == doctor.OK  # does not depend on the sheet
    out: list[str] = []
    assert doctor.report(world.steps, into(out)) == 1
    assert f"✗ Google Sheet : pas partagé avec {ACCOUNT} → À faire : " in out[2]
    world.assert_read_only()


def test_the_sheets_api_disabled_says_how_to_enable_it(world):
    world.api.api_enabled = False
    steps = world.diagnose()
    assert steps["sheet"].status == doctor.FAILED
    assert "n'est pas activée" in steps["sheet"].detail
    assert "« Activer »" in steps["sheet"].todo and "sheets.googleapis.com" in steps["sheet"].todo
    world.assert_read_only()


def test_a_wrong_spreadsheet_id_is_not_found(world):
    world.set("store", spreadsheet_id="1AnotherSheetIdXYZ")
    steps = world.diagnose()
    assert steps["sheet"].status == doctor.FAILED and "introuvable" in steps["sheet"].detail
    assert "entre /d/ et /edit" in steps["sheet"].todo and ACCOUNT in steps["sheet"].todo
    world.assert_read_only()


def test_a_missing_tab_is_named_with_paniers_init(world):
    world.book.remove("Clients")
    steps = world.diagnose()
    tabs = steps["tabs"]
    assert tabs.status == doctor.FAILED and tabs.detail == "onglet absent : Clients"
    assert "ajoutez l'onglet « Clients »" in tabs.todo and "« paniers init » crée les onglets manquants" in tabs.todo
    world.assert_read_only()


def test_a_missing_required_column_says_where_to_add_it(world):
    rows = [list(r) for r in demo.build()["Produits"]]
    rows[0] = ["Tarif" if h == "Prix" else h for h in rows[0]]
    world.book.remove("Produits")
    world.book.add_tab("Produits", rows, typed=True)
    tabs = world.diagnose()["tabs"]
    assert tabs.status == doctor.FAILED and tabs.detail == "colonne obligatoire absente : Produits › Prix"
    assert "dans l'onglet « Produits », ajoutez en première ligne (celle des en-têtes) la colonne « Prix »" in tabs.todo
    world.assert_read_only()


def test_a_sheet_in_another_time_zone_is_a_warning(world):
    world.book.time_zone = "America/New_York"
    steps = world.diagnose()
    assert steps["timezone"].status == doctor.WARNING and "« America/New_York »" in steps["timezone"].detail
    assert doctor.report(world.steps, [].append) == 0  # a warning is not a failure


# --- the key --------------------------------------------------------------------------------------

def test_a_missing_key_file_says_what_to_do_and_the_mail_is_still_checked(world):
    (world.folder / "service-account.json").unlink()
    steps = world.diagnose()
    assert steps["credentials"].status == doctor.FAILED and "introuvable" in steps["credentials"].todo
    assert steps["sheet"].line() == "– Google Sheet : non vérifié (la connexion à Google n'est pas prête)"
    assert steps["mail"].status == doctor.OK
    assert world.api.calls == [] and world.forms.calls == []


def test_a_key_readable_by_others_is_refused_with_the_command_that_fixes_it(world):
    """Every job refuses a key file that others can read (issue 15), and doctor says the same, with the command."""
    os.chmod(world.folder / "service-account.json", 0o644)
    step = world.diagnose()["credentials"]
    assert step.status == doctor.FAILED and "chmod 600" in f"{step.detail} {step.todo}"


def test_a_personal_account_not_signed_in_yet_is_told_to_sign_in_once_from_a_terminal(tmp_path):
    from test_google_auth import OAUTH_CLIENT

    (tmp_path / "client_secret.json").write_text(json.dumps(OAUTH_CLIENT), encoding="utf-8")
    (tmp_path / "config.toml").write_text(toml({
        "group": {"name": "Les Paniers de Valençay", "coordinator_email": COORDINATOR},
        "store": {"backend": "google", "spreadsheet_id": SHEET_URL, "oauth_client": "client_secret.json"},
        "mail": {"sender": SENDER}}), encoding="utf-8")
    steps = {s.key: s for s in doctor.diagnose(  # the production sign-in: it fails before any request
        tmp_path / "config.toml", NOW, environ={"PANIERS_GOOGLE_TOKEN": str(tmp_path / "token.json")})}
    step = steps["credentials"]
    assert step.name == "Connexion Google" and step.status == doctor.FAILED
    assert "dans un terminal" in step.todo and str(tmp_path / "token.json") in step.todo
    assert steps["sheet"].status == doctor.SKIPPED and steps["mail"].status == doctor.OK


# --- the form -------------------------------------------------------------------------------------

@pytest.mark.parametrize("linked, expected", [
    (None, "n'enregistre ses réponses dans aucun Google Sheet"),
    ("1OtherSheetId", "un autre Google Sheet (1OtherSheetId)"),
])
def test_a_form_not_linked_to_this_sheet(world, linked, expected):
    world.forms.forms[FORM_ID].linked_sheet_id = linked
    step = world.diagnose()["form-link:2026-12"]
    assert step.status == doctor.FAILED and expected in step.detail
    assert "« Associer à Sheets »" in step.todo and "« Paniers »" in step.todo
    world.assert_read_only()


def test_a_question_retyped_by_hand_is_reported_with_the_publish_form_advice(world):
    item = next(i for i in world.forms.forms[FORM_ID].items if i.get("title", "").startswith("PAIN1 ·"))
    planned = item["title"]
    item["title"] = "PAIN1 · Pain de campagne (le gros)"  # typed again in the Forms UI
    steps = world.diagnose()
    step = steps["form-questions:2026-12"]
    assert step.status == doctor.FAILED  # the sale is open: households see it now
    assert "1 question différente du catalogue (modifiée à la main dans le formulaire, ou catalogue " \
           f"changé) : « PAIN1 · Pain de campagne (le gros) » (catalogue : « {plain(planned)} »)" in plain(step.detail)
    assert step.todo.startswith("lancez « paniers publish-form --sale 2026-12 »")
    world.assert_read_only()


def test_a_question_retyped_without_its_product_code_is_one_missing_and_one_extra(world):
    item = next(i for i in world.forms.forms[FORM_ID].items if i.get("title", "").startswith("PAIN1 ·"))
    planned, item["title"] = item["title"], "Pain de campagne"  # the code gone: no longer recognised as PAIN1
    step = world.diagnose()["form-questions:2026-12"]
    assert step.status == doctor.FAILED
    assert f"1 question manquante : « {plain(planned)} »" in plain(step.detail)
    assert "1 question en trop : « Pain de campagne »" in plain(step.detail)
    assert "paniers publish-form --sale 2026-12" in step.todo


def test_a_form_not_shared_with_the_account(world):
    world.forms.forms[FORM_ID].shared = False
    steps = world.diagnose()
    assert steps["form:2026-12"].status == doctor.FAILED and ACCOUNT in steps["form:2026-12"].todo
    assert steps["form-questions:2026-12"].detail == "non vérifié (le formulaire n'est pas accessible)"
    world.assert_read_only()


# --- the mail server ------------------------------------------------------------------------------

def test_a_refused_login_is_a_french_failure_and_nothing_is_sent(world, smtp):
    steps = world.diagnose(environ={"PANIERS_TEST_PW": "faux"})
    mail = steps["mail"]
    assert mail.status == doctor.FAILED and "refuse l'identifiant ou le mot de passe" in mail.todo
    assert smtp.handler.received == []
    assert doctor.report(world.steps, [].append) == 1


def test_a_missing_password_variable_is_named(world, smtp):
    mail = world.diagnose(environ={})["mail"]
    assert mail.status == doctor.FAILED and "PANIERS_TEST_PW" in mail.todo
    assert smtp.logins == []


def test_a_server_that_is_down(world):
    world.set("mail", port=free_port())  # nothing listens there
    mail = world.diagnose()["mail"]
    assert mail.status == doctor.FAILED and "Impossible de joindre le serveur d'envoi 127.0.0.1" in mail.todo


def test_starttls_asked_of_a_server_without_it(world):
    world.set("mail", security="starttls")
    mail = world.diagnose()["mail"]
    assert mail.status == doctor.FAILED and "ne propose pas STARTTLS" in mail.todo


def test_send_test_delivers_one_message_to_the_coordinator(world, smtp):
    steps = world.diagnose(send_test=True)
    assert steps["test-email"].status == doctor.OK and COORDINATOR in steps["test-email"].detail
    [received] = smtp.handler.received
    assert received.rcpt_tos == [COORDINATOR] and received.mail_from == SENDER
    message = received.message
    assert "test" in message["Subject"] and "paniers doctor" in message.get_body(("plain",)).get_content()
    world.assert_read_only()


# --- the command line -----------------------------------------------------------------------------

def test_through_the_command_line_on_the_local_backend(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert jobs.main(["doctor"]) == 1
    out = plain(capsys.readouterr().out)
    assert out.startswith("✗ Configuration : config.toml ne peut pas être utilisée → À faire : Fichier de "
                          "configuration introuvable")
    assert "– Classeur : non vérifié (la configuration ne se charge pas)" in out

    assert jobs.main(["init", "--demo"]) == 0
    capsys.readouterr()
    assert jobs.main(["doctor", "--now", "2026-12-02 10:00"]) == 0  # example values: only a warning
    out = plain(capsys.readouterr().out)
    assert "⚠ Configuration : " in out and "[group] coordinator_email = « animation@example.org »" in out
    assert f"✓ Classeur local : {tmp_path / 'paniers.xlsx'} lisible" in out
    assert "✓ Onglets et colonnes : tous les onglets et colonnes obligatoires sont là" in out
    assert "– Formulaire de la vente 2026-12 : non vérifié (aucun formulaire désigné" in out
    assert "✓ Boîte d'envoi locale" in out
    assert out.rstrip().endswith("Tout fonctionne ; 1 avertissement à regarder.")

    (tmp_path / "paniers.xlsx").unlink()
    assert jobs.main(["doctor"]) == 1
    out = plain(capsys.readouterr().out)
    assert "→ À faire : lancez « paniers init » pour le créer" in out
    assert "– Onglets et colonnes : non vérifié (le classeur n'existe pas)" in out


def test_help_is_french_and_offers_only_its_options(capsys):
    with pytest.raises(SystemExit):
        jobs.main(["doctor", "--help"])
    text = plain(capsys.readouterr().out)
    assert "--send-test" in text and "--dry-run" not in text and "--demo" not in text
    assert "Exemple : paniers doctor --send-test" in text
