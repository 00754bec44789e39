"""Signing in to Google: a service account's key (with a real RSA key, signed JWT and all, against an
in-process token endpoint), a person's OAuth token kept in their config folder, and French errors for
every file that is missing, damaged or of the wrong kind."""

from __future__ import annotations

import base64
import json
import stat
from datetime import datetime, timedelta

import google.auth.transport.requests
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fakes.sheets_api import FakeSheetsAPI, FakeTokenEndpoint
from google.oauth2.credentials import Credentials as UserCredentials

from sync import config as config_module
from sync.errors import ConfigError, StoreError
from sync.google_auth import FORMS_BODY_SCOPE, SHEETS_SCOPE, account_email, authorized_session, token_path
from sync.stores.google import GoogleSheetsStore

ACCOUNT = "paniers@paniers-civam.iam.gserviceaccount.com"
SHEET_ID = "1PaniersFakeSheetId"


@pytest.fixture(scope="module")
def private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


@pytest.fixture
def key_file(tmp_path, private_key):
    path = tmp_path / "service-account.json"
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "paniers-civam", "private_key_id": "0123abcd",
        "private_key": private_key, "client_email": ACCOUNT, "client_id": "1234567890",
        "token_uri": "https://oauth2.googleapis.com/token",
    }))
    path.chmod(0o600)  # as docs/google.md says to keep it
    return path


OAUTH_CLIENT = {"installed": {
    "client_id": "123-abc.apps.googleusercontent.com", "client_secret": "secret", "project_id": "paniers-civam",
    "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": "https://oauth2.googleapis.com/token",
    "redirect_uris": ["http://localhost"],
}}


def google_config(tmp_path, **store):
    return config_module.from_dict({"store": {"backend": "google", "spreadsheet_id": SHEET_ID, **store}},
                                   base_dir=tmp_path)


# --- a service account ------------------------------------------------------------------------

def test_a_service_account_key_signs_in_with_only_the_scopes_asked(tmp_path, key_file):
    session = authorized_session(google_config(tmp_path, credentials="service-account.json"), [SHEETS_SCOPE], {})
    assert isinstance(session, google.auth.transport.requests.AuthorizedSession)
    assert account_email(session) == ACCOUNT
    assert session.credentials.scopes == [SHEETS_SCOPE]


def test_the_store_reads_a_sheet_through_a_real_service_account_session(tmp_path, key_file):
    """The production wiring end to end: the key signs a JWT, the token endpoint answers, every Sheets
    request carries the access token."""
    token = FakeTokenEndpoint("jeton-123")
    config = google_config(tmp_path, credentials="service-account.json")
    session = authorized_session(config, [SHEETS_SCOPE], {},
                                 auth_request=google.auth.transport.requests.Request(token.session()))
    api = FakeSheetsAPI(account=ACCOUNT, token="jeton-123")
    api.create(SHEET_ID, tabs={"Produits": [["Code"], ["PAIN1"]]})
    api.session(session)  # the fake mounted on the AuthorizedSession itself
    store = GoogleSheetsStore(session, SHEET_ID, account=account_email(session))
    assert store.read(["Produits"]) == {"Produits": [["Code"], ["PAIN1"]]}
    assert api.calls[0].headers["Authorization"] == "Bearer jeton-123"
    claims = json.loads(base64.urlsafe_b64decode(token.assertions[0].split(".")[1] + "=="))
    assert claims["iss"] == ACCOUNT and claims["scope"] == SHEETS_SCOPE


def test_from_config_knows_the_address_to_share_with(tmp_path, key_file):
    url = f"https://docs.google.com/spreadsheets/d/{SHEET_ID}/edit#gid=0"
    config = config_module.from_dict({"store": {"backend": "google", "spreadsheet_id": url,
                                                "credentials": "service-account.json"}}, base_dir=tmp_path)
    store = GoogleSheetsStore.from_config(config)  # nothing is sent yet
    assert store.account == ACCOUNT and store.spreadsheet_id == SHEET_ID


def test_the_key_can_come_from_google_application_credentials(tmp_path, key_file):
    session = authorized_session(google_config(tmp_path), [SHEETS_SCOPE],
                                 {"GOOGLE_APPLICATION_CREDENTIALS": str(key_file)})
    assert account_email(session) == ACCOUNT


