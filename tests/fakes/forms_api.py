"""An in-process fake of the Google Forms REST API v1, as a ``requests`` transport adapter.

Mounted on ``https://forms.googleapis.com/`` of a plain ``requests.Session`` (``fake.session()``),
with an adapter that refuses any other host, so the real client code builds and parses real HTTP
requests and responses. It keeps forms in memory and answers ``forms.get`` and ``forms.batchUpdate``
the way the API documents them:

- a batch is all or nothing: any invalid request → 400 ``INVALID_ARGUMENT`` and the form unchanged;
- ``writeControl.requiredRevisionId`` not the current revision → 400 ``FAILED_PRECONDITION``
  (the API reference: « If this is not the latest revision of the form, the request is not
  processed and returns a 400 bad request error »); each applied batch makes a new revision;
- ids: ``itemId`` and ``questionId`` are 8 hexadecimal digits, assigned when not given; a given id
  must not be in use; ``updateItem`` keeps the ids it is given for the fields in its mask;
- grid columns may only be ``RADIO`` or ``CHECKBOX``; choice options must be non-empty and distinct;
- ``moveItem`` takes the item out of ``originalLocation`` and puts it at ``newLocation``;
- answers drop false booleans and empty strings, as proto3 JSON does;
- a call log (``calls``), and failures to inject: an HTTP error for the next call(s), a timeout,
  a form not shared (403), someone editing the form in between (``edit_meanwhile``).

Before that, every request is checked against Google's own reference, the Forms API v1 discovery document
shipped with google-api-python-client (``forms.v1.json``, revision 20250422 when written; ``discovery.py``):
unknown query parameters or body fields, wrong JSON types, enum values, missing required fields of a request,
the ``fields`` mask and the ``updateMask`` of ``updateItem``/``updateFormInfo``/``updateSettings`` → 400
``INVALID_ARGUMENT`` in Google's shape, nothing applied (``validate = False`` turns that off).
"""

from __future__ import annotations

import copy
import json
import random
import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from . import discovery

HOST = "https://forms.googleapis.com/"
_PATH = re.compile(r"^/v1/forms/(?P<id>[^/:]+)(?P<verb>:batchUpdate)?$")
KINDS = ("questionItem", "questionGroupItem", "pageBreakItem", "textItem", "imageItem", "videoItem")


class BadRequest(Exception):
    pass


@dataclass
class Call:
    method: str
    path: str
    body: Any = None


@dataclass
class Failure:
    status: int
    message: str
    grpc: str
    reason: str | None = None
    method: str | None = None  # only for this method ("GET" or "POST"), else any
    timeout: bool = False


@dataclass
class FakeForm:
    form_id: str
    info: dict
    items: list[dict]
    revision: int = 1
    published_id: str = ""
    linked_sheet_id: str | None = None
    email_collection: str | None = "RESPONDER_INPUT"
    shared: bool = True
    published: bool | None = None  # None: a legacy form, without publishSettings
    accepting: bool = True
    extra_edits: int = 0  # edits « someone » makes right after the next read

    def view(self) -> dict:
        form = {
            "formId": self.form_id,
            "info": {k: v for k, v in self.info.items() if v},
            "revisionId": f"rev{self.revision:05d}",
            "responderUri": f"https://docs.google.com/forms/d/e/{self.published_id}/viewform",
        }
        if self.items:
            form["items"] = _proto3(copy.deepcopy(self.items))
        if self.email_collection:
            form["settings"] = {"emailCollectionType": self.email_collection}
        if self.linked_sheet_id:
            form["linkedSheetId"] = self.linked_sheet_id
        if self.published is not None:
            form["publishSettings"] = _proto3({"publishState": {
                "isPublished": self.published, "isAcceptingResponses": self.published and self.accepting}})
        return form


