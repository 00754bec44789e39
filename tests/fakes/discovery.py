"""Google's own reference for the fakes: every request checked against the official discovery document.

The google-api-python-client wheel ships the discovery documents of Google's APIs
(``googleapiclient/discovery_cache/documents/sheets.v4.json``, ``forms.v1.json``): every method's HTTP verb and
path, its query parameters, the schema of its request and response bodies, enum values. Only the JSON is read
here; nothing of googleapiclient's discovery machinery is imported, and ``sync/`` never imports it at all.

``Discovery.check(verb, url, body)`` answers ``None`` when Google would accept the request, or Google's error
body (HTTP 400, ``INVALID_ARGUMENT`` with a ``google.rpc.BadRequest`` listing each field violation). It checks:

- the method, matched by verb and path against the ``flatPath``/``path`` templates (``method(verb, path)``
  gives its id, e.g. ``sheets.spreadsheets.values.batchGet``); an unknown path is left to the fake (404);
- query parameters: each is a parameter of the method or a global one of the document (camelCase or
  snake_case, as Google binds both); enums hold one of their values, booleans are ``true``/``false`` in any case,
  integers parse, only ``repeated`` parameters may be given more than once;
- the JSON body against the method's ``request`` schema, recursively through ``$ref``: unknown names, JSON types
  (proto3 JSON mapping: integers and doubles also as strings, int64 as string or number, ``null`` for any field
  means "not set", ``any`` takes anything, ``additionalProperties`` maps), enum values (names, or their numbers),
  and the fields a request message (a schema named ``…Request``) describes as "Required.";
- field masks: the ``fields`` query parameter against the method's response schema, and request masks
  (``"format": "google-fieldmask"``) against the schema they apply to (``MASK_TARGETS``), with the syntax
  ``a.b,c(d,e(f)),*`` (``/`` also separates, names in camelCase or snake_case, ``*`` any field from there).

Output-only fields (``readOnly``, "Output only." in their description) sent in a request are accepted and
their type still checked: Google's API design rule (AIP-203) is that the server ignores them in input, and a
client that sends back a resource it read (a Forms item with its ids, say) relies on that. ``deprecated``
fields are accepted as well.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import math
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

# The schema each request field mask applies to, as the document describes the mask (its description is quoted
# here and checked against the document by tests/test_fake_discovery.py, so a new revision that changes one is
# noticed). Masks not listed are checked for syntax only.
MASK_TARGETS: dict[tuple[str, str, str], tuple[str, str]] = {
    # (document, schema, property) -> (schema the mask's paths start from, the description that says so)
    ("sheets", "UpdateCellsRequest", "fields"): (
        "CellData", "The fields of CellData that should be updated. At least one field must be specified. "
                    "The root is the CellData; 'row.values.' should not be specified."),
    ("sheets", "AppendCellsRequest", "fields"): (
        "CellData", "The fields of CellData that should be updated. At least one field must be specified. "
                    "The root is the CellData; 'row.values.' should not be specified."),
    ("sheets", "RepeatCellRequest", "fields"): (  # RepeatCellRequest.cell is a CellData
        "CellData", "The fields that should be updated. At least one field must be specified. "
                    "The root `cell` is implied and should not be specified."),
    ("sheets", "UpdateSheetPropertiesRequest", "fields"): (  # UpdateSheetPropertiesRequest.properties
        "SheetProperties", "The fields that should be updated. At least one field must be specified. "
                           "The root `properties` is implied and should not be specified."),
    ("sheets", "UpdateSpreadsheetPropertiesRequest", "fields"): (  # .properties is a SpreadsheetProperties
        "SpreadsheetProperties", "The fields that should be updated. At least one field must be specified. "
                                 "The root 'properties' is implied and should not be specified."),
    ("forms", "UpdateItemRequest", "updateMask"): (  # the mask names fields of the request's `item`, an Item
        "Item", "Required. Only values named in this mask are changed."),
    ("forms", "UpdateFormInfoRequest", "updateMask"): (  # UpdateFormInfoRequest.info is an Info
        "Info", "Required. Only values named in this mask are changed. At least one field must be specified. "
                "The root `info` is implied and should not be specified."),
    ("forms", "UpdateSettingsRequest", "updateMask"): (  # UpdateSettingsRequest.settings is a FormSettings
        "FormSettings", "Required. Only values named in this mask are changed. At least one field must be "
                        "specified. The root `settings` is implied and should not be specified."),
}

# Google's wording, as real answers quote it (public bug reports; the exact text is Google's, the paths ours):
# - an unknown name in a body: 'Invalid JSON payload received. Unknown name "data" at 'data': Cannot find field.'
#   (googleapis/google-api-dotnet-client#2161, googleapis/google-api-nodejs-client#1380; the path names fields
#   in snake_case with [index], one google.rpc.BadRequest fieldViolation per name: router-for-me/CLIProxyAPI#1531);
# - an unknown query parameter: 'Invalid JSON payload received. Unknown name "x": Cannot bind query parameter.
#   Field 'x' could not be found in request message.' (VBA-tools/VBA-Web#332);
# - a list for a field that is not repeated: '... Proto field is not repeating, cannot start list.';
# - a wrong enum value: 'Invalid value at 'value_input_option'
#   (type.googleapis.com/google.apps.sheets.v4.ValueInputOption), "USER_ENTER"'
#   (johnkhansrc/NestGoogleSheetConnector#6); a wrong scalar: 'Invalid value at '...' (TYPE_INT32), "abc"';
#   the enum's type name is built from the field's name (the document does not give it): an approximation;
# - a response mask: message 'Request contains an invalid argument.', violation "Error expanding 'fields'
#   parameter. Cannot find matching fields for path 'sheets.sheetProperties'." (tidyverse/gargle's recorded
#   Sheets answer; ringo380/claude-google-sheets-mcp#2);
# - Sheets prefixes the checks of its batchUpdate with 'Invalid requests[0].updateCells: ', e.g. 'Invalid
#   requests[0].updateCells: At least one field must be listed in 'fields'.' (several public reports); a mask
#   naming a field that does not exist and a missing required field were not found verbatim: those sentences
#   are ours, after that prefix (used for the Forms batchUpdate too).
# - also ours (not found verbatim): a non-repeated query parameter given twice, a body that is not an object.
UNKNOWN_NAME = "Invalid JSON payload received. Unknown name \"{name}\"{at}: Cannot find field."
UNKNOWN_PARAMETER = ("Invalid JSON payload received. Unknown name \"{name}\": Cannot bind query parameter. "
                     "Field '{name}' could not be found in request message.")
NOT_REPEATING = "Invalid JSON payload received. Unknown name \"{name}\"{at}: Proto field is not repeating, " \
                "cannot start list."
INVALID_VALUE = "Invalid value at '{path}' ({type}), {value}"
BAD_RESPONSE_MASK = "Error expanding 'fields' parameter. Cannot find matching fields for path '{path}'."
BAD_REQUEST_MASK = ("{prefix}Invalid field mask \"{mask}\": trying to access a field \"{field}\" that does not exist "
                    "in {target}.")
BAD_MASK_SYNTAX = "{prefix}Invalid field mask \"{mask}\": {reason}."
MISSING = "{prefix}{field} is required."

_SCALAR_TYPES = {("integer", "int32"): "TYPE_INT32", ("integer", "uint32"): "TYPE_UINT32",
                 ("string", "int64"): "TYPE_INT64", ("string", "uint64"): "TYPE_UINT64",
                 ("integer", "int64"): "TYPE_INT64", ("number", "double"): "TYPE_DOUBLE",
                 ("number", "float"): "TYPE_FLOAT", ("boolean", None): "TYPE_BOOL"}
_INT_RANGES = {"int32": (-2**31, 2**31 - 1), "uint32": (0, 2**32 - 1), "int64": (-2**63, 2**63 - 1),
               "uint64": (0, 2**64 - 1)}


@dataclass(frozen=True)
class Violation:
    field: str
    description: str


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def document_path(name: str):
    """Where the installed google-api-python-client keeps the discovery document ``name`` (e.g. "sheets.v4")."""
    return importlib.resources.files("googleapiclient") / "discovery_cache" / "documents" / f"{name}.json"


@functools.cache
def load(name: str) -> Discovery:
    """The discovery document ``name`` ("sheets.v4", "forms.v1"), read once per test session."""
    return Discovery(json.loads(document_path(name).read_text(encoding="utf-8")))


class Discovery:
    def __init__(self, document: dict):
        self.document = document
        self.name: str = document["name"]
        self.version: str = document["version"]
        self.revision: str = document["revision"]
        self.schemas: dict[str, dict] = document["schemas"]
        self.globals: dict[str, dict] = document.get("parameters", {})
        self.package = f"google.apps.{self.name}.{self.version}"
        self.methods: list[tuple[str, re.Pattern, dict]] = []
        self._collect(document.get("resources", {}))

    def _collect(self, resources: dict) -> None:
        for resource in resources.values():
            for method in resource.get("methods", {}).values():
                template = method.get("flatPath") or method["path"]
                self.methods.append((method["httpMethod"], _template(self.document.get("servicePath", ""),
                                                                     template), method))
            self._collect(resource.get("resources", {}))

    # --- the method --------------------------------------------------------------------------------

    def method(self, verb: str, path: str) -> dict | None:
        """The method a request is for (by HTTP verb and URL path, still percent-encoded), or None."""
        for method_verb, pattern, method in self.methods:
            if method_verb == verb and pattern.match(path):
                return method
        return None

    # --- the whole request -------------------------------------------------------------------------

    def check(self, verb: str, url: str, body: Any = None) -> dict | None:
        """None when Google would accept the request (or does not know its path: the fake says 404), else
        Google's 400 error body."""
        parts = urlsplit(url)
        method = self.method(verb, parts.path)
        if method is None:
            return None
        violations = self.violations(method, parse_qs(parts.query, keep_blank_values=True), body)
        return error_body(violations) if violations else None

    def violations(self, method: dict, query: dict[str, list[str]], body: Any) -> list[Violation]:
        found: list[Violation] = []
        self._check_query(method, query, found)
        if "request" in method and body is not None:
            if isinstance(body, dict):
                self._check_value(body, method["request"], "", found)
            else:
                found.append(Violation("", "Invalid JSON payload received. Root element must be a message."))
        return found

    def _check_query(self, method: dict, query: dict[str, list[str]], found: list[Violation]) -> None:
        declared = {**self.globals, **method.get("parameters", {})}
        for given, values in query.items():
            name = given if given in declared else camel(given)
            spec = declared.get(name)
            if spec is None:
                found.append(Violation(given, UNKNOWN_PARAMETER.format(name=given)))
                continue
            if len(values) > 1 and not spec.get("repeated"):
                found.append(Violation(snake(name), f"Invalid JSON payload received. Repeated values for field "
                                                    f"'{snake(name)}' that is not repeated."))
                continue
            for value in values:
                problem = _parameter_problem(value, spec)
                if problem is not None:
                    type_name = (f"type.googleapis.com/{self.package}.{name[:1].upper()}{name[1:]}"
                                 if "enum" in spec else problem)
                    found.append(Violation(snake(name), INVALID_VALUE.format(
                        path=snake(name), type=type_name, value=json.dumps(value))))
            if name == "fields":
                response = method.get("response")
                for value in values:
                    self._check_response_mask(value, response, found)

    def _check_response_mask(self, mask: str, response: dict | None, found: list[Violation]) -> None:
        try:
            paths = parse_mask(mask)
        except ValueError as exc:
            found.append(Violation("fields", f"Error expanding 'fields' parameter. {exc}."))
            return
        for path in paths:
            if response is None or not self.has_path(response, path):
                found.append(Violation("fields", BAD_RESPONSE_MASK.format(path=".".join(path))))

    # --- bodies ------------------------------------------------------------------------------------

    def resolve(self, schema: dict) -> dict:
        while "$ref" in schema:
            schema = self.schemas[schema["$ref"]]
        return schema

    def _check_value(self, value: Any, schema: dict, path: str, found: list[Violation],
                     owner: tuple[str, str] | None = None) -> None:
        if value is None:  # proto3 JSON: null is the field's default, i.e. not set
            return
        ref = schema.get("$ref")
        schema = self.resolve(schema)
        kind = schema.get("type")
        if kind == "any":
            return
        if kind == "array":
            if not isinstance(value, list):
                found.append(Violation(path, INVALID_VALUE.format(path=path, type="TYPE_MESSAGE repeated",
                                                                  value=_short(value))))
                return
            for index, item in enumerate(value):
                self._check_value(item, schema.get("items", {}), f"{path}[{index}]", found)
            return
        if isinstance(value, list):
            name, at = _split(path)
            found.append(Violation(path.rpartition(".")[0], NOT_REPEATING.format(name=name, at=at)))
            return
        if kind == "object" or "properties" in schema:
            if not isinstance(value, dict):
                type_name = f"type.googleapis.com/{self.package}.{ref}" if ref else "TYPE_MESSAGE"
                found.append(Violation(path, INVALID_VALUE.format(path=path, type=type_name, value=_short(value))))
                return
            extra = schema.get("additionalProperties")
            if extra is not None and "properties" not in schema:
                for key, item in value.items():
                    self._check_value(item, extra, f"{path}[{key}]", found)
                return
            properties = schema.get("properties", {})
            if schema.get("id", "").endswith("Request"):  # what a request message says it needs
                for name, spec in properties.items():
                    if spec.get("description", "").startswith("Required.") and value.get(name, value.get(
                            snake(name))) is None:
                        found.append(Violation(_join(path, snake(name)), MISSING.format(
                            prefix=_request_prefix(path + "."), field=name)))
            for key, item in value.items():
                name = key if key in properties else camel(key)
                if name not in properties:
                    at = f" at '{path}'" if path else ""
                    found.append(Violation(path, UNKNOWN_NAME.format(name=key, at=at)))
                    continue
                self._check_value(item, properties[name], _join(path, snake(name)), found,
                                  owner=(schema.get("id", ""), name))
            return
        problem = _scalar_problem(value, schema)
        if problem is not None:
            if "enum" in schema:
                tail = path.rsplit(".", 1)[-1].split("[")[0]
                problem = f"type.googleapis.com/{self.package}.{camel(tail)[:1].upper()}{camel(tail)[1:]}"
            found.append(Violation(path, INVALID_VALUE.format(path=path, type=problem, value=_short(value))))
            return
        if schema.get("format") == "google-fieldmask" and owner is not None:
            self._check_request_mask(value, owner, path, found)

    def _check_request_mask(self, mask: str, owner: tuple[str, str], path: str, found: list[Violation]) -> None:
        prefix = _request_prefix(path)
        if not mask:  # an empty FieldMask: no path at all
            description = self.schemas[owner[0]]["properties"][owner[1]].get("description", "")
            if "At least one field must be specified" in description or description.startswith("Required."):
                found.append(Violation(path, f"{prefix}At least one field must be listed in '{owner[1]}'."))
            return
        try:
            paths = parse_mask(mask)
        except ValueError as exc:
            found.append(Violation(path, BAD_MASK_SYNTAX.format(prefix=prefix, mask=mask, reason=exc)))
            return
        target = MASK_TARGETS.get((self.name, *owner))
        if target is None:
            return
        root = {"$ref": target[0]}
        for names in paths:
            if not self.has_path(root, names):
                found.append(Violation(path, BAD_REQUEST_MASK.format(
                    prefix=prefix, mask=mask, field=".".join(names), target=f"{self.package}.{target[0]}")))

    # --- field paths -------------------------------------------------------------------------------

    def has_path(self, schema: dict, names: tuple[str, ...]) -> bool:
        """Whether ``names`` (a path of a field mask) leads to a field of ``schema``."""
        for name in names:
            schema = self.resolve(schema)
            while schema.get("type") == "array":
                schema = self.resolve(schema.get("items", {}))
            if name == "*" or schema.get("type") == "any":
                return True
            properties = schema.get("properties")
            if properties is None:
                if "additionalProperties" in schema:  # a map: any key
                    schema = schema["additionalProperties"]
                    continue
                return False
            key = name if name in properties else camel(name)
            if key not in properties:
                return False
            schema = properties[key]
        return True


