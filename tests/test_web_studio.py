"""The web page as a studio, in headless Chromium (Debian's package, driven by Playwright): progress with step counts
and previews, example prompts, the gallery with lineage, re-roll, variations, info, download and delete, the brush,
subjects, conversations in the URL, cancel, and the page at phone width without a console error."""

from __future__ import annotations

import base64
import io
import json
import re
import tomllib
from pathlib import Path

import numpy as np
from PIL import Image

from tests.conftest import KEYS, needs_chromium, pixels

pytestmark = needs_chromium
ROOT = Path(__file__).resolve().parents[1]
WAIT_MS = 120_000  # a hang guard: ten times what a tiny picture takes on a busy CI machine

# Every text the progress line shows and every preview picture, as the page shows them (however brief).
WATCH = """() => {
  window.seen = {texts: [], previews: 0};
  const text = document.getElementById("progress-text"), preview = document.getElementById("preview");
  new MutationObserver((records) => records.forEach((r) => r.addedNodes.forEach((n) => seen.texts.push(n.textContent))))
    .observe(text, {childList: true});
  new MutationObserver(() => (preview.getAttribute("src") || "").startsWith("data:image/png") && seen.previews++)
    .observe(preview, {attributes: true, attributeFilter: ["src"]});
}"""


def open_page(browser, url: str, **context):
    """A page, with every console error and uncaught exception collected in `page.errors`."""
    page = browser.new_context(accept_downloads=True, **context).new_page()
    page.errors = []
    page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(url)
    return page


def idle(page) -> None:
    page.wait_for_function("() => !document.getElementById('send').disabled", timeout=WAIT_MS)


def say(page, text: str) -> None:
    page.fill("#text", text)
    page.press("#text", "Enter")
    idle(page)


def nodes(page) -> int:
    return page.locator("#gallery .node").count()


def picture(server, image_id: str) -> np.ndarray:
    return pixels(Image.open(io.BytesIO(server.client().get(f"/v1/images/{image_id}").content)))