@dataclass
class FormsApiFake(BaseAdapter):
    seed: int = 0
    forms: dict[str, FakeForm] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    failures: deque = field(default_factory=deque)
    # Whether Forms keeps the non-breaking spaces of titles, descriptions and choices as sent ("4,50\u00a0€")
    # or turns them into ordinary spaces: the reference does not say, so tests run publish-form both ways.
    normalise_spaces: bool = False
    validate = True  # (not a dataclass field) every request checked against Google's discovery document first

    def __post_init__(self):
        super().__init__()
        self.rng = random.Random(self.seed)

    # --- set-up, for tests ---------------------------------------------------------------------

    def add_form(self, form_id: str, title: str = "Formulaire sans titre", items: list[dict] | None = None,
                 **options) -> FakeForm:
        """A form a person created in the Forms UI (by default with Google's untitled first question)."""
        if items is None:
            items = [{"title": "Question sans titre", "questionItem": {"question": {
                "choiceQuestion": {"type": "RADIO", "options": [{"value": "Option 1"}]}}}}]
        form = FakeForm(form_id, {"title": title, "documentTitle": title, "description": ""}, [],
                        published_id=options.pop("published_id", f"1FAIpQLS{form_id[:10]}pub"), **options)
        for item in items:
            form.items.append(self._with_ids(copy.deepcopy(item), form))
        self.forms[form_id] = form
        return form

    def session(self) -> requests.Session:
        """A plain session that reaches this fake and nothing else."""
        session = requests.Session()
        session.mount("https://", Refuse())
        session.mount("http://", Refuse())
        session.mount(HOST, self)
        return session

    def fail_next(self, status: int, message: str = "", grpc: str = "", reason: str | None = None,
                  method: str | None = None, times: int = 1) -> None:
        for _ in range(times):
            self.failures.append(Failure(status, message, grpc, reason, method))

    def timeout_next(self, method: str | None = None, times: int = 1) -> None:
        for _ in range(times):
            self.failures.append(Failure(0, "", "", method=method, timeout=True))

    def edit_meanwhile(self, form_id: str) -> None:
        """Someone edits the form in the Forms UI right after the next read."""
        self.forms[form_id].extra_edits += 1

    def batches(self) -> list[dict]:
        return [c.body for c in self.calls if c.method == "POST"]

    # --- the transport ---------------------------------------------------------------------------

    def send(self, request: requests.PreparedRequest, **kwargs) -> requests.Response:
        parts = urlsplit(request.url)
        body = json.loads(request.body) if request.body else None
        self.calls.append(Call(request.method, parts.path, body))
        if self.failures and self.failures[0].method in (None, request.method):
            failure = self.failures.popleft()
            if failure.timeout:
                raise requests.exceptions.ReadTimeout("fake: no answer in time", request=request)
            return _error(request, failure.status, failure.message, failure.grpc, failure.reason)
        if self.validate and (refused := discovery.load("forms.v1").check(request.method, request.url, body)):
            return _answer(request, 400, refused)  # Google's reference refuses it: nothing is applied
        match = _PATH.match(parts.path)
        if not match:
            return _error(request, 404, "Method not found.", "NOT_FOUND")
        form = self.forms.get(unquote(match.group("id")))
        if form is None:
            return _error(request, 404, "Requested entity was not found.", "NOT_FOUND")
        if not form.shared:
            return _error(request, 403, "The caller does not have permission", "PERMISSION_DENIED")
        if request.method == "GET" and not match.group("verb"):
            view = form.view()
            if form.extra_edits:
                form.revision += form.extra_edits
                form.extra_edits = 0
            return _answer(request, 200, view)
        if request.method == "POST" and match.group("verb"):
            return self._batch(request, form, body or {})
        return _error(request, 405, "Method not allowed.", "INVALID_ARGUMENT")

    def close(self) -> None:
        pass

    def _batch(self, request, form: FakeForm, body: dict) -> requests.Response:
        required = body.get("writeControl", {}).get("requiredRevisionId")
        if required is not None and required != f"rev{form.revision:05d}":
            return _error(request, 400, f"The required revision ID '{required}' does not match the form's latest "
                                        "revision.", "FAILED_PRECONDITION")
        draft = copy.deepcopy(form)
        replies = []
        try:
            requests_ = body.get("requests")
            if not requests_:
                raise BadRequest("requests: at least one request is required")
            for number, item in enumerate(requests_):
                if not isinstance(item, dict) or len(item) != 1:
                    raise BadRequest(f"requests[{number}]: exactly one kind of request expected")
                (kind, detail), = item.items()
                handler = getattr(self, f"_{kind}", None)
                if handler is None:
                    raise BadRequest(f"requests[{number}]: unknown request {kind}")
                replies.append(handler(draft, detail))
        except (BadRequest, KeyError, TypeError, ValueError) as exc:
            return _error(request, 400, f"Invalid requests: {exc}", "INVALID_ARGUMENT")
        draft.revision += 1
        self.forms[form.form_id] = draft
        answer = {"replies": replies, "writeControl": {"requiredRevisionId": f"rev{draft.revision:05d}"}}
        if body.get("includeFormInResponse"):
            answer["form"] = draft.view()
        return _answer(request, 200, answer)

    # --- the requests of a batch ----------------------------------------------------------------

    def _createItem(self, form: FakeForm, detail: dict) -> dict:
        # The reference (forms.v1 discovery document, Location.index): "This must be in the range [0..N), where
        # N is the number of items in the form." Read strictly, an item cannot be appended at N: the fake
        # refuses it, so that the code works under that reading too. An empty form still takes index 0, as in
        # Google's own guide ("Create a form or quiz", which adds the first question of a new form at index 0).
        index = _index(detail, "location", max(len(form.items), 1))
        item = self._with_ids(_stored(copy.deepcopy(detail["item"]), self.normalise_spaces), form)
        form.items.insert(index, item)
        return {"createItem": {"itemId": item["itemId"], "questionId": _question_ids(item)}}

    def _deleteItem(self, form: FakeForm, detail: dict) -> dict:
        del form.items[_index(detail, "location", len(form.items))]
        return {}

    def _moveItem(self, form: FakeForm, detail: dict) -> dict:
        origin = _index(detail, "originalLocation", len(form.items))
        target = _index(detail, "newLocation", len(form.items))
        form.items.insert(target, form.items.pop(origin))
        return {}

    def _updateItem(self, form: FakeForm, detail: dict) -> dict:
        index = _index(detail, "location", len(form.items))
        mask = [m.strip() for m in detail.get("updateMask", "").split(",") if m.strip()]
        if not mask:
            raise BadRequest("updateItem: updateMask is required")
        old = form.items[index]
        new = copy.deepcopy(old)
        given = _stored(copy.deepcopy(detail["item"]), self.normalise_spaces)
        for path in mask:
            if path not in ("title", "description", *KINDS):
                raise BadRequest(f"updateItem: cannot update {path}")
            if path in given:
                new[path] = copy.deepcopy(given[path])
            else:
                new.pop(path, None)
        kinds = [k for k in KINDS if k in new]
        if len(kinds) != 1:
            raise BadRequest("updateItem: an item has exactly one kind")
        others = [i for n, i in enumerate(form.items) if n != index]
        used = {q for i in others for q in _question_ids(i)}
        for question in _questions(new):
            qid = question.get("questionId")
            if not qid:
                question["questionId"] = self._new_id(used)
            elif qid in used:
                raise BadRequest(f"question id {qid} is already used")
            used.add(question["questionId"])
        _validate(new)
        form.items[index] = new
        return {}

    def _updateFormInfo(self, form: FakeForm, detail: dict) -> dict:
        mask = [m.strip() for m in detail.get("updateMask", "").split(",") if m.strip()]
        if not mask:
            raise BadRequest("updateFormInfo: updateMask is required")
        fields = ("title", "description") if mask == ["*"] else mask
        for path in fields:
            if path not in ("title", "description"):
                raise BadRequest(f"updateFormInfo: cannot update {path}")
            form.info[path] = _stored(detail.get("info", {}).get(path, ""), self.normalise_spaces)
        if not form.info.get("title"):
            raise BadRequest("info.title is required")
        return {}

    def _updateSettings(self, form: FakeForm, detail: dict) -> dict:
        value = detail.get("settings", {}).get("emailCollectionType")
        if "emailCollectionType" in detail.get("updateMask", ""):
            form.email_collection = value
        return {}

    def _with_ids(self, item: dict, form: FakeForm) -> dict:
        used_items = {i.get("itemId") for i in form.items}
        used = {q for i in form.items for q in _question_ids(i)}
        if item.get("itemId"):
            if item["itemId"] in used_items:
                raise BadRequest(f"item id {item['itemId']} is already used")
        else:
            item["itemId"] = self._new_id(used_items)
        for question in _questions(item):
            if question.get("questionId"):
                if question["questionId"] in used:
                    raise BadRequest(f"question id {question['questionId']} is already used")
            else:
                question["questionId"] = self._new_id(used)
            used.add(question["questionId"])
        _validate(item)
        return item

    def _new_id(self, used: set) -> str:
        while True:
            candidate = f"{self.rng.getrandbits(31):08x}"
            if candidate not in used:
                return candidate