def test_no_way_to_sign_in_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"credentials .* oauth_client"):
        authorized_session(google_config(tmp_path), [SHEETS_SCOPE], {})


@pytest.mark.parametrize("content, expected", [
    (None, "introuvable"),
    ("{pas du json", "pas un fichier JSON lisible"),
    (json.dumps(OAUTH_CLIENT), "oauth_client"),
    (json.dumps({"type": "service_account", "client_email": ACCOUNT}), "incomplète ou abîmée"),
    (json.dumps({"type": "autre chose"}), "pas une clé de compte de service"),
    (json.dumps(["liste"]), "pas un fichier de Google Cloud"),
])
def test_a_bad_key_file_is_a_french_config_error(tmp_path, content, expected):
    if content is not None:
        (tmp_path / "cle.json").write_text(content)
        (tmp_path / "cle.json").chmod(0o600)
    with pytest.raises(ConfigError, match=expected) as caught:
        authorized_session(google_config(tmp_path, credentials="cle.json"), [SHEETS_SCOPE], {})
    assert "[store] credentials" in str(caught.value) and "cle.json" in str(caught.value)


# --- a person's own account (OAuth) -------------------------------------------------------------

@pytest.fixture
def oauth(tmp_path):
    (tmp_path / "client_secret.json").write_text(json.dumps(OAUTH_CLIENT))
    token = tmp_path / "config" / "paniers" / "token.json"
    return google_config(tmp_path, oauth_client="client_secret.json"), {"PANIERS_GOOGLE_TOKEN": str(token)}, token


def user_credentials(scopes, refresh_token="rt-1", expiry=None):
    return UserCredentials(token="at-1", refresh_token=refresh_token, client_id=OAUTH_CLIENT["installed"]["client_id"],
                           client_secret="secret", token_uri="https://oauth2.googleapis.com/token", scopes=scopes,
                           expiry=expiry or datetime.utcnow() + timedelta(hours=1))


class SignIn(list):
    """Stands for the browser: records the scopes asked and grants them."""

    def __call__(self, client_file, scopes):
        self.append(list(scopes))
        return user_credentials(scopes)


def test_the_first_run_signs_in_and_keeps_the_token_for_the_user_only(oauth):
    config, environ, token = oauth
    sign_in = SignIn()
    session = authorized_session(config, [SHEETS_SCOPE], environ, interactive=True, sign_in=sign_in)
    assert sign_in == [[SHEETS_SCOPE]]
    assert session.credentials.token == "at-1"
    assert json.loads(token.read_text())["refresh_token"] == "rt-1"
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    assert account_email(session) is None  # a person's account: "share it with you", not an address


def test_a_kept_token_that_others_can_read_is_made_private_and_a_new_one_is_private_whatever_was_there(oauth):
    config, environ, token = oauth
    token.parent.mkdir(parents=True)
    token.write_text(user_credentials([SHEETS_SCOPE]).to_json())
    token.chmod(0o644)  # copied from another machine, or written by an older version
    sign_in = SignIn()
    authorized_session(config, [SHEETS_SCOPE], environ, interactive=False, sign_in=sign_in)
    assert sign_in == [] and stat.S_IMODE(token.stat().st_mode) == 0o600
    token.chmod(0o666)  # signing in again (a new scope) replaces it: 0600 from the start, whatever the old mode
    authorized_session(config, [SHEETS_SCOPE, FORMS_BODY_SCOPE], environ, interactive=True, sign_in=SignIn())
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    assert [p.name for p in token.parent.iterdir()] == ["token.json"]


def test_a_service_account_key_that_others_can_read_is_refused_with_the_command_to_run(tmp_path, key_file):
    key_file.chmod(0o644)  # what a browser's download gives
    with pytest.raises(ConfigError) as caught:
        authorized_session(google_config(tmp_path, credentials="service-account.json"), [SHEETS_SCOPE], {})
    message = str(caught.value)
    assert "[store] credentials" in message and f"chmod 600 {key_file}" in message
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o644  # a person's file: the tool does not change it


