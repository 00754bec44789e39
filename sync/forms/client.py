"""The Forms REST API v1 over a ``requests.Session``: read a form, then rewrite it in one guarded batch.

In production the session is google-auth's ``AuthorizedSession`` (a service account the form is
shared with, or a person's own OAuth token); in tests it is a plain ``Session`` with the fake of
``tests/fakes/forms_api.py`` mounted on ``https://forms.googleapis.com/``. Every refusal becomes a
``FormsError`` whose French message says what happened and what to do; nothing here prints.

Retries are bounded: a read is retried on 429, 5xx and timeouts; the batch only on 429 (the request
was refused before anything was done). A batch that timed out may or may not have been applied: it
is never resent blindly, the coordinator is told that running the command again is safe (it reads
the form again and sends only what is still missing).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from urllib.parse import quote

import requests

from ..errors import FormsError

API = "https://forms.googleapis.com/v1/forms/"
SCOPES = ("https://www.googleapis.com/auth/forms.body",)
RETRIED_READ = {429, 500, 502, 503, 504}
RETRIED_WRITE = {429}


class RevisionConflict(FormsError):
    """The form changed between the read and the batch (someone is editing it)."""


class FormsClient:
    def __init__(self, session: requests.Session, *, identity: str | None = None, personal: bool = False,
                 timeout: tuple[float, float] = (10, 60), attempts: int = 4,
                 sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None):
        """``identity``: the service account's address (said in a refusal); ``personal``: the session is a
        person's own Google account."""
        self.session = session
        self.identity = identity
        self.personal = personal
        self.timeout = timeout
        self.attempts = attempts
        self.sleep = sleep
        self.rng = rng or random.Random()

    def get(self, form_id: str) -> dict:
        """``forms.get``: the form with its items, ``revisionId``, ``responderUri``, settings."""
        return self._call("GET", form_id, API + quote(form_id, safe=""), None, RETRIED_READ)

    def batch_update(self, form_id: str, requests_: list[dict], revision_id: str) -> dict:
        """``forms.batchUpdate``: all the requests or none, only if the form is still at ``revision_id``.
        Returns Google's answer, with the updated form (``includeFormInResponse``)."""
        body = {"requests": requests_, "includeFormInResponse": True,
                "writeControl": {"requiredRevisionId": revision_id}}
        return self._call("POST", form_id, API + quote(form_id, safe="") + ":batchUpdate", body, RETRIED_WRITE)

    def _call(self, method: str, form_id: str, url: str, body: dict | None, retried: set[int]) -> dict:
        writing = method != "GET"
        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts
            try:
                response = self.session.request(method, url, json=body, timeout=self.timeout)
            except requests.Timeout as exc:
                if writing or last:
                    raise FormsError(self._timeout_message(writing)) from exc
                self._wait(attempt)
                continue
            except requests.ConnectionError as exc:
                if writing or last:
                    raise FormsError(
                        "Impossible de joindre Google Forms (pas de connexion ?) : vérifiez l'accès à Internet "
                        "et relancez ; relancer la commande est sans risque.") from exc
                self._wait(attempt)
                continue
            if response.status_code < 400:
                try:
                    return response.json()
                except ValueError as exc:
                    raise FormsError("Google Forms a répondu quelque chose d'illisible : relancez dans un moment.") \
                        from exc
            if response.status_code in retried and not last:
                self._wait(attempt, response.headers.get("Retry-After"))
                continue
            raise self._refusal(response, form_id, writing)
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, attempt: int, retry_after: str | None = None) -> None:
        delay = 2 ** attempt + self.rng.uniform(0, 1)
        if retry_after and retry_after.isdigit():
            delay = max(delay, min(float(retry_after), 60.0))
        self.sleep(delay)

    def _timeout_message(self, writing: bool) -> str:
        if writing:
            return ("Google Forms n'a pas répondu à temps à la mise à jour du formulaire : elle a pu être faite "
                    "ou non (c'est tout ou rien, jamais à moitié). Relancez la commande : elle relit le formulaire "
                    "et n'envoie que ce qui manque encore.")
        return ("Google Forms ne répond pas (délai dépassé, plusieurs essais) : rien n'a été modifié. Vérifiez la "
                "connexion à Internet et relancez dans quelques minutes.")

    def _who(self) -> str:
        if self.personal:
            return "votre compte Google"
        return f"le compte de service {self.identity}" if self.identity else "le compte de service"

    def _refusal(self, response: requests.Response, form_id: str, writing: bool) -> FormsError:
        status, message, reasons = _google_error(response)
        code = response.status_code
        text = message.lower()
        nothing = " Rien n'a été modifié." if writing else ""
        if code == 401:
            return FormsError(
                "Google refuse l'identification (clé du compte de service invalide ou révoquée, ou connexion "
                "expirée) : vérifiez [store] credentials, ou reconnectez-vous avec votre compte." + nothing)
        if code == 403 and ("SERVICE_DISABLED" in reasons or "has not been used" in text or "is disabled" in text):
            return FormsError(
                "L'API Google Forms n'est pas activée dans le projet Google Cloud de ce compte : sur "
                "console.cloud.google.com, « API et services » → « Bibliothèque » → « Google Forms API » → "
                "« Activer », attendez quelques minutes et relancez." + nothing)
        if code == 403 and ("ACCESS_TOKEN_SCOPE_INSUFFICIENT" in reasons or "scope" in text):
            return FormsError(
                "L'autorisation donnée à paniers ne couvre pas la modification des formulaires Google "
                f"({SCOPES[0]}) : reconnectez-vous en acceptant l'accès aux formulaires." + nothing)
        if code == 403:
            if self.personal:
                advice = ("votre compte Google n'a pas le droit de le modifier : connectez-vous avec le compte qui "
                          "l'a créé, ou demandez à sa propriétaire de vous ajouter comme éditrice.")
            else:
                who = self.identity or "l'adresse « client_email » du fichier de clé du compte de service"
                advice = (f"il n'est pas partagé avec le compte de service {who}. Dans le formulaire : ⋮ → "
                          f"« Ajouter des collaborateurs » → {who}, rôle « Éditeur », puis relancez. (Autre "
                          "possibilité : utiliser votre propre compte Google, [store] oauth_client.)")
            return FormsError(f"Google refuse l'accès au formulaire {form_id} : {advice}{nothing}")
        if code == 404:
            return FormsError(
                f"Formulaire introuvable ({form_id}) : vérifiez [forms] form_id, la partie entre /forms/d/ et /edit "
                "de l'adresse du formulaire quand vous le modifiez (l'adresse en /forms/d/e/…, celle des foyers, ne "
                f"convient pas). S'il existe bien, partagez-le avec {self._who()}." + nothing)
        if writing and (code == 409 or status in ("FAILED_PRECONDITION", "ABORTED") or "revision" in text):
            return RevisionConflict(
                "Le formulaire a changé entre sa lecture et sa mise à jour : quelqu'un est sans doute en train de "
                "le modifier. Rien n'a été changé. Réessayez dans quelques minutes, une fois l'édition terminée.")
        if code == 429 or code >= 500:
            return FormsError(
                f"Google Forms est surchargé ou indisponible pour le moment (code {code}), même après plusieurs "
                f"essais.{nothing} Réessayez dans quelques minutes.")
        return FormsError(
            f"Google Forms a refusé la demande (code {code}, {status or 'sans détail'} : {message or '—'})."
            f"{nothing} Si cela se reproduit, signalez-le avec ce message : c'est sans doute un défaut de paniers.")


def _google_error(response: requests.Response) -> tuple[str, str, set[str]]:
    """``(status, message, reasons)`` of Google's error body ``{"error": {...}}``, whatever is missing."""
    try:
        error = response.json().get("error", {})
    except ValueError:
        return "", response.text[:200], set()
    if not isinstance(error, dict):
        return "", str(error)[:200], set()
    reasons = {d.get("reason", "") for d in error.get("details", []) if isinstance(d, dict)}
    return str(error.get("status", "")), str(error.get("message", "")), reasons
