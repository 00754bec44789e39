"""Configuration: a TOML file loaded into frozen dataclasses.

Defaults live here, in one place; ``config.example.toml`` mirrors them key for key (a test checks it).
Secrets never live in the file: only the path of a credentials file or the *name* of an environment
variable. Relative paths are relative to the folder of the config file.
"""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError

DEFAULT_CONFIG_NAME = "config.toml"


@dataclass(frozen=True)
class GroupConfig:
    name: str = "Les Paniers du CIVAM"
    coordinator_email: str = "animation@example.org"
    timezone: str = "Europe/Paris"
    phone: str = ""  # the coordinator's phone, for households that order without the form (by phone)


@dataclass(frozen=True)
class StoreConfig:
    backend: str = "local"
    path: Path = Path("paniers.xlsx")
    spreadsheet_id: str | None = None
    credentials: Path | None = None
    oauth_client: Path | None = None
    responses_tab: str = "Réponses au formulaire 1"
    archive_after_days: int = 90


@dataclass(frozen=True)
class MailConfig:
    backend: str = "outbox"
    outbox: Path = Path("outbox")
    sender: str = "paniers@example.org"
    host: str | None = None
    port: int = 465
    security: str = "ssl"
    user: str | None = None
    password_env: str | None = None
    oauth2_file: Path | None = None
    max_per_run: int = 100
    max_per_day: int = 400
    journal_wal: Path = Path("journal-envois.jsonl")
    preview: Path = Path("apercu")


@dataclass(frozen=True)
class OrdersConfig:
    max_quantity: int = 50


@dataclass(frozen=True)
class ScheduleConfig:
    closing_reminder_hours: int = 48
    pickup_reminder_hours: int = 24
    follow_up_days: int = 14
    lock: Path = Path(".paniers.lock")
    recap_wait_hours: int = 48


@dataclass(frozen=True)
class TemplatesConfig:
    folder: Path | None = None


@dataclass(frozen=True)
class ListsConfig:
    format: str = "xlsx"  # the spreadsheet sent with a producer's list when its Producteurs row says nothing
    folder: Path = Path("listes")  # where `paniers lists` writes a sale's documents (one sub-folder per sale)


@dataclass(frozen=True)
class FormsConfig:
    form_id: str | None = None
    prefilled_link: str | None = None
    max_choices: int = 10


@dataclass(frozen=True)
class SiteConfig:
    # Where `paniers site` writes the public website (``site/`` beside the config when unset). Setting it is what
    # asks `tick` to keep the site up to date: a group that never asked for a website gets no folder.
    folder: Path | None = None
    title: str | None = None  # the site's title; unset: [group] name
    presentation: str | None = None  # a paragraph or two on the home page (blank lines separate paragraphs)
    address: str | None = None  # the public address of the site (https://…/), for the calendar feed's links
    join_link: str | None = None  # where to sign up for the announcements; unset: an email to the coordinator
    photos: Path = Path("photos")  # the folder of the product photos named in Produits.Photo


@dataclass(frozen=True)
class Config:
    group: GroupConfig = field(default_factory=GroupConfig)
    store: StoreConfig = field(default_factory=StoreConfig)
    mail: MailConfig = field(default_factory=MailConfig)
    orders: OrdersConfig = field(default_factory=OrdersConfig)
    templates: TemplatesConfig = field(default_factory=TemplatesConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    lists: ListsConfig = field(default_factory=ListsConfig)
    forms: FormsConfig = field(default_factory=FormsConfig)
    site: SiteConfig = field(default_factory=SiteConfig)
    base_dir: Path = Path(".")
    source: Path | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.group.timezone)


SECTIONS: dict[str, type] = {
    "group": GroupConfig,
    "store": StoreConfig,
    "mail": MailConfig,
    "orders": OrdersConfig,
    "templates": TemplatesConfig,
    "schedule": ScheduleConfig,
    "lists": ListsConfig,
    "forms": FormsConfig,
    "site": SiteConfig,
}

