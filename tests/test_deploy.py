"""The scheduled GitHub Actions workflow in deploy/: nothing to guess, within the free minutes, and the
write-ahead journal carried from one run to the next."""

from __future__ import annotations

import re
import shlex
from pathlib import Path, PurePosixPath

import yaml

from sync import config as config_module

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / "deploy" / "github-actions.yml"
FREE_MINUTES = 2000  # a private repository on GitHub's free plan, each run billed at least one minute
DAYS = 31


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def steps() -> list[dict]:
    return [step for job in workflow()["jobs"].values() for step in job["steps"]]


def values(field: str, low: int, high: int) -> set[int]:
    """One field of a cron line: *, */n, a, a-b, a-b/n, and lists of them."""
    found: set[int] = set()
    for part in field.split(","):
        span, _, step = part.partition("/")
        if span == "*":
            first, last = low, high
        elif "-" in span:
            first, last = map(int, span.split("-"))
        else:
            first = last = int(span)
        found |= set(range(first, last + 1, int(step or 1)))
    assert found <= set(range(low, high + 1)), field
    return found


def runs_a_month(cron: str) -> int:
    minute, hour, day, month, weekday = cron.split()
    assert (day, month, weekday) == ("*", "*", "*"), "every day: the count below assumes it"
    return len(values(minute, 0, 59)) * len(values(hour, 0, 23)) * DAYS


def test_the_workflow_names_nothing_a_coordinator_must_guess():
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "OWNER" not in text and not re.search(r"git clone|github\.com/[\w-]+/paniers", text)
    checkout = [s for s in steps() if str(s.get("uses", "")).startswith("actions/checkout@")]
    assert checkout and "repository" not in checkout[0].get("with", {})  # the repository the workflow lives in
    install = next(s for s in steps() if s.get("name") == "Install Paniers")
    assert install["run"].rstrip().endswith("pip install -q -e .")


def test_the_schedule_fits_the_free_minutes_of_a_private_repository():
    crons = [entry["cron"] for entry in workflow()[True]["schedule"]]  # YAML 1.1 reads the key `on` as True
    total = sum(runs_a_month(cron) for cron in crons)
    assert total * 1 <= FREE_MINUTES, total
    assert total == 992  # the arithmetic written in the workflow's comments and in docs/automatisation.md
    assert "992" in WORKFLOW.read_text(encoding="utf-8")
    assert "992" in (ROOT / "docs" / "automatisation.md").read_text(encoding="utf-8")
    assert runs_a_month("*/15 * * * *") > FREE_MINUTES  # what the old schedule cost


def test_the_write_ahead_journal_of_the_config_the_workflow_uses_is_cached_between_runs():
    tick = next(s for s in steps() if s.get("name") == "Tick")
    words = shlex.split(tick["run"].replace("\n", " "))
    config_path = PurePosixPath(words[words.index("--config") + 1])
    example = config_module.load(ROOT / "config.example.toml")  # what groupe/config.toml is made from
    relative = example.mail.journal_wal.relative_to(example.base_dir)  # the loader resolves it beside the config
    assert relative == config_module.Config().mail.journal_wal  # the default, the same
    wal = str(config_path.parent / PurePosixPath(relative.as_posix()))
    journal = [s for s in steps() if "paniers-journal" in str(s.get("with", {}).get("key", ""))]  # not the site's
    restore = [s for s in journal if str(s.get("uses", "")).startswith("actions/cache/restore@")]
    save = [s for s in journal if str(s.get("uses", "")).startswith("actions/cache/save@")]
    assert [s["with"]["path"] for s in restore] == [wal] and [s["with"]["path"] for s in save] == [wal]
    order = [s.get("name") for s in steps()]
    assert order.index(restore[0]["name"]) < order.index("Tick") < order.index(save[0]["name"])
    assert save[0]["if"].startswith("always()")  # saved even when the tick failed half-way: that is its point
    assert restore[0]["with"]["restore-keys"] and save[0]["with"]["key"].startswith(restore[0]["with"]["restore-keys"])
    key = next(s for s in steps() if s.get("name") == "Key file")
    assert "umask 077" in key["run"] and str(config_path.parent / "service-account.json") in key["run"]


def test_the_site_is_published_with_github_pages_only_when_asked_and_only_when_it_changed():
    flow = workflow()
    assert "PUBLISH_SITE" not in flow["env"]  # a repository variable: nothing goes public until the group sets it
    assert flow["jobs"]["tick"]["environment"]["name"].startswith("${{ vars.PUBLISH_SITE == 'yes'")
    assert flow["permissions"]["pages"] == "write" and flow["permissions"]["id-token"] == "write"
    order = [s.get("name") for s in steps()]
    site = next(s for s in steps() if s.get("name") == "Site")
    assert "PUBLISH_SITE == 'yes'" in site["if"] and "paniers --config groupe/config.toml site" in site["run"]
    upload = next(s for s in steps() if str(s.get("uses", "")).startswith("actions/upload-pages-artifact@"))
    deploy = next(s for s in steps() if str(s.get("uses", "")).startswith("actions/deploy-pages@"))
    example = config_module.load(ROOT / "config.example.toml")
    assert upload["with"]["path"] == "groupe/" + str(site_build_default(example))  # where tick builds it
    assert order.index("Tick") < order.index("Site") < order.index(upload["name"]) < order.index(deploy["name"])
    assert order.index(deploy["name"]) < order.index("Remove the key")  # the site step reads the sheet with it
    published = next(s for s in steps() if s.get("name") == "Was this site published already?")
    assert published["with"]["lookup-only"] is True and "steps.site.outputs.hash" in published["with"]["key"]
    assert "cache-hit != 'true'" in upload["if"] and "cache-hit != 'true'" in deploy["if"]


def site_build_default(config) -> str:
    """The folder `[site] folder = "site"` names, relative to the config (what docs/site.md tells to set)."""
    from sync.site import build as site_build

    chosen = config_module.from_dict({"site": {"folder": "site"}}, base_dir=config.base_dir)
    return site_build.folder(chosen).relative_to(config.base_dir).as_posix()