class Refuse(BaseAdapter):
    """Any host but the fake's: a test must never reach the network."""

    def send(self, request, **kwargs):
        raise requests.exceptions.ConnectionError(f"test session: no network ({request.url})")

    def close(self):
        pass


def _questions(item: dict) -> list[dict]:
    if "questionItem" in item:
        return [item["questionItem"].setdefault("question", {})]
    if "questionGroupItem" in item:
        return item["questionGroupItem"].setdefault("questions", [])
    return []


def _question_ids(item: dict) -> list[str]:
    return [q["questionId"] for q in _questions(item) if q.get("questionId")]


_ODD_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})


def _stored(node: Any, normalise: bool) -> Any:
    """What the form keeps of the texts sent (see ``FormsApiFake.normalise_spaces``)."""
    if not normalise:
        return node
    if isinstance(node, str):
        return node.translate(_ODD_SPACES)
    if isinstance(node, list):
        return [_stored(v, normalise) for v in node]
    if isinstance(node, dict):
        return {k: _stored(v, normalise) for k, v in node.items()}
    return node


def _index(detail: dict, name: str, size: int) -> int:
    index = detail[name]["index"]
    if not isinstance(index, int) or not 0 <= index < size:
        raise BadRequest(f"{name}.index {index} out of range [0, {size})")
    return index


