"""The web chat page in headless Chromium (Debian's package, driven by Playwright): send, see, pick, edit."""

from __future__ import annotations

from tests.conftest import needs_chromium

pytestmark = needs_chromium


def test_send_a_message_and_an_image_appears_then_pick_it_and_edit(live, browser):
    server = live()
    page = browser.new_page()
    page.goto(server.url + "/")
    page.fill("#text", "draw a red fox")
    page.press("#text", "Enter")
    first = page.locator(".bot img").first
    first.wait_for(timeout=60_000)
    page.wait_for_function("() => document.querySelector('.bot img').naturalWidth > 0")
    assert "Here is your image" in page.locator(".bot").first.inner_text()

    page.fill("#text", "draw a boat")
    page.press("#text", "Enter")
    page.locator(".bot img").nth(1).wait_for(timeout=60_000)
    first.click()  # pick the fox to edit, although the boat is current
    assert "picked" in first.get_attribute("class")
    page.fill("#text", "make it blue")
    page.press("#text", "Enter")
    page.locator(".bot img").nth(2).wait_for(timeout=60_000)
    fox_id, edited_id = first.get_attribute("data-id"), page.locator(".bot img").nth(2).get_attribute("data-id")
    meta = server.client().get(f"/v1/images/{edited_id}/meta").json()
    assert meta["parent_id"] == fox_id and meta["prompt"] == "a blue fox"

    page.reload()  # the conversation is restored from the server
    page.locator(".bot img").nth(2).wait_for(timeout=30_000)
    assert page.locator(".user").count() == 3


def test_the_page_asks_for_a_key_when_keys_are_set(live, browser):
    from tests.conftest import KEYS

    server = live(api_keys=KEYS)
    page = browser.new_page()
    response = page.goto(server.url + "/")
    assert response.status == 401
    page.fill("input[name=key]", "key-bob")
    page.click("button[type=submit]")
    page.wait_for_selector("#send:enabled")  # the page is ready once its script has run
    page.fill("#text", "draw a green frog")
    page.press("#text", "Enter")
    page.locator(".bot img").first.wait_for(timeout=60_000)
    assert server.client("key-bob").get("/v1/images").json()["data"][0]["prompt"] == "a green frog"


def test_attach_a_photo_and_edit_it(live, browser, tmp_path):
    from PIL import Image

    Image.new("RGB", (64, 48), "olive").save(tmp_path / "photo.png")
    server = live()
    page = browser.new_page()
    page.goto(server.url + "/")
    page.set_input_files("#file", str(tmp_path / "photo.png"))
    page.fill("#text", "make this a watercolor")
    page.press("#text", "Enter")
    page.locator(".bot img").first.wait_for(timeout=60_000)
    edited_id = page.locator(".bot img").first.get_attribute("data-id")
    meta = server.client().get(f"/v1/images/{edited_id}/meta").json()
    upload = server.client().get(f"/v1/images/{meta['parent_id']}/meta").json()
    assert upload["operation"] == "upload" and (upload["width"], upload["height"]) == (64, 48)
    # the photo shows in the user's own message, and again after a reload (read back from the server)
    assert page.locator(".user .attachments img").first.get_attribute("alt") == "your photo photo.png"
    page.reload()
    page.locator(f".user .attachments img[data-id='{upload['id']}']").wait_for(timeout=30_000)


def test_a_newcomer_on_shapes_asks_draws_changes_undoes_and_gets_variations(live, browser):
    """The first minutes of a new user on the page, in their own words, on the built-in `shapes` model."""
    from chatcanvas.engine.ranges import shapes_range

    server = live(model="shapes")
    page = browser.new_page()
    page.goto(server.url + "/")
    examples = page.locator(".example")  # the empty page offers three prompts from the model's range
    examples.first.wait_for()
    assert examples.all_inner_texts() == list(shapes_range().examples)
    assert "circle" in page.locator("#welcome").inner_text()
    bots = page.locator(".bot")

    def say(text: str, replies: int) -> None:
        page.fill("#text", text)
        page.press("#text", "Enter")
        bots.nth(replies - 1).wait_for(timeout=120_000)
        page.wait_for_function("() => !document.getElementById('send').disabled", timeout=120_000)

    say("hi! what can you do?", 1)
    assert "shapes" in bots.nth(0).inner_text()  # the help names this model's range, not lighthouses
    say("can I get a red circle on a yellow background", 2)
    first = bots.nth(1).locator("img")
    assert first.get_attribute("alt") == "a red circle on a yellow background"
    say("hmm make it blue", 3)
    assert bots.nth(2).locator("img").get_attribute("alt") == "a blue circle on a yellow background"
    say("undo", 4)
    assert bots.nth(3).locator("img").count() == 0  # going back draws nothing...
    assert "current" in first.get_attribute("class")  # ...it marks the earlier picture as the current one
    say("give me 3 variations", 5)
    takes = bots.nth(4).locator("img")
    assert takes.count() == 3
    assert {takes.nth(i).get_attribute("alt") for i in range(3)} == {"a red circle on a yellow background"}
    assert "current" in takes.nth(2).get_attribute("class")
    say("the second one", 6)
    assert "current" in takes.nth(1).get_attribute("class")
    say("a cat please", 7)  # out of range on shapes: said plainly, nothing drawn
    assert bots.nth(6).locator("img").count() == 0 and "circle" in bots.nth(6).inner_text()