def parse_mask(text: str) -> list[tuple[str, ...]]:
    """A field mask's paths: ``a.b,c(d,e(f))`` gives ``a.b``, ``c.d``, ``c.e.f``. ValueError when malformed."""
    position = 0

    def names() -> list[str]:
        nonlocal position
        found = [""]
        while position < len(text) and text[position] not in ",()":
            char = text[position]
            if char in "./":
                found.append("")
            elif char.isalnum() or char in "_*":
                found[-1] += char
            else:
                raise ValueError(f"unexpected character {char!r} at {position}")
            position += 1
        if any(not name for name in found):
            raise ValueError(f"empty field name before position {position}")
        return found

    def mask(depth: int) -> list[tuple[str, ...]]:
        nonlocal position
        paths: list[tuple[str, ...]] = []
        while True:
            prefix = names()
            if position < len(text) and text[position] == "(":
                position += 1
                paths.extend((*prefix, *tail) for tail in mask(depth + 1))
                if position >= len(text) or text[position] != ")":
                    raise ValueError("missing ')'")
                position += 1
            else:
                paths.append(tuple(prefix))
            if position < len(text) and text[position] == ",":
                position += 1
                continue
            break
        if depth == 0 and position != len(text):
            raise ValueError(f"unexpected {text[position]!r} at {position}")
        return paths

    if not text:
        raise ValueError("empty field mask")
    return mask(0)


