"""The demo group's site as a visitor sees it, in a real headless Chromium (Debian's ``chromium`` package;
``.ci/run`` installs it when it is missing, and the test is skipped, saying so, on a machine without it).

How: Chromium is driven through the DevTools protocol over ``--remote-debugging-pipe`` (file descriptors 3 and 4,
JSON messages ended by a NUL byte), with the standard library only: no websocket, no Selenium, no Node. For each
page and each width (360 px, a small phone; 1280 px, a laptop) the test loads the page from the disk, waits for its
load event, then asks the page (``Runtime.evaluate``; the site itself has no script) for its links, its images
(each asked for, lazy or not, then loaded and decoded: ``naturalWidth > 0``)
and its width against the viewport's (nothing wider than the screen: no sideways scrolling on a phone),
takes a full-page screenshot (PNG, kept in ``tmp_path``, or in
``$PANIERS_SCREENSHOTS`` to look at them), and records every request the page made: all of them must be local files.
Internal links are then checked against the built files, their ``#anchors`` against the target page's ids.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from site_builders import build_demo_site

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium absent (Debian: apt-get install chromium)")
WIDTHS = (360, 1280)
# The photos are lazy (a phone downloads only those it scrolls to): here every one is asked for, then awaited.
LOAD_IMAGES = """Promise.all([...document.images].map(i => { i.loading = 'eager';
  return i.decode().then(() => true, () => false); })).then(r => r.length)"""
PROBE = """JSON.stringify({
  links: [...document.querySelectorAll('a[href]')].map(a => a.href),
  images: [...document.images].map(i => ({src: i.currentSrc || i.src, ok: i.complete && i.naturalWidth > 0,
                                          alt: i.getAttribute('alt')})),
  scrollWidth: document.documentElement.scrollWidth,
  innerWidth: window.innerWidth,
  wide: [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
        .map(e => e.tagName + '.' + e.className).slice(0, 5),
  height: document.documentElement.scrollHeight,
  fontSize: parseFloat(getComputedStyle(document.body).fontSize)
})"""


class Browser:
    """One headless Chromium, one tab, spoken to over the DevTools pipe."""

    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="paniers-chromium-")
        to_child, self._write = os.pipe()
        self._read, from_child = os.pipe()

        def descriptors():  # the child's fd 3 reads our commands, its fd 4 writes the answers
            os.dup2(to_child, 3)
            os.dup2(from_child, 4)

        self.process = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe", "--hide-scrollbars",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions", f"--user-data-dir={self.profile}",
             "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=descriptors, close_fds=False)
        os.close(to_child)
        os.close(from_child)
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page.enable", "Network.enable", "Runtime.enable"):
            self.call(domain, session=True)

    def call(self, method: str, session: bool = False, **params) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._receive()
            if answer.get("id") == self.next_id:
                assert "error" not in answer, (method, answer["error"])
                return answer.get("result", {})
            self.events.append(answer)

    def _receive(self) -> dict:
        while b"\0" not in self.buffer:
            chunk = os.read(self._read, 1 << 16)
            assert chunk, "chromium closed the pipe"
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def wait_for(self, method: str) -> dict:
        while True:
            for index, event in enumerate(self.events):
                if event.get("method") == method:
                    return self.events.pop(index)
            self.events.append(self._receive())

    def visit(self, path: Path, width: int, screenshot: Path) -> dict:
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=width, height=800,
                  deviceScaleFactor=1, mobile=width < 600)
        self.events.clear()
        self.call("Page.navigate", session=True, url=path.as_uri())
        self.wait_for("Page.loadEventFired")
        self.call("Runtime.evaluate", session=True, expression=LOAD_IMAGES, awaitPromise=True)
        requests = [e["params"]["request"]["url"] for e in self.events
                    if e.get("method") == "Network.requestWillBeSent"]
        found = json.loads(self.call("Runtime.evaluate", session=True, expression=PROBE,
                                     returnByValue=True)["result"]["value"])
        shot = self.call("Page.captureScreenshot", session=True, format="png", captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": width, "height": min(found["height"], 6000), "scale": 1})
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        found["requests"] = requests
        return found

    def close(self):
        with contextlib.suppress(AssertionError, OSError):
            self.call("Browser.close")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        os.close(self._write)
        os.close(self._read)
        shutil.rmtree(self.profile, ignore_errors=True)


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.ids.update(value for name, value in attrs if name == "id" and value)


def ids_of(path: Path) -> set[str]:
    parser = _Ids()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.ids


@pytest.fixture(scope="module")
def browser():
    chromium = Browser()
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_demo_site(tmp_path_factory.mktemp("site"), photos=True)


def test_every_page_reads_well_at_phone_and_laptop_width(browser, built, tmp_path):
    site = built.folder
    shots = Path(os.environ.get("PANIERS_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    pages = sorted(site.glob("*.html"))
    assert len(pages) >= 13
    images_seen = 0
    for page in pages:
        for width in WIDTHS:
            found = browser.visit(page, width, shots / f"{page.stem}-{width}.png")
            where = f"{page.name} at {width} px"
            assert found["scrollWidth"] <= found["innerWidth"], (where, found["wide"])
            assert not found["wide"], (where, found["wide"])
            assert found["fontSize"] >= 16, where
            for request in found["requests"]:
                assert request.startswith(("file://", "data:")), (where, request)  # nothing from elsewhere
            for image in found["images"]:
                assert image["ok"], (where, image["src"])
                assert image["alt"], (where, image["src"])
                images_seen += 1
            for link in found["links"]:
                parts = urlsplit(link)
                if parts.scheme != "file":
                    assert parts.scheme in ("https", "mailto"), (where, link)
                    continue
                target = Path(unquote(parts.path))
                assert target.is_file(), (where, link)
                assert site in target.parents, (where, link)
                if parts.fragment:
                    assert parts.fragment in ids_of(target), (where, link)
    assert images_seen > 0  # the demo's site was built with photos: the check above did check something
    assert (shots / "index-360.png").stat().st_size > 10_000