def test_a_kept_token_is_used_without_signing_in_again(oauth):
    config, environ, _token = oauth
    authorized_session(config, [SHEETS_SCOPE], environ, interactive=True, sign_in=SignIn())
    sign_in = SignIn()
    session = authorized_session(config, [SHEETS_SCOPE], environ, interactive=False, sign_in=sign_in)
    assert sign_in == [] and session.credentials.refresh_token == "rt-1"


def test_a_new_scope_asks_to_sign_in_again_keeping_the_old_ones(oauth):
    config, environ, _token = oauth
    authorized_session(config, [SHEETS_SCOPE], environ, interactive=True, sign_in=SignIn())
    sign_in = SignIn()
    authorized_session(config, [FORMS_BODY_SCOPE], environ, interactive=True, sign_in=sign_in)
    assert sign_in == [sorted([SHEETS_SCOPE, FORMS_BODY_SCOPE])]


def test_an_expired_token_is_refreshed_and_kept(oauth):
    config, environ, token = oauth
    token.parent.mkdir(parents=True)
    token.write_text(user_credentials([SHEETS_SCOPE], expiry=datetime.utcnow() - timedelta(hours=1)).to_json())
    endpoint = FakeTokenEndpoint("at-2")
    session = authorized_session(config, [SHEETS_SCOPE], environ, interactive=False,
                                 auth_request=google.auth.transport.requests.Request(endpoint.session()))
    assert endpoint.refreshes == ["rt-1"] and session.credentials.token == "at-2"
    assert json.loads(token.read_text())["token"] == "at-2"


def test_a_revoked_token_in_cron_says_to_sign_in_once_by_hand(oauth):
    config, environ, token = oauth
    token.parent.mkdir(parents=True)
    token.write_text(user_credentials([SHEETS_SCOPE], "revoque", datetime.utcnow() - timedelta(hours=1)).to_json())
    endpoint = FakeTokenEndpoint(revoked={"revoque"})
    with pytest.raises(ConfigError, match="terminal") as caught:
        authorized_session(config, [SHEETS_SCOPE], environ, interactive=False,
                           auth_request=google.auth.transport.requests.Request(endpoint.session()))
    assert str(token) in str(caught.value)


def test_no_token_and_no_terminal_never_waits_for_a_browser(oauth):
    config, environ, _token = oauth
    with pytest.raises(ConfigError, match="paniers check"):
        authorized_session(config, [SHEETS_SCOPE], environ, interactive=False, sign_in=SignIn())


def test_a_damaged_token_means_signing_in_again(oauth):
    config, environ, token = oauth
    token.parent.mkdir(parents=True)
    token.write_text("{abîmé")
    sign_in = SignIn()
    authorized_session(config, [SHEETS_SCOPE], environ, interactive=True, sign_in=sign_in)
    assert len(sign_in) == 1


def test_a_service_account_key_given_as_oauth_client_is_explained(tmp_path, key_file):
    config = google_config(tmp_path, oauth_client="service-account.json")
    with pytest.raises(ConfigError, match=r"\[store\] credentials à la place"):
        authorized_session(config, [SHEETS_SCOPE], {}, interactive=True, sign_in=SignIn())


def test_where_the_token_is_kept(tmp_path):
    assert token_path({"HOME": "/home/anne"}) == tmp_path.__class__("/home/anne/.config/paniers/token.json")
    assert token_path({"XDG_CONFIG_HOME": "/cfg", "HOME": "/home/anne"}).as_posix() == "/cfg/paniers/token.json"
    assert token_path({"PANIERS_GOOGLE_TOKEN": "/secrets/t.json"}).as_posix() == "/secrets/t.json"


def test_a_revoked_service_account_key_is_a_french_store_error(tmp_path, key_file):
    token = FakeTokenEndpoint(revoked=set())
    token.send = lambda request, **kw: FakeSheetsAPI._response(  # Google refuses the signed JWT
        request, 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
    session = authorized_session(google_config(tmp_path, credentials="service-account.json"), [SHEETS_SCOPE], {},
                                 auth_request=google.auth.transport.requests.Request(token.session()))
    api = FakeSheetsAPI()
    api.create(SHEET_ID)
    api.session(session)
    with pytest.raises(StoreError, match=r"Google refuse la connexion.*Invalid JWT Signature"):
        GoogleSheetsStore(session, SHEET_ID, account=ACCOUNT).read(["Produits"])
