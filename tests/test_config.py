"""Configuration: the example file mirrors the defaults, and every mistake names its key in French."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path

import pytest

from sync import config as config_module
from sync.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config.example.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_loads_and_defaults_to_the_embedded_backends():
    config = config_module.load(EXAMPLE)
    assert config.store.backend == "local"
    assert config.mail.backend == "outbox"
    assert config.store.path == ROOT / "paniers.xlsx"


def test_example_config_mirrors_the_dataclasses_key_for_key():
    """Every key of every section is in the example, commented out or not (and nothing else is)."""
    text = EXAMPLE.read_text(encoding="utf-8")
    uncommented = "\n".join(line.lstrip("# ") if line.startswith("# ") and "=" in line.split("#")[1][:40]
                            else line for line in text.splitlines())
    documented: dict[str, set[str]] = {}
    section = None
    for line in uncommented.splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            documented[section] = set()
        elif section and "=" in line and not line.startswith("#"):
            documented[section].add(line.split("=")[0].strip())
    for name, cls in config_module.SECTIONS.items():
        assert name in documented, f"section [{name}] missing from config.example.toml"
        fields = {f.name for f in dataclasses.fields(cls)}
        assert documented[name] == fields, f"[{name}]: example has {documented[name]}, code has {fields}"
    tomllib.loads(text)


def test_values_that_are_set_in_the_example_equal_the_defaults():
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    for name, values in data.items():
        defaults = config_module.SECTIONS[name]()
        for key, value in values.items():
            default = getattr(defaults, key)
            assert str(default) == str(value), f"[{name}] {key}: example {value!r} != default {default!r}"


def test_missing_file_says_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match=r"config\.example\.toml"):
        config_module.load(tmp_path / "absent.toml")


def test_malformed_toml(tmp_path):
    with pytest.raises(ConfigError, match="mal écrit"):
        config_module.load(write(tmp_path, "[group\nname = 1"))


@pytest.mark.parametrize(("text", "words"), [
    ("[group]\nnom = 'x'", "Clé inconnue « nom » dans la section [group]"),
    ("[groupe]\nname = 'x'", "Section inconnue [groupe]"),
    ("[mail]\nport = '465'", "[mail] port doit être un nombre entier"),
    ("[mail]\nport = true", "[mail] port doit être un nombre entier"),
    ("[group]\nname = 3", "[group] name doit être un texte"),
    ("[store]\nbackend = 'excel'", "Valeurs possibles : local, google"),
    ("[store]\nbackend = 'google'", "spreadsheet_id"),
    ("[mail]\nbackend = 'smtp'", "host"),
    ("[group]\ntimezone = 'Europe/Valencay'", "fuseau horaire"),
    ("[orders]\nmax_quantity = 0", "max_quantity"),
    ("group = 'x'", "section"),
])
def test_mistakes_name_the_key(tmp_path, text, words):
    with pytest.raises(ConfigError) as caught:
        config_module.load(write(tmp_path, text))
    assert words in str(caught.value)
    assert caught.value.exit_code == 2


def test_relative_paths_are_relative_to_the_config_file(tmp_path):
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "config.toml"
    path.write_text("[store]\npath = 'data/book.xlsx'\ncredentials = '/abs/key.json'\n", encoding="utf-8")
    config = config_module.load(path)
    assert config.store.path == tmp_path / "sub" / "data" / "book.xlsx"
    assert config.store.credentials == Path("/abs/key.json")
    assert config.mail.outbox == tmp_path / "sub" / "outbox"


def test_config_is_frozen(tmp_path):
    config = config_module.load(write(tmp_path, ""))
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.group.name = "x"  # type: ignore[misc]


def test_secrets_come_from_the_environment_variable_the_config_names():
    assert config_module.secret_from_env("[mail] password_env", "PW", {"PW": "s3cret"}) == "s3cret"
    with pytest.raises(ConfigError, match="PW"):
        config_module.secret_from_env("[mail] password_env", "PW", {})
    with pytest.raises(ConfigError, match="password_env"):
        config_module.secret_from_env("[mail] password_env", None, {})


def test_example_values_are_the_example_files_own_and_placeholders():
    """One rule (config.example_values) for doctor, check, tick and init: what config.example.toml holds and what
    its comments show as « à remplacer »."""
    example = config_module.load(EXAMPLE)
    assert [key for key, _ in config_module.example_values(example)] == [
        "[group] name", "[group] coordinator_email", "[mail] sender"]
    placeholders = config_module.from_dict({
        "group": {"name": "Les Paniers de Valençay", "coordinator_email": "anne@civam36.fr", "phone": "02 54 00 00 00"},
        "store": {"backend": "google", "spreadsheet_id": "1AbC..."},
        "mail": {"sender": "paniers@civam36.fr", "user": "paniers@example.org"},
        "forms": {"form_id": "1FbC...", "prefilled_link": "https://docs.google.com/forms/d/e/.../viewform"},
        "site": {"title": "Les Paniers du CIVAM", "address": "https://exemple.org/paniers/",
                 "join_link": "https://www.example.com/inscription"},
    })
    assert dict(config_module.example_values(placeholders)) == {
        "[group] phone": "02 54 00 00 00", "[site] title": "Les Paniers du CIVAM",
        "[mail] user": "paniers@example.org", "[site] address": "https://exemple.org/paniers/",
        "[site] join_link": "https://www.example.com/inscription", "[store] spreadsheet_id": "1AbC...",
        "[forms] form_id": "1FbC...", "[forms] prefilled_link": "https://docs.google.com/forms/d/e/.../viewform"}
    real = config_module.from_dict({
        "group": {"name": "Les Paniers de Valençay", "coordinator_email": "anne@notexample.org"},
        "mail": {"sender": "paniers@civam36.fr"},
        "site": {"address": "https://civam-valencay.github.io/paniers/",
                 "presentation": "Chaque mois : légumes, fromages, pain…"},
    })
    assert config_module.example_values(real) == []
    example_text = re.search(r'^# presentation = "(.*)"$', EXAMPLE.read_text(encoding="utf-8"), re.MULTILINE)[1]
    left = config_module.from_dict({"site": {"presentation": example_text}})
    assert dict(config_module.example_values(left))["[site] presentation"] == example_text


def test_the_example_is_written_in_french_for_the_coordinator_and_explains_every_key():
    """Each key (set or in a comment) has French comment lines right above it, its default given there."""
    text = EXAMPLE.read_text(encoding="utf-8")
    assert text.startswith("# Paniers : la configuration du groupe.")
    for english in ("Copy this file", "Every key", "The group's", "default", "Local backend", "Secrets never"):
        assert english not in text, english
    lines = text.splitlines()
    for name, cls in config_module.SECTIONS.items():
        for field in dataclasses.fields(cls):
            at = next(i for i, line in enumerate(lines) if re.match(rf"(# )?{field.name} = ", line)
                      and _section_of(lines, i) == name)
            above = []
            for line in reversed(lines[:at]):
                if not line.startswith("# ") or re.match(r"# \w+ = ", line):
                    if above:
                        break
                    continue  # max_per_run and max_per_day share one explanation
                above.append(line)
            explanation = " ".join(reversed(above))
            assert explanation, f"[{name}] {field.name} has no explanation"
            assert "par défaut" in explanation.lower() or field.name in {"name", "coordinator_email", "sender"}, (
                f"[{name}] {field.name}: no default given")


def _section_of(lines: list[str], index: int) -> str:
    return next(line.strip("[]") for line in reversed(lines[:index]) if line.startswith("["))


def test_doctor_and_check_read_example_values_with_the_same_rule(tmp_path):
    """A placeholder only the shared rule knows (doctor's old copy did not look at [site]) reaches both."""
    from sync.commands.doctor import WARNING, _configuration
    from sync.refresh import example_problems

    path = write(tmp_path, '[group]\nname = "Les Paniers de Valençay"\ncoordinator_email = "anne@civam36.fr"\n'
                           '[mail]\nsender = "paniers@civam36.fr"\n[site]\njoin_link = "https://exemple.org/inscription"\n')
    step, config = _configuration(path)
    assert step.status == WARNING and "[site] join_link = « https://exemple.org/inscription »" in step.detail
    [problem] = example_problems(config)
    assert problem.message.startswith("[site] join_link dans config.toml est encore la valeur de l'exemple")
    assert problem.value == "https://exemple.org/inscription" and problem.sentence().startswith("[site] join_link")
    assert example_problems(config_module.from_dict({})) == []  # no file to edit: nothing to say
