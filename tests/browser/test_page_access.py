"""The try-it page at phone width and with the keyboard only (Debian's chromium). Screenshots:
``tests/output/browser/``."""

from __future__ import annotations

import json

from ..support.paths import FACES
from .actions import add_photo, click_fuse, open_page


def test_at_phone_width_the_result_is_in_view_without_horizontal_scrolling(browser, served, timings, output_dir):
    url, ids = served
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    page = context.new_page()
    try:
        open_page(page, url, timings, "page_load_phone_s")
        assert page.is_visible(".slot .camera input[capture=user]")  # a touch screen offers the camera
        page.screenshot(path=str(output_dir / "08-phone-top.png"))
        add_photo(page, FACES / "biden.jpg")
        click_fuse(page, timings, "fuse_round_trip_phone_s")
        page.wait_for_timeout(300)
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
        box = page.locator("#result").bounding_box()
        assert box["width"] <= 390 and box["x"] >= 0
        assert 0 <= box["y"] < 844 * 0.5  # scrolled into view: the result starts in the upper half of the screen
        page.screenshot(path=str(output_dir / "09-phone-result.png"))
    finally:
        context.close()


def test_keyboard_only_pick_a_material_add_a_photo_set_degrees_and_fuse(page, served, output_dir):
    url, ids = served
    # Listen for the file chooser from the start: ``expect_file_chooser`` turns Chromium's chooser interception on
    # without waiting for it, and a Space pressed right after could open an uncaught chooser (1 run in 5 timed out).
    choosers = []
    page.on("filechooser", lambda chooser: choosers.append(chooser))
    open_page(page, url)

    def tab_to(selector, limit=60):
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(f"document.activeElement === document.querySelector({json.dumps(selector)})"):
                return
        raise AssertionError(f"Tab never reached {selector}")

    tab_to("input[name=material]:checked")
    page.keyboard.press("ArrowRight")  # the next material in the radio group
    checked = page.eval_on_selector("input[name=material]:checked", "i => i.value")
    assert checked != ids["fixture"]
    while checked != ids["astronaut-reinvent"]:
        page.keyboard.press("ArrowRight")
        checked = page.eval_on_selector("input[name=material]:checked", "i => i.value")
    assert page.input_value("#face-degree") == "30"
    tab_to("#selfie-1")
    page.keyboard.press("Space")
    for _ in range(100):
        if choosers:
            break
        page.wait_for_timeout(50)
    assert len(choosers) == 1, "Space on the focused file input opened no file chooser"
    choosers[0].set_files(str(FACES / "biden.jpg"))
    page.wait_for_function("document.querySelector('.face-note').textContent")
    tab_to("#face-degree")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.input_value("#face-degree") == "32"
    tab_to("#fuse-button")
    with page.expect_request("**/fuse") as request:
        page.keyboard.press("Enter")
    page.wait_for_selector("#result-section:not([hidden])")
    assert json.loads(request.value.post_data)["FuseFaceDegree"] == 32
    assert page.evaluate("document.activeElement.id") == "result-heading"
    page.keyboard.press("Tab")  # on to the before/after toggle, then Space flips it
    page.keyboard.press("Space")
    assert page.get_attribute("#before-after", "aria-pressed") == "true"
    page.screenshot(path=str(output_dir / "10-keyboard.png"), full_page=True)