def test_progress_gallery_lineage_actions_and_the_brush(live, browser, tmp_path):
    from chatcanvas.store.uploads import edit_mask

    server = live(preview_every=1)
    http = server.client()
    page = open_page(browser, server.url + "/", has_touch=True)

    # 2. an empty page says what the model draws, with three prompts to try
    examples = page.locator(".example")
    examples.first.wait_for()
    assert examples.all_inner_texts() == http.get("/v1/models/chatcanvas").json()["examples"]
    page.evaluate(WATCH)
    # 1. progress you can see: "drawing k/4" while it draws, the picture so far, then nothing once it is done
    examples.first.click()
    idle(page)
    seen = page.evaluate("() => window.seen")
    assert any(re.fullmatch(r"drawing [1-4]/4", text) for text in seen["texts"]), seen
    assert seen["previews"] >= 1
    assert page.locator("#activity").is_hidden() and page.locator("#progress-text").inner_text() == ""
    conversation = re.search(r"\?c=(c_\w+)$", page.url).group(1)  # 6. the URL names the conversation
    first = page.locator(".bot img").first.get_attribute("data-id")
    assert page.locator(".bot img").first.get_attribute("alt") == http.get(f"/v1/images/{first}/meta").json()["prompt"]

    # 3. the gallery: an edit sits under the picture it was made from, with a link to it
    say(page, "make it blue")
    edit = page.locator(".bot img").nth(1).get_attribute("data-id")
    assert nodes(page) == 2
    node = page.locator(f"#gallery .node[data-id='{first}'] .children .node[data-id='{edit}']")
    assert node.locator(".parent-link").first.get_attribute("data-parent") == first
    # re-roll and variations add pictures: a sibling with a new seed, three children
    page.locator(f".bot figure[data-id='{first}'] button", has_text="Re-roll").click()
    idle(page)
    assert nodes(page) == 3
    page.locator(f".bot figure[data-id='{first}'] button", has_text="Vary").click()
    idle(page)
    assert nodes(page) == 6
    assert page.locator(f"#gallery .parent-link[data-parent='{first}']").count() == 4
    last = http.get(f"/v1/conversations/{conversation}").json()["current_image_id"]  # the newest is current
    assert page.locator(f"#gallery .node.current[data-id='{last}'] .parent-link[data-parent='{first}']").count() == 1
    # click a picture to make it current: the agent's next change applies to it
    page.locator(f"#gallery .node[data-id='{first}'] > .row .thumb").click()
    page.wait_for_selector(f"#gallery .node.current[data-id='{first}']")
    assert http.get(f"/v1/conversations/{conversation}").json()["current_image_id"] == first
    # the info panel, and the PNG downloaded with its parameters
    page.locator(f"#gallery .node[data-id='{edit}'] .more").first.click()
    page.wait_for_selector("#info .facts dt:text-is('steps')")
    facts = page.locator("#info .facts").inner_text()
    meta = http.get(f"/v1/images/{edit}/meta").json()
    assert all(str(meta[key]) in facts for key in ("prompt", "seed", "model", "steps", "operation"))
    assert "from #1" in facts
    with page.expect_download() as download:
        page.click("#info a:text('Download PNG')")
    with Image.open(download.value.path()) as png:
        assert json.loads(png.text["parameters"])["seed"] == meta["seed"]
    page.click("#info button:text('Close')")
    # delete one (asked twice): gone from the gallery, the log and the store
    page.locator(f"#gallery .node[data-id='{last}'] .more").click()
    page.click("#info button:text('Delete')")
    page.click("#info button:text('Delete for good?')")
    page.wait_for_function("() => document.querySelectorAll('#gallery .node').length === 5")
    assert page.locator(f".log [data-id='{last}']").count() == 0
    assert http.get(f"/v1/images/{last}/meta").status_code == 404

    # 4. the brush: a mouse stroke, a finger's tap, an erased stroke; only the painted area changes
    sent = []
    page.on("request", lambda request: request.url.endswith("/repaint") and sent.append(request.post_data_json))
    page.locator(f".bot figure[data-id='{first}'] button", has_text="Paint").click()
    box = page.locator("#brush canvas").bounding_box()
    at = lambda fx, fy: (box["x"] + fx * box["width"], box["y"] + fy * box["height"])  # noqa: E731
    page.mouse.move(*at(0.15, 0.1))
    page.mouse.down()
    page.mouse.move(*at(0.15, 0.9), steps=8)
    page.mouse.up()
    page.touchscreen.tap(*at(0.75, 0.75))
    page.mouse.move(*at(0.6, 0.2))
    page.mouse.down()
    page.mouse.move(*at(0.9, 0.2), steps=4)
    page.mouse.up()
    page.check("#brush input[value=eraser]")
    page.evaluate("() => { const size = document.querySelector('#brush input[type=range]'); size.value = size.max; }")
    page.mouse.move(*at(0.55, 0.2))
    page.mouse.down()
    page.mouse.move(*at(0.95, 0.2), steps=8)
    page.mouse.up()
    page.fill("#brush input[name=change]", "a yellow star")
    page.press("#brush input[name=change]", "Enter")
    idle(page)
    assert nodes(page) == 6
    repainted = http.get(f"/v1/conversations/{conversation}").json()["current_image_id"]
    meta = http.get(f"/v1/images/{repainted}/meta").json()
    assert (meta["parent_id"], meta["edit_method"]) == (first, "inpaint")
    [body] = sent
    mask = np.asarray(edit_mask(Image.open(io.BytesIO(base64.b64decode(body["mask"].partition(",")[2])))))
    assert mask.shape == (64, 64) and set(np.unique(mask)) == {0, 255}
    assert mask[32, 9] == 255 and mask[48, 48] == 255 and mask[13, 48] == 0  # stroke, tap, erased stroke
    before, after = picture(server, first), picture(server, repainted)
    assert (after[mask == 0] == before[mask == 0]).all()
    assert (after[mask == 255] != before[mask == 255]).any()

    # 7. at phone width nothing scrolls sideways, with the pictures drawer open too
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.screenshot(path=tmp_path / "phone.png")
    page.click("#side-toggle")
    page.locator("#gallery .node").first.wait_for()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.screenshot(path=tmp_path / "phone-pictures.png")
    assert all(img.get_attribute("alt") for img in page.locator("img").all())  # every picture says what it shows
    assert page.errors == []


