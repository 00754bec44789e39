"""Signing in to Google: a service account's key file (for cron), or a person's own account (OAuth).

``authorized_session(config, scopes, environ)`` returns a ``requests.Session`` (google-auth's
``AuthorizedSession``) that adds a fresh access token to every request. The store asks for the
``spreadsheets`` scope; publishing the form asks for ``forms.body`` with the same function.

- ``[store] credentials``: the JSON key of a service account (or any google-auth credentials file:
  workload identity federation in CI, an ``authorized_user`` file). ``GOOGLE_APPLICATION_CREDENTIALS`` is the
  fallback when the key is not set in the configuration.
- ``[store] oauth_client``: an OAuth client of type "Desktop app". The first run opens the browser to sign in;
  the token is then kept in the user's config folder (``~/.config/paniers/token.json``, or
  ``$XDG_CONFIG_HOME/paniers/token.json``; ``PANIERS_GOOGLE_TOKEN`` names another file), readable by the
  user only (made so if it was not). A run without a terminal (cron) never waits for a browser: it says to sign
  in once by hand.
- The key named by ``[store] credentials`` is refused while the group or others can read it (the message gives
  the ``chmod 600`` to run): it is a password for the whole sheet.

Every problem with these files is a French ``ConfigError`` naming the key and the file.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import requests

from . import files
from .config import Config, resolve
from .errors import ConfigError

SHEETS_SCOPE = "https://www.googleapis.com/auth/spreadsheets"
FORMS_BODY_SCOPE = "https://www.googleapis.com/auth/forms.body"
TOKEN_ENV = "PANIERS_GOOGLE_TOKEN"
GUIDE = "docs/google.md"


def authorized_session(
    config: Config,
    scopes: Sequence[str],
    environ: Mapping[str, str],
    *,
    interactive: bool | None = None,
    sign_in: Callable[[Path, list[str]], Any] | None = None,
    auth_request: Any = None,
) -> requests.Session:
    """A session signed in to Google with ``scopes``.

    ``interactive`` (default: whether stdin is a terminal) allows the browser sign-in of the OAuth flow;
    ``sign_in(client_file, scopes)`` replaces that flow (tests); ``auth_request`` is the google-auth transport
    used to fetch tokens (tests point it at a fake token endpoint).
    """
    from google.auth.transport.requests import AuthorizedSession

    scopes = list(dict.fromkeys(scopes))
    store = config.store
    key_file, ours = store.credentials, True
    if key_file is None and not store.oauth_client and environ.get("GOOGLE_APPLICATION_CREDENTIALS"):
        # set up by whoever runs the machine (gcloud, a CI action), whose own rules apply to its mode
        key_file, ours = Path(environ["GOOGLE_APPLICATION_CREDENTIALS"]), False
    if key_file is not None:
        credentials = _key_file_credentials(resolve(config, Path(key_file)), scopes, private=ours)
    elif store.oauth_client is not None:
        if interactive is None:
            interactive = sys.stdin is not None and sys.stdin.isatty()
        credentials = _oauth_credentials(resolve(config, store.oauth_client), scopes, token_path(environ),
                                         interactive, sign_in, auth_request)
    else:
        raise ConfigError(
            "[store] backend = « google » demande une façon de se connecter à Google : credentials (la clé JSON "
            "d'un compte de service, pour les lancements automatiques) ou oauth_client (pour vous connecter avec "
            f"votre propre compte Google). Voir {GUIDE}."
        )
    return AuthorizedSession(credentials, auth_request=auth_request)


def account_email(session: requests.Session) -> str | None:
    """The service account's address (whom to share the sheet with), when the session uses one."""
    credentials = getattr(session, "credentials", None)
    email = getattr(credentials, "service_account_email", None)
    return email if isinstance(email, str) and "@" in email else None


def token_path(environ: Mapping[str, str]) -> Path:
    """Where a person's OAuth token is kept."""
    if environ.get(TOKEN_ENV):
        return Path(environ[TOKEN_ENV]).expanduser()
    if environ.get("XDG_CONFIG_HOME"):
        return Path(environ["XDG_CONFIG_HOME"]) / "paniers" / "token.json"
    if os.name == "nt" and environ.get("APPDATA"):
        return Path(environ["APPDATA"]) / "paniers" / "token.json"
    home = Path(environ["HOME"]) if environ.get("HOME") else Path.home()
    return home / ".config" / "paniers" / "token.json"


# --- a key file ---------------------------------------------------------------------------------

def _read_json(path: Path, key: str) -> dict:
    if not path.is_file():
        raise ConfigError(f"{key} : le fichier {path} est introuvable. Indiquez le chemin du fichier JSON "
                          f"téléchargé depuis Google Cloud (relatif au fichier de configuration). Voir {GUIDE}.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{key} : le fichier {path} n'est pas un fichier JSON lisible ({exc}). Téléchargez-le "
                          f"à nouveau depuis Google Cloud. Voir {GUIDE}.") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{key} : le fichier {path} n'est pas un fichier de Google Cloud. Voir {GUIDE}.")
    return data