def error_body(violations: list[Violation]) -> dict:
    """Google's answer to an invalid request: every violation, one message (the first when several)."""
    message = "\n".join(v.description for v in violations)
    if all(v.field == "fields" and v.description.startswith("Error expanding") for v in violations):
        message = "Request contains an invalid argument."
    return {"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT", "details": [{
        "@type": "type.googleapis.com/google.rpc.BadRequest",
        "fieldViolations": [{"field": v.field, "description": v.description} for v in violations]}]}}


def _template(service_path: str, template: str) -> re.Pattern:
    pattern = ""
    for literal, reserved, name in re.findall(r"([^{]*)(?:\{(\+?)([^}]*)\})?", service_path + template):
        pattern += re.escape(literal)
        if name:
            pattern += ".+" if reserved else "[^/]+"
    return re.compile(f"^/{pattern}$")


def _parameter_problem(value: str, spec: dict) -> str | None:
    """The type Google expected when a query parameter's text is not one, else None."""
    kind, form = spec.get("type"), spec.get("format")
    if "enum" in spec:
        return None if value in spec["enum"] else "TYPE_ENUM"
    if kind == "boolean":
        # Case does not matter: gspread's append_row sends includeValuesInResponse=False (Python's str(False)),
        # and that request works against the real API (gspread 6.2.1, values_append, used by thousands).
        return None if value.lower() in ("true", "false") else "TYPE_BOOL"
    if kind == "integer" or form in _INT_RANGES:
        low, high = _INT_RANGES.get(form or "int32", _INT_RANGES["int32"])
        return None if re.fullmatch(r"-?\d+", value) and low <= int(value) <= high else \
            _SCALAR_TYPES.get((kind, form), "TYPE_INT32")
    if kind == "number":
        try:
            float(value)
        except ValueError:
            return "TYPE_DOUBLE"
    return None