def _validate(item: dict) -> None:
    kinds = [k for k in KINDS if k in item]
    if len(kinds) != 1:
        raise BadRequest(f"an item has exactly one kind, found {kinds}")
    if "questionItem" in item:
        question = item["questionItem"]["question"]
        kinds = [k for k in question if k.endswith("Question")]
        if len(kinds) != 1 or kinds[0] == "rowQuestion":
            raise BadRequest(f"a question has exactly one kind, found {kinds}")
        if "choiceQuestion" in question:
            _validate_choice(question["choiceQuestion"], ("RADIO", "CHECKBOX", "DROP_DOWN"))
    if "questionGroupItem" in item:
        group = item["questionGroupItem"]
        if not group.get("questions"):
            raise BadRequest("questionGroupItem.questions is required")
        if "grid" in group:
            _validate_choice(group["grid"]["columns"], ("RADIO", "CHECKBOX"))
            if any(set(q) - {"questionId", "required", "rowQuestion"} or "rowQuestion" not in q
                   for q in group["questions"]):
                raise BadRequest("the questions of a grid must be rowQuestion")


def _validate_choice(choice: dict, types: tuple[str, ...]) -> None:
    if choice.get("type") not in types:
        raise BadRequest(f"choice type {choice.get('type')} not allowed here (allowed: {', '.join(types)})")
    values = [o.get("value", "") for o in choice.get("options", [])]
    if not values or any(not v for v in values):
        raise BadRequest("options must be non-empty")
    if len(set(values)) != len(values):
        raise BadRequest("duplicate option values")
    if choice["type"] == "DROP_DOWN" and any(o.get("isOther") for o in choice["options"]):
        raise BadRequest("isOther is not allowed in a DROP_DOWN")


def _proto3(value):
    """JSON as Google's proto3 mapping writes it: no false booleans, no empty strings."""
    if isinstance(value, dict):
        return {k: _proto3(v) for k, v in value.items() if v is not False and v != ""}
    if isinstance(value, list):
        return [_proto3(v) for v in value]
    return value


def _answer(request, status: int, payload: dict) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(payload).encode("utf-8")
    response.headers = CaseInsensitiveDict({"Content-Type": "application/json; charset=UTF-8"})
    response.url = request.url
    response.request = request
    response.encoding = "utf-8"
    return response


def _error(request, status: int, message: str, grpc: str, reason: str | None = None) -> requests.Response:
    error: dict = {"code": status, "message": message, "status": grpc}
    if reason:
        error["details"] = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason,
                             "domain": "googleapis.com"}]
    return _answer(request, status, {"error": error})
