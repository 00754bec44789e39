"""Google's refusals, explained in French: not shared (which address to share with), not found,
someone editing the form, no answer in time; and nothing half-done in any case."""

from __future__ import annotations

import json

import pytest
from conftest import at
from fakes.forms_api import FormsApiFake

from sync import config as config_module
from sync.commands import Context, publish_form
from sync.errors import FormsError
from sync.forms.client import FormsClient, RevisionConflict

FORM_ID = "1FbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdEF"
ROBOT = "paniers-cron@paniers-civam.iam.gserviceaccount.com"


@pytest.fixture
def fake() -> FormsApiFake:
    fake = FormsApiFake()
    fake.add_form(FORM_ID)
    return fake


@pytest.fixture
def robot_config(tmp_path):
    key = tmp_path / "service-account.json"
    key.write_text(json.dumps({"type": "service_account", "client_email": ROBOT}), encoding="utf-8")
    key.chmod(0o600)
    return config_module.from_dict({"forms": {"form_id": FORM_ID}, "store": {"credentials": "service-account.json"}},
                                   base_dir=tmp_path)


def run(config, store, fake, sleeps=None):
    ctx = Context(config, store, at("2026-11-20 10:00"), [].append)
    return publish_form.run(ctx, sale="2026-12", session=fake.session(),
                            sleep=(sleeps.append if sleeps is not None else lambda s: None))


def test_a_form_not_shared_names_the_address_to_share_it_with(robot_config, demo_store, fake):
    fake.forms[FORM_ID].shared = False
    with pytest.raises(FormsError) as refused:
        run(robot_config, demo_store, fake)
    message = str(refused.value)
    assert f"n'est pas partagé avec le compte de service {ROBOT}" in message
    assert "« Ajouter des collaborateurs »" in message and "« Éditeur »" in message
    assert "oauth_client" in message  # or use her own account
    assert fake.batches() == [] and fake.forms[FORM_ID].revision == 1


def test_a_person_account_is_told_to_use_the_owners_account(tmp_path, demo_store, fake):
    config = config_module.from_dict({"forms": {"form_id": FORM_ID}, "store": {"oauth_client": "client.json"}},
                                     base_dir=tmp_path)
    fake.fail_next(403, "The caller does not have permission", "PERMISSION_DENIED")
    with pytest.raises(FormsError, match="votre compte Google n'a pas le droit de le modifier"):
        run(config, demo_store, fake)


def test_the_forms_api_not_enabled(robot_config, demo_store, fake):
    fake.fail_next(403, "Google Forms API has not been used in project 123 before or it is disabled.",
                   "PERMISSION_DENIED", reason="SERVICE_DISABLED")
    with pytest.raises(FormsError, match="L'API Google Forms n'est pas activée"):
        run(robot_config, demo_store, fake)


def test_an_unknown_form(robot_config, demo_store):
    fake = FormsApiFake()
    with pytest.raises(FormsError, match=f"Formulaire introuvable \\({FORM_ID}\\).*/forms/d/e/"):
        run(robot_config, demo_store, fake)


def test_someone_editing_the_form_meanwhile(robot_config, demo_store, fake):
    fake.edit_meanwhile(FORM_ID)
    with pytest.raises(RevisionConflict) as refused:
        run(robot_config, demo_store, fake)
    assert "quelqu'un est sans doute en train de le modifier" in str(refused.value)
    assert "Rien n'a été changé" in str(refused.value)
    assert len(fake.batches()) == 1  # sent once, guarded, refused: never resent without the guard
    assert [i["title"] for i in fake.forms[FORM_ID].items] == ["Question sans titre"]
    assert demo_store.tabs.get("Formulaire") is None  # nothing written to the workbook either


def test_a_batch_without_answer_is_not_resent(robot_config, demo_store, fake):
    fake.timeout_next(method="POST")
    with pytest.raises(FormsError, match=r"a pu être faite ou non.*Relancez"):
        run(robot_config, demo_store, fake)
    assert len(fake.batches()) == 1


def test_reads_are_retried_a_few_times(robot_config, demo_store, fake):
    sleeps: list[float] = []
    fake.timeout_next(method="GET")
    fake.fail_next(503, "The service is currently unavailable.", "UNAVAILABLE", method="GET")
    assert run(robot_config, demo_store, fake, sleeps) == 0
    assert len(sleeps) == 2 and sleeps[0] < sleeps[1]  # exponential back-off, no real waiting
    assert len(fake.batches()) == 1


def test_a_read_that_keeps_failing_gives_up(robot_config, demo_store, fake):
    sleeps: list[float] = []
    fake.fail_next(503, "The service is currently unavailable.", "UNAVAILABLE", times=10)
    with pytest.raises(FormsError, match=r"surchargé ou indisponible.*Réessayez"):
        run(robot_config, demo_store, fake, sleeps)
    assert len(sleeps) == 3 and fake.batches() == []


def test_a_batch_refused_for_quota_is_retried(robot_config, demo_store, fake):
    sleeps: list[float] = []
    fake.fail_next(429, "Quota exceeded", "RESOURCE_EXHAUSTED", method="POST")
    assert run(robot_config, demo_store, fake, sleeps) == 0
    assert len(fake.batches()) == 2 and len(sleeps) == 1


def test_a_request_google_finds_invalid(robot_config, demo_store, fake):
    fake.fail_next(400, "Invalid requests[3].createItem: bad", "INVALID_ARGUMENT", method="POST")
    with pytest.raises(FormsError, match=r"code 400.*Rien n'a été modifié.*défaut de paniers"):
        run(robot_config, demo_store, fake)


def test_no_other_host_is_ever_reached(fake):
    client = FormsClient(fake.session(), sleep=lambda s: None)
    with pytest.raises(Exception, match="no network"):
        client.session.get("https://example.org/")
    assert client.get(FORM_ID)["formId"] == FORM_ID
