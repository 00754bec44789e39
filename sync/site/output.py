"""Writing the site: only the files whose bytes differ, so that a rebuild that changes nothing changes no file
(no new date on the web host, nothing for a synchronisation to upload). A file the previous build wrote and this
one does not (a producer who left) is removed; anything else in the folder (a CNAME file, a page of the group's
own) is never touched. The list of the tool's files and the fingerprint of the content are in ``MANIFEST``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..files import write_bytes

PUBLIC = 0o644  # a web server reads the pages, whatever the umask of the run that wrote them

MANIFEST = ".paniers-site.json"


@dataclass
class Written:
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0


def previous(folder: Path) -> dict:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write(folder: Path, files: dict[str, bytes | None], fingerprint: str) -> Written:
    folder.mkdir(parents=True, exist_ok=True)
    done = Written()
    for name, data in sorted(files.items()):
        path = folder / name
        if data is None:  # kept as it is (a photo fetched by an earlier build)
            done.unchanged += 1
            continue
        try:
            if path.read_bytes() == data:
                done.unchanged += 1
                continue
        except OSError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(path, data, mode=PUBLIC)
        done.changed.append(name)
    before = previous(folder).get("files", [])
    for name in sorted(set(before) - set(files)):
        path = folder / name
        if isinstance(name, str) and ".." not in Path(name).parts and path.is_file():
            path.unlink()
            done.removed.append(name)
    manifest = (json.dumps({"fingerprint": fingerprint, "files": sorted(files)}, indent=1, ensure_ascii=False)
                + "\n").encode("utf-8")
    path = folder / MANIFEST
    if not path.is_file() or path.read_bytes() != manifest:
        write_bytes(path, manifest, mode=PUBLIC)
    return done