def _key_file_credentials(path: Path, scopes: list[str], private: bool = True):
    key = "[store] credentials"
    info = _read_json(path, key)
    if private:
        files.check_secret(path, key, fix=False)  # a person's file: refused while others can read it
    kind = info.get("type")
    if kind is None and ("installed" in info or "web" in info):
        raise ConfigError(f"{key} : {path} est un identifiant OAuth (« ID client »), pas la clé d'un compte de "
                          "service. Indiquez-le dans [store] oauth_client (et retirez credentials), ou "
                          f"téléchargez la clé JSON du compte de service. Voir {GUIDE}.")
    if kind == "service_account":
        from google.oauth2 import service_account

        try:
            return service_account.Credentials.from_service_account_info(info, scopes=scopes)
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{key} : la clé {path} est incomplète ou abîmée ({exc}). Créez une nouvelle clé "
                              f"JSON pour le compte de service et remplacez ce fichier. Voir {GUIDE}.") from exc
    if kind in ("authorized_user", "external_account", "impersonated_service_account"):
        import google.auth
        from google.auth.exceptions import DefaultCredentialsError

        try:
            credentials, _project = google.auth.load_credentials_from_file(str(path), scopes=scopes)
        except (DefaultCredentialsError, ValueError) as exc:
            raise ConfigError(f"{key} : le fichier {path} n'est pas utilisable ({exc}). Voir {GUIDE}.") from exc
        return credentials
    raise ConfigError(f"{key} : {path} n'est pas une clé de compte de service Google (le fichier JSON téléchargé "
                      "depuis Google Cloud > IAM et administration > Comptes de service > Clés). "
                      f"Voir {GUIDE}.")


# --- a person's own account ---------------------------------------------------------------------

def _oauth_credentials(client_file: Path, scopes: list[str], token_file: Path, interactive: bool,
                       sign_in: Callable[[Path, list[str]], Any] | None, auth_request: Any):
    from google.auth.exceptions import RefreshError, TransportError
    from google.oauth2.credentials import Credentials

    key = "[store] oauth_client"
    client = _read_json(client_file, key)
    if "installed" not in client:
        kind = "une clé de compte de service" if client.get("type") == "service_account" else "un autre fichier"
        raise ConfigError(f"{key} : {client_file} est {kind}, pas un identifiant OAuth de type « Application de "
                          "bureau ». "
                          + ("Indiquez-le dans [store] credentials à la place. "
                             if client.get("type") == "service_account" else
                             "Créez un « ID client OAuth » de type « Application de bureau » et téléchargez son "
                             "fichier JSON. ") + f"Voir {GUIDE}.")
    credentials = None
    if token_file.is_file():
        files.check_secret(token_file, "Le jeton de connexion à Google", fix=True)  # the tool's own file
        try:
            credentials = Credentials.from_authorized_user_file(str(token_file))
        except (ValueError, KeyError, OSError):
            credentials = None  # a damaged token: sign in again
    if credentials is not None and not set(scopes) <= set(credentials.scopes or []):
        scopes = sorted(set(scopes) | set(credentials.scopes or []))  # keep what was granted before
        credentials = None
    if credentials is not None and not credentials.valid:
        if not credentials.refresh_token:
            credentials = None
        else:
            from google.auth.transport.requests import Request

            try:
                credentials.refresh(auth_request or Request())
                _save_token(credentials, token_file)
            except RefreshError:
                credentials = None  # revoked, or the password changed: sign in again
            except TransportError as exc:
                from .errors import StoreError

                raise StoreError(f"Impossible de joindre Google pour renouveler la connexion ({exc}) : vérifiez "
                                 "la connexion Internet.") from exc
    if credentials is None:
        if not interactive:
            raise ConfigError(
                "Connexion à Google nécessaire avec votre compte ([store] oauth_client), mais ce lancement n'a pas "
                "de terminal (cron ?). Lancez une fois « paniers check » vous-même dans un terminal : le "
                f"navigateur s'ouvrira pour vous connecter, et le jeton sera gardé dans {token_file}."
            )
        credentials = (sign_in if sign_in is not None else _browser_sign_in)(client_file, scopes)
        _save_token(credentials, token_file)
    return credentials


def _browser_sign_in(client_file: Path, scopes: list[str]):
    """Google's installed-app flow: a browser page to sign in, answered on a local port."""
    import webbrowser

    from google_auth_oauthlib.flow import InstalledAppFlow

    flow = InstalledAppFlow.from_client_secrets_file(str(client_file), scopes=scopes)
    options = {
        "port": 0,
        "authorization_prompt_message": "Ouvrez cette adresse dans votre navigateur pour autoriser Paniers :\n{url}",
        "success_message": "Paniers est autorisé. Vous pouvez fermer cet onglet et revenir au terminal.",
    }
    try:
        return flow.run_local_server(open_browser=True, **options)
    except webbrowser.Error:  # no browser on this machine: print the address instead
        return flow.run_local_server(open_browser=False, **options)


def _save_token(credentials, path: Path) -> None:
    """Keep the token where only this user can read it (0600 from its creation, whatever was there before),
    written whole or not at all (``files.write_text``)."""
    files.write_text(path, credentials.to_json(), secret=True)
