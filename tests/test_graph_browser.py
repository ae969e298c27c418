"""The HTML map at scale, in a real browser: a generated 400-module project, opened in headless
Chromium (through Playwright, with the system's Chromium: no browser is downloaded).

Needs the ``browser`` extra (``pip install -e '.[browser]'``) and a Chromium binary (``chromium``
or ``chromium-browser`` on PATH, or ``PROPAGATION_LINT_CHROMIUM``); skipped, saying which is
missing, where either is absent. Set ``PROPAGATION_LINT_SCREENSHOT=path.png`` to keep the screenshot.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from generated_project import generate
from lint_subprocess import run_cli

pytestmark = pytest.mark.slow

LAPTOP = {"width": 1366, "height": 768}


def _chromium() -> str:
    return os.environ.get("PROPAGATION_LINT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser") or ""


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("generated")
    assert generate(root / "repo") == 400
    run = run_cli(["graph", "--no-cache", "-j", "2", "--format", "html", "-o", "../map.html", "."], cwd=root / "repo",
                  timeout=600)
    assert run.returncode == 0, run.output
    run = run_cli(["graph", "--no-cache", "-j", "2", "--format", "json", "."], cwd=root / "repo", timeout=600)
    assert run.returncode == 0, run.output
    return root / "map.html", json.loads(run.stdout)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (the `browser` extra)")
    binary = _chromium()
    if not binary:
        pytest.skip("no Chromium binary (chromium / chromium-browser on PATH, or PROPAGATION_LINT_CHROMIUM)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=binary, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


class Page:
    """A page opened on the map, with what the browser logged and requested."""

    def __init__(self, browser, path: Path):
        self.page = browser.new_page(viewport=LAPTOP)
        self.errors, self.requests = [], []
        self.page.on("console", lambda m: self.errors.append(f"{m.type}: {m.text}")
                     if m.type in ("error", "warning", "assert") else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"exception: {e}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.url = path.as_uri()
        self.page.goto(self.url)
        self.page.wait_for_selector("body[data-ready]")

    def js(self, expression: str):
        return self.page.evaluate(expression)

    def close(self) -> None:
        """No error, warning or exception was logged while the test used the page."""
        errors = list(self.errors)
        self.page.close()
        assert errors == []

    def shown(self) -> dict:
        return self.js("""(() => { const m = document.getElementById('map'); return {
            boxes: m.querySelectorAll('.node').length, arrows: m.querySelectorAll('.edge').length,
            nodes: +m.getAttribute('data-nodes-shown'), edges: +m.getAttribute('data-edges-shown')}; })()""")


def test_the_page_fits_a_laptop_screen_without_errors_or_requests(browser, project, tmp_path):
    path, data = project
    assert len(data["nodes"]) > 400 and len(data["edges"]) == 400
    page = Page(browser, path)
    size = page.js("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert size == [LAPTOP["width"], LAPTOP["height"]]  # one screen: the panels scroll, not the page
    shown = page.shown()
    # grouped by service and package: every node and edge is in the drawing, in at most 60 boxes
    assert shown["nodes"] == len(data["nodes"]) and shown["edges"] == len(data["edges"])
    assert 10 < shown["boxes"] <= 60, shown
    assert page.js("document.querySelectorAll('#map .node.group').length") > 0
    box = page.js("(() => { const r = document.getElementById('map').getBoundingClientRect(); return [r.width, r.height]; })()")
    assert box[1] <= LAPTOP["height"], box
    shot = Path(os.environ.get("PROPAGATION_LINT_SCREENSHOT") or tmp_path / "map.png")
    png = page.page.screenshot(path=str(shot))
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    assert page.requests and all(r == page.url for r in page.requests), page.requests
    page.close()


def test_search_keeps_the_matches_and_opens_their_groups(browser, project):
    path, data = project
    page = Page(browser, path)
    page.page.fill("#search", "s3p2m4")
    expected = [n for n in data["nodes"] if "s3p2m4" in (n.get("detail", "") + n["label"]).lower()]
    assert expected
    titles = page.js("Array.from(document.querySelectorAll('#map .node.match title')).map(t => t.textContent)")
    # each match is drawn as itself (its groups opened), with its full name on hover
    assert sorted(titles) == sorted(f"{n['kind']}: {n.get('detail', n['label'])}"
                                    + (f" (service {n['service']})" if n.get("service") else "") for n in expected)
    near = {e["source"] for e in data["edges"] for n in expected if e["target"] == n["id"]} | \
           {e["target"] for e in data["edges"] for n in expected if e["source"] == n["id"]}
    assert page.shown()["nodes"] == len({n["id"] for n in expected} | near)
    assert page.js("document.querySelectorAll('#tree .leaf.hit').length") == len(expected)
    page.page.fill("#search", "no-such-name")
    assert page.shown() == {"boxes": 0, "arrows": 0, "nodes": 0, "edges": 0}
    page.page.fill("#search", "")
    assert page.shown()["nodes"] == len(data["nodes"])
    page.close()


def test_filters_keep_edges_by_state_and_kind(browser, project):
    path, data = project
    page = Page(browser, path)
    page.page.uncheck("input[name=state][value=unknown]")
    page.page.uncheck("input[name=state][value=propagated]")
    gaps = [e for e in data["edges"] if e["state"] == "gap"]
    assert page.shown()["edges"] == len(gaps)
    assert set(page.js("Array.from(document.querySelectorAll('#map .edge')).map(e => e.getAttribute('class'))")) == {"edge gap"}
    page.page.uncheck("input[name=kind][value=handoff]")
    assert page.shown()["edges"] == sum(1 for e in gaps if e["kind"] != "handoff")
    page.page.check("input[name=kind][value=handoff]")
    page.page.check("input[name=state][value=unknown]")
    page.page.check("input[name=state][value=propagated]")
    assert page.shown()["edges"] == len(data["edges"])
    page.close()


def test_groups_expand_and_collapse_and_boxes_name_nodes_in_full_on_hover(browser, project):
    path, data = project
    page = Page(browser, path)
    before = page.shown()["boxes"]
    page.page.click("#map .node.group >> nth=0")
    assert page.shown()["boxes"] > before
    page.page.click("#collapse-all")
    collapsed = page.shown()["boxes"]
    assert collapsed < before and collapsed == page.js("document.querySelectorAll('#tree > li').length")
    # the tree: a group's name opens it, a node's name opens its groups and selects it in the map
    page.page.click("#tree > li.group .gname >> nth=0")
    assert page.shown()["boxes"] > collapsed
    leaf = page.js("document.querySelector('#tree li.group li.leaf').getAttribute('data-node')")
    page.page.click("#tree li.group li.leaf >> nth=0")
    assert page.js("document.querySelector('#map .node.selected').getAttribute('data-id')") == leaf
    page.page.click("#expand-all")
    assert page.shown()["boxes"] == len(data["nodes"])
    full = {n["id"]: n.get("detail", n["label"]) for n in data["nodes"]}
    titles = page.js("Array.from(document.querySelectorAll('#map .node')).map(g => [g.getAttribute('data-id'),"
                     " g.querySelector('title').textContent])")
    assert all(full[i] in t for i, t in titles)
    # a click on a node lists its edges' entries, with their findings
    page.page.click("#map .node.handler >> nth=0")
    assert page.js("document.querySelectorAll('#selection .edge-item').length") > 0
    page.close()


def test_names_from_the_tree_are_text_never_markup(browser, tmp_path):
    from test_hostile_output import HOSTILE_TOPIC, _hostile_tree

    tree = _hostile_tree(tmp_path)
    run = run_cli(["graph", "--no-cache", "-j", "1", "--format", "html", "-o", "../map.html"], cwd=tree)
    assert run.returncode == 0, run.output
    page = Page(browser, tmp_path / "map.html")
    dialogs = []
    page.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.page.click("#expand-all")
    labels = page.js("Array.from(document.querySelectorAll('#map .node title')).map(t => t.textContent)")
    assert any(HOSTILE_TOPIC in t for t in labels) and any("<img src=x onerror=alert(1)>" in t for t in labels)
    assert page.js("document.querySelectorAll('#map img, #map script, #tree img, #selection img').length") == 0
    page.page.click("#map .node.destination >> nth=0")
    page.page.fill("#search", "<img")
    assert page.shown()["nodes"] > 0
    page.page.fill("#search", "nothing-is-called-this")
    assert "Nothing matches" in page.js("document.getElementById('map').textContent")
    assert dialogs == [] and all(r == page.url for r in page.requests), (dialogs, page.requests)
    page.close()