# Allowed values of the keys that choose among a few options.
CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("store", "backend"): ("local", "google"),
    ("mail", "backend"): ("outbox", "smtp"),
    ("mail", "security"): ("ssl", "starttls", "none"),
    ("lists", "format"): ("xlsx", "csv"),
}

_TYPE_NAMES = {str: "un texte entre guillemets", int: "un nombre entier", bool: "true ou false",
               Path: "un chemin de fichier entre guillemets", float: "un nombre"}


def load(path: Path | str | None = None) -> Config:
    """Read and check a config file; raise ConfigError with a French message naming the key."""
    path = Path(path) if path is not None else Path(DEFAULT_CONFIG_NAME)
    if not path.is_file():
        raise ConfigError(
            f"Fichier de configuration introuvable : {path}. Copiez config.example.toml en "
            f"{DEFAULT_CONFIG_NAME} et adaptez-le, ou lancez « paniers init » pour en créer un."
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Le fichier de configuration {path} est mal écrit : {exc}.") from exc
    return from_dict(data, base_dir=path.resolve().parent, source=path)


def from_dict(data: dict, base_dir: Path = Path("."), source: Path | None = None) -> Config:
    """Build a Config from parsed TOML; every problem names the key in the file."""
    sections = {}
    for name, value in data.items():
        if name not in SECTIONS:
            raise ConfigError(
                f"Section inconnue [{name}] dans la configuration. Sections possibles : "
                + ", ".join(f"[{s}]" for s in SECTIONS) + "."
            )
        if not isinstance(value, dict):
            raise ConfigError(f"« {name} » doit être une section [{name}], pas une valeur simple.")
        sections[name] = _section(name, SECTIONS[name], value, base_dir)
    for name, cls in SECTIONS.items():
        if name not in sections:
            sections[name] = _section(name, cls, {}, base_dir)
    config = Config(**sections, base_dir=base_dir, source=source)
    try:
        ZoneInfo(config.group.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"[group] timezone = « {config.group.timezone} » n'est pas un fuseau horaire connu "
            "(exemple : « Europe/Paris »)."
        ) from exc
    if config.store.backend == "google" and not config.store.spreadsheet_id:
        raise ConfigError("[store] backend = « google » demande aussi spreadsheet_id (l'identifiant du Google Sheet).")
    if config.mail.backend == "smtp" and not config.mail.host:
        raise ConfigError("[mail] backend = « smtp » demande aussi host (le serveur d'envoi, ex. smtp.gmail.com).")
    for key in ("closing_reminder_hours", "pickup_reminder_hours", "follow_up_days", "recap_wait_hours"):
        if getattr(config.schedule, key) < 0:
            raise ConfigError(f"[schedule] {key} doit être un nombre entier positif ou nul.")
    if config.store.archive_after_days < 0:
        raise ConfigError("[store] archive_after_days doit être un nombre entier positif ou nul "
                          "(0 : ne rien archiver).")
    for key in ("max_per_run", "max_per_day"):
        if getattr(config.mail, key) < 1:
            raise ConfigError(f"[mail] {key} doit être un nombre entier supérieur ou égal à 1.")
    if config.orders.max_quantity < 1:
        raise ConfigError("[orders] max_quantity doit être un nombre entier supérieur ou égal à 1.")
    if config.forms.max_choices < 1:
        raise ConfigError("[forms] max_choices doit être un nombre entier supérieur ou égal à 1.")
    return config


def _section(name: str, cls: type, values: dict, base_dir: Path):
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    kwargs = {}
    for key, raw in values.items():
        if key not in known:
            raise ConfigError(
                f"Clé inconnue « {key} » dans la section [{name}]. Clés possibles : {', '.join(sorted(known))}."
            )
        kwargs[key] = _convert(name, key, raw, hints[key], base_dir)
    for f in dataclasses.fields(cls):  # relative default paths, too, are relative to the config file
        if f.name not in kwargs and isinstance(f.default, Path):
            kwargs[f.name] = base_dir / f.default
    return cls(**kwargs)


def _convert(section: str, key: str, raw, hint, base_dir: Path):
    optional = False
    base = hint
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        optional, base = True, args[0]
    if raw == "" and optional:
        return None
    ok = isinstance(raw, base) and not (base is int and isinstance(raw, bool))
    if base is Path:
        ok = isinstance(raw, str) and raw.strip() != ""
    if not ok:
        raise ConfigError(
            f"[{section}] {key} doit être {_TYPE_NAMES.get(base, base.__name__)} "
            f"(valeur trouvée : {raw!r})."
        )
    choices = CHOICES.get((section, key))
    if choices and raw not in choices:
        raise ConfigError(
            f"[{section}] {key} = « {raw} » n'est pas possible. Valeurs possibles : {', '.join(choices)}."
        )
    if base is Path:
        path = Path(raw).expanduser()
        return path if path.is_absolute() else (base_dir / path)
    return raw


# Addresses in these domains are the example's (and the documentation's): nobody reads mail there.
EXAMPLE_DOMAINS = ("example.org", "example.com", "example.net", "exemple.org", "exemple.com", "exemple.fr")
EXAMPLE_PHONE = "02 54 00 00 00"  # the phone number shown in config.example.toml and docs/guide.md
# The start of the presentation shown in config.example.toml: a group's own text may well hold « … » (« du pain,
# des œufs… »), so only the example's words count as the example.
EXAMPLE_PRESENTATION = "Chaque mois, les producteurs du Boischaut Nord"


def example_values(config: Config) -> list[tuple[str, str]]:
    """The settings that still hold a value of config.example.toml, as (key, value): the example group's name, an
    address at example.org, an id or a link with « ... » left to fill in. ``doctor`` shows them as a warning,
    ``check`` and ``tick`` as warnings in the Anomalies tab (sync/refresh.py), ``init`` as something to look at."""
    found: list[tuple[str, str]] = []
    default_name = GroupConfig().name
    if config.group.name.strip() == default_name:
        found.append(("[group] name", config.group.name))
    if config.group.phone.strip() == EXAMPLE_PHONE:
        found.append(("[group] phone", config.group.phone))
    if (config.site.title or "").strip() == default_name:
        found.append(("[site] title", config.site.title or ""))
    if (config.site.presentation or "").strip().startswith(EXAMPLE_PRESENTATION):
        found.append(("[site] presentation", config.site.presentation or ""))
    addresses = [("[group] coordinator_email", config.group.coordinator_email), ("[mail] sender", config.mail.sender),
                 ("[mail] user", config.mail.user or ""), ("[site] address", config.site.address or ""),
                 ("[site] join_link", config.site.join_link or "")]
    for key, address in addresses:
        if _example_domain(address):
            found.append((key, address))
    placeholders = [("[store] spreadsheet_id", config.store.spreadsheet_id), ("[forms] form_id", config.forms.form_id),
                    ("[forms] prefilled_link", config.forms.prefilled_link)]
    for key, text in placeholders:
        if text and ("..." in text or "…" in text):
            found.append((key, text))
    return found


def _example_domain(text: str) -> bool:
    """An email address or a web address whose domain is an example one."""
    text = text.strip().lower()
    host = text.partition("://")[2].partition("/")[0] if "://" in text else text.rpartition("@")[2]
    return any(host == domain or host.endswith("." + domain) for domain in EXAMPLE_DOMAINS)


def resolve(config: Config, path: Path) -> Path:
    """A path from the config, made absolute against the config file's folder."""
    return path if path.is_absolute() else config.base_dir / path


def secret_from_env(config_key: str, env_name: str | None, environ: typing.Mapping[str, str]) -> str:
    """Read a secret from the environment variable a config key names."""
    if not env_name:
        raise ConfigError(f"{config_key} n'est pas renseigné : indiquez le nom d'une variable d'environnement.")
    value = environ.get(env_name)
    if not value:
        raise ConfigError(
            f"La variable d'environnement {env_name} (nommée par {config_key}) est vide ou absente : "
            "définissez-la avant de lancer paniers."
        )
    return value