def _scalar_problem(value: Any, schema: dict) -> str | None:
    """The type Google expected when a JSON scalar does not fit ``schema`` (proto3 JSON mapping), else None."""
    kind, form = schema.get("type"), schema.get("format")
    expected = _SCALAR_TYPES.get((kind, form)) or ("TYPE_STRING" if kind == "string" else f"TYPE_{kind}".upper())
    if isinstance(value, dict):
        return expected
    if "enum" in schema:
        if isinstance(value, str):
            return None if value in schema["enum"] else "TYPE_ENUM"
        if isinstance(value, int) and not isinstance(value, bool):
            return None if 0 <= value < len(schema["enum"]) else "TYPE_ENUM"
        return "TYPE_ENUM"
    if kind == "boolean":
        return None if isinstance(value, bool) else expected
    if form in _INT_RANGES:  # integers, also as strings; int64 usually as a string
        number = value
        if isinstance(value, str):
            if not re.fullmatch(r"-?\d+", value.strip()):
                return expected
            number = int(value)
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            return expected
        if isinstance(number, float):
            if not number.is_integer():
                return expected
            number = int(number)
        low, high = _INT_RANGES[form]
        return None if low <= number <= high else expected
    if kind == "number":
        if isinstance(value, str):
            if value in ("NaN", "Infinity", "-Infinity"):
                return None
            try:
                return None if math.isfinite(float(value)) else expected
            except ValueError:
                return expected
        return None if isinstance(value, (int, float)) and not isinstance(value, bool) else expected
    if kind == "string":
        return None if isinstance(value, str) else expected
    return None


def _request_prefix(path: str) -> str:
    """'Invalid requests[0].updateCells: ' for a path under one request of a batch, as Sheets words it."""
    found = re.match(r"(requests\[\d+\])\.([a-z_]+)\.", path)
    return f"Invalid {found.group(1)}.{camel(found.group(2))}: " if found else ""


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _split(path: str) -> tuple[str, str]:
    """("name", " at 'parent'") of a field path, as Google's messages place them."""
    parent, _, name = path.rpartition(".")
    return name, (f" at '{parent}'" if parent else "")


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


__all__ = ["MASK_TARGETS", "Discovery", "Violation", "document_path", "error_body", "load", "parse_mask"]