def test_subjects_conversations_and_cancel(live, browser, tmp_path):
    from chatcanvas.store.images import ImageMeta

    server = live(lora_steps=5000, max_steps=5000)
    http = server.client()
    page = open_page(browser, server.url + "/")
    photo = tmp_path / "rex.png"
    Image.new("RGB", (64, 64), "sienna").save(photo)

    # 5. enroll a subject on the page, then draw it by name in the chat
    page.click("#tab-subjects")
    page.fill("#enroll input[name=name]", "Rex")
    page.fill("#enroll input[name=aliases]", "my dog")
    page.set_input_files("#enroll input[name=images]", str(photo))
    page.click("#enroll button[type=submit]")
    page.wait_for_selector(".subject:has-text('Rex') .status:text-matches('^ready')")
    say(page, "draw Rex on a beach")
    drawn = page.locator(".bot img").first.get_attribute("data-id")
    assert http.get(f"/v1/images/{drawn}/meta").json()["subject_ids"]
    first = re.search(r"\?c=(c_\w+)$", page.url).group(1)
    # a trained subject: its learning is watched step by step, and it can be deleted while it learns
    page.fill("#enroll input[name=name]", "Halo")
    page.select_option("#enroll select[name=method]", "lora")
    page.set_input_files("#enroll input[name=images]", str(photo))
    page.fill("#captions input[name=captions]", "on a plain background")
    page.click("#enroll button[type=submit]")
    page.wait_for_selector(".subject:has-text('Halo') .status:text-matches('^learning Halo [1-9][0-9]*/5000$')",
                           timeout=WAIT_MS)
    halo = page.locator(".subject:has-text('Halo')").get_attribute("data-id")
    said = page.locator(f".subject[data-id='{halo}'] .status").text_content()
    delete = page.locator(f".subject[data-id='{halo}'] button.delete").element_handle()
    delete.click()
    # the list follows the learning while "Delete for good?" stands: the button a click is halfway through stays
    page.wait_for_function("([id, said]) => document.querySelector(`.subject[data-id='${id}'] .status`).textContent"
                           " !== said", arg=[halo, said], timeout=WAIT_MS)
    assert delete.evaluate("button => button.isConnected")
    if delete.text_content() != "Delete for good?":  # more than the question's 4 s went by on a busy machine
        delete.click()
    delete.click()
    page.wait_for_selector(".subject:has-text('Halo')", state="detached", timeout=WAIT_MS)
    assert [s["name"] for s in http.get("/v1/subjects").json()["data"]] == ["Rex"]

    # 6. conversations: start one, switch back through the list, reload onto the URL, delete one
    page.click("#new")
    assert page.url == server.url + "/" and page.locator("#welcome").is_visible()
    say(page, "draw a boat")
    second = re.search(r"\?c=(c_\w+)$", page.url).group(1)
    page.wait_for_selector("#chat-list .chat >> nth=1")
    page.click(f"#chat-list .chat[data-id='{first}'] .open")
    page.wait_for_selector(".user:has-text('draw Rex on a beach')")
    assert page.url.endswith(f"?c={first}") and page.locator(f"#gallery .node[data-id='{drawn}']").count() == 1
    page.reload()
    page.wait_for_selector(f".bot img[data-id='{drawn}']")
    assert page.locator(".user").count() == 1 and page.locator("#chat-list .chat.active").get_attribute(
        "data-id") == first
    page.go_back()  # the browser's history holds the conversations too
    page.wait_for_selector(".user:has-text('draw a boat')")
    page.click(f"#chat-list .chat[data-id='{second}'] .delete")
    page.click(f"#chat-list .chat[data-id='{second}'] .delete:text('Delete?')")
    page.wait_for_selector(f"#chat-list .chat[data-id='{second}']", state="detached")
    assert page.url == server.url + "/" and http.get(f"/v1/conversations/{second}").status_code == 404

    # 1. cancel: the button, then Esc, stop a long re-roll between steps
    slow = server.state.store.save(Image.new("RGB", (64, 64), "gray"), ImageMeta(
        owner="local", conversation=first, operation="generate", prompt="a slow one", seed=1, steps=1000,
        model="tiny", width=64, height=64))
    page.click(f"#chat-list .chat[data-id='{first}'] .open")
    for stop in (lambda: page.click("#cancel"), lambda: page.keyboard.press("Escape")):
        page.locator(f"#gallery .node[data-id='{slow.id}'] .more").click()
        page.click("#info button:text('Re-roll')")
        page.wait_for_selector("#progress-text:text-matches('^drawing [1-9][0-9]*/1000$')", timeout=WAIT_MS)
        stop()
        idle(page)
        assert page.locator(".bot.studio").last.inner_text() == "Cancelled."
        assert page.locator("#activity").is_hidden()
    assert page.errors == []


def test_the_page_files_are_served_to_signed_in_users_and_shipped(live):
    server = live(api_keys=KEYS)
    folder = ROOT / "chatcanvas" / "server" / "static"
    with server.client("key-alice") as http:
        assert http.get("/").text == (folder / "index.html").read_text()
        for path in folder.iterdir():
            if path.suffix == ".html":
                continue
            response = http.get(f"/static/{path.name}")
            assert response.status_code == 200 and response.content == path.read_bytes(), path.name
        script = http.get("/static/app.js")
        assert script.headers["content-type"].startswith("text/javascript")
        assert http.get("/static/app.js", headers={"If-None-Match": script.headers["etag"]}).status_code == 304
        for missing in ("nope.js", "..%2Fapp.py", "__init__.py"):
            response = http.get(f"/static/{missing}")
            assert response.status_code == 404 and response.json()["error"]["message"]
    assert server.client().get("/static/app.js").status_code == 401
    # `pip install .` ships every file the page loads: the package data takes static/* (a flat folder)
    assert "static/*" in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"][
        "chatcanvas.server"]
    assert all(path.is_file() for path in folder.iterdir())
