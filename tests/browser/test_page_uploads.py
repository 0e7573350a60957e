"""The try-it page with photos over the size limit, your own template (FuseFaceUltra, multipart) and a photo
dropped on the box (Debian's chromium). Screenshots: ``tests/output/browser/``."""

from __future__ import annotations

import base64
import io
import json

from ..support.paths import FACES
from .actions import add_photo, click_fuse, open_page, pixels


def test_a_photo_over_the_limit_is_shrunk_in_the_browser_and_fuses(page, served, tmp_path):
    import numpy as np
    from PIL import Image

    big = tmp_path / "phone-photo.jpg"
    with Image.open(FACES / "biden.jpg") as img:
        img = img.convert("RGB").resize((3000, int(img.height * 3000 / img.width)))
        noise = np.random.default_rng(7).integers(-12, 12, (img.height, img.width, 3))
        noisy = np.clip(np.asarray(img, dtype=np.int16) + noise, 0, 255).astype(np.uint8)
        Image.fromarray(noisy).save(big, "JPEG", quality=97)
    assert big.stat().st_size > 6_000_000  # over SCF's synchronous limit as it is
    url, _ = served
    open_page(page, url)
    add_photo(page, big)
    assert "Made smaller for sending" in page.inner_text("#status") or \
        page.inner_text(".face-note") == "The outlined face will be used."
    request, _, _ = click_fuse(page)
    assert len(json.dumps(request)) < 6_000_000
    assert len(base64.b64decode(request["MergeInfos"][0]["Image"])) < big.stat().st_size


# Chromium does not hand a FormData body with files to the request observer (``post_data_buffer`` is None), so the
# page's own FormData is read where it is handed to fetch.
CAPTURE_FORMS = """(() => {
    const original = window.fetch;
    window.__forms = [];
    window.fetch = function (input, init) {
        const body = init && init.body;
        if (body instanceof FormData) {
            window.__forms.push([...body.entries()].map(([name, value]) => value instanceof Blob ?
                [name, {size: value.size, type: value.type}] : [name, value]));
        }
        return original.apply(this, arguments);
    };
})();"""


def test_your_own_template_goes_to_fusefaceultra_as_multipart(page, served, output_dir, tmp_path):
    from PIL import Image

    from fuseface_local.emulator import read_metadata
    from fuseface_local.engine import FusionEngine

    url, _ = served
    template = tmp_path / "poster.jpg"  # 700 x 875: no material has this size, so the result's size tells
    with Image.open(FACES / "obama.jpg") as img:
        img.convert("RGB").resize((700, 875)).save(template, "JPEG", quality=90)
    page.add_init_script(CAPTURE_FORMS)
    open_page(page, url)
    assert page.request.get(url + "local/materials").json()["Ultra"] is True
    page.click("label[for='material-__own_template__']")
    assert page.is_checked("#material-__own_template__")
    assert page.is_visible("#template-file") and page.is_visible("#ultra-params")
    assert not page.is_visible("#degrees") and not page.is_visible("#compare-button")
    page.set_input_files("#template-file", str(template))
    page.wait_for_function("document.getElementById('template-note').textContent.includes('replaced')")
    assert page.inner_text("#template-note") == "The outlined face will be replaced by yours."
    card = "label[for='material-__own_template__'] .thumb"
    assert page.get_attribute(f"{card} img", "src").startswith("blob:")
    assert page.locator(f"{card} svg rect.chosen").count() == 2  # the face and its number tag, in green
    page.select_option("#swap-model-type", "4")
    page.focus("#warp-radio")
    for _ in range(8):  # 0.7 - 8 x 0.05
        page.keyboard.press("ArrowLeft")
    assert page.inner_text("#warp-radio-value") == "0.3"
    page.uncheck("#teeth-enhance")
    add_photo(page, FACES / "biden.jpg")
    with page.expect_request("**/fuse") as request:
        page.click("#fuse-button")
    page.wait_for_function("document.getElementById('fuse-button').getAttribute('aria-busy') === 'false'")
    assert page.inner_text("#error") == ""
    page.wait_for_selector("#result-section:not([hidden])")
    assert request.value.headers["content-type"].startswith("multipart/form-data; boundary=")
    ((parts),) = page.evaluate("window.__forms")
    assert [name for name, _ in parts] == ["template", "image", "SwapModelType", "WarpRadio", "EnhanceRadio",
                                           "MpRadio", "TeethEnhanceRadio"]
    assert parts[0][1] == {"size": template.stat().st_size, "type": "image/jpeg"}
    assert parts[1][1]["size"] == (FACES / "biden.jpg").stat().st_size
    assert [value for _, value in parts[2:]] == ["4", "0.3", "0.5", "0.5", "0"]
    src = page.get_attribute("#result", "src")
    assert src.startswith("data:image/jpeg;base64,")
    fused = base64.b64decode(src.split(",", 1)[1])
    with Image.open(io.BytesIO(fused)) as img:
        assert img.size == (700, 875)  # FuseFaceUltra answers in the template's size
    # the emulator records the parameters it fused with: the page's settings arrived
    assert read_metadata(fused) == {"FuseFaceUltra": "SwapModelType=4,WarpRadio=0.30,EnhanceRadio=0.50,MpRadio=0.50,"
                                                     "TeethEnhanceRadio=0.00"}
    (face,) = FusionEngine().detect(template.read_bytes())
    box = (slice(face.y, face.y + face.height), slice(face.x, face.x + face.width))
    assert float(abs(pixels(fused)[box] - pixels(template.read_bytes())[box]).mean()) > 8.0  # the face changed
    # the result beside the uploaded template and the selfie
    assert page.get_attribute("#template-view", "src").startswith("blob:")
    assert page.get_attribute("#selfie-view", "src").startswith("blob:")
    page.click("#before-after")
    assert page.get_attribute("#result", "src") == page.get_attribute("#template-view", "src")
    page.click("#before-after")
    page.screenshot(path=str(output_dir / "11-own-template.png"), full_page=True)
    assert page.errors == []


def test_a_photo_dropped_on_the_box_is_taken_like_a_chosen_one(page, served):
    """A drop with a real DataTransfer holding the file (Playwright cannot drag from the desktop)."""
    url, _ = served
    open_page(page, url)
    data = base64.b64encode((FACES / "biden.jpg").read_bytes()).decode()
    page.evaluate("""(b64) => {
        const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], 'dropped.jpg', {type: 'image/jpeg'}));
        const box = document.querySelector('.drop');
        box.dispatchEvent(new DragEvent('dragover', {dataTransfer: transfer, bubbles: true, cancelable: true}));
        if (!box.classList.contains('over')) { throw new Error('no drop highlight'); }
        box.dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true, cancelable: true}));
    }""", data)
    page.wait_for_function("document.querySelector('.face-note').textContent")
    assert page.inner_text(".face-note") == "The outlined face will be used."
    assert not page.evaluate("document.querySelector('.drop').classList.contains('over')")
    request, _, _ = click_fuse(page)
    assert base64.b64decode(request["MergeInfos"][0]["Image"]) == (FACES / "biden.jpg").read_bytes()
