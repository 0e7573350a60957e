"""What the browser tests do on the try-it page: open it, pick a material, add a photo, set the degrees,
fuse and read the result."""

from __future__ import annotations

import base64
import io
import json
import time


def open_page(page, url, timings=None, key="page_load_s"):
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_function("document.querySelectorAll('.material img').length > 0 && "
                           "[...document.querySelectorAll('.material img')].every(i => i.complete && i.naturalWidth)")
    page.wait_for_selector(".material svg rect")
    if timings is not None:
        timings[key] = round(time.perf_counter() - started, 3)


def pick_material(page, model_id):
    page.click(f"label[for='material-{model_id}']")
    assert page.is_checked(f"#material-{model_id}")


def add_photo(page, path, slot=1):
    page.set_input_files(f"#selfie-{slot}", str(path))
    page.wait_for_function(f"document.querySelectorAll('.slot')[{slot - 1}].querySelector('.face-note').textContent "
                           f"|| document.getElementById('error').textContent")


def set_degrees(page, key):
    """Both sliders to an end with the keyboard: Home -> 0, End -> 100."""
    for slider in ("#face-degree", "#profile-degree"):
        page.focus(slider)
        page.keyboard.press(key)


def click_fuse(page, timings=None, key=None):
    """Click Fuse; return (the /fuse request's JSON, the result image bytes, seconds)."""
    before = page.get_attribute("#result", "src")
    with page.expect_request("**/fuse") as request:
        started = time.perf_counter()
        page.click("#fuse-button")
    page.wait_for_function("document.getElementById('fuse-button').getAttribute('aria-busy') === 'false'")
    page.wait_for_function("document.getElementById('result').complete && document.getElementById('result').naturalWidth > 0")
    seconds = time.perf_counter() - started
    assert page.is_visible("#result-section") and page.get_attribute("#result", "src") != before
    if timings is not None and key:
        timings.setdefault(key, []).append(round(seconds, 3))
    src = page.get_attribute("#result", "src")
    assert src.startswith("data:image/jpeg;base64,")
    return json.loads(request.value.post_data), base64.b64decode(src.split(",", 1)[1]), seconds


def pixels(data):
    import numpy as np
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img.convert("RGB"), dtype=np.int16)
