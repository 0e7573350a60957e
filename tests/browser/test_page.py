"""The try-it page of ``fuseface serve`` in a real browser (Debian's chromium): materials, selfies, faces,
degrees, fusing, results, errors, phone width and keyboard-only use. Screenshots: ``tests/output/browser/``."""

from __future__ import annotations

import base64
import io
import json
import time

import pytest

from ..support.images import no_face_jpeg
from ..support.paths import FACES

NO_FACE_WORDS = "No face found: use a clear, front-facing photo"


def _open(page, url, timings=None, key="page_load_s"):
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_function("document.querySelectorAll('.material img').length > 0 && "
                           "[...document.querySelectorAll('.material img')].every(i => i.complete && i.naturalWidth)")
    page.wait_for_selector(".material svg rect")
    if timings is not None:
        timings[key] = round(time.perf_counter() - started, 3)


def _pick(page, model_id):
    page.click(f"label[for='material-{model_id}']")
    assert page.is_checked(f"#material-{model_id}")


def _add_photo(page, path, slot=1):
    page.set_input_files(f"#selfie-{slot}", str(path))
    page.wait_for_function(f"document.querySelectorAll('.slot')[{slot - 1}].querySelector('.face-note').textContent "
                           f"|| document.getElementById('error').textContent")


def _set_degrees(page, key):
    """Both sliders to an end with the keyboard: Home -> 0, End -> 100."""
    for slider in ("#face-degree", "#profile-degree"):
        page.focus(slider)
        page.keyboard.press(key)


def _fuse(page, timings=None, key=None):
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


def _pixels(data):
    import numpy as np
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img.convert("RGB"), dtype=np.int16)


def test_the_page_lists_materials_with_numbered_faces_and_their_algorithms(page, served, timings, output_dir):
    url, ids = served
    _open(page, url, timings)
    assert page.inner_text("#materials legend") == "Material"
    radios = page.query_selector_all("#materials input[type=radio][name=material]")
    assert {r.get_attribute("value") for r in radios} >= set(ids.values())
    card = page.locator(f".material:has(#material-{ids['two-presidents']})")
    assert card.locator(".name").inner_text() == "two-presidents"
    assert card.locator(".algo").inner_text().startswith("畅享版 (redefine) · 2 faces")
    assert card.locator("svg rect:not(.tag)").count() == 2 and card.locator("svg text").all_text_contents() == ["1", "2"]
    reinvent = page.locator(f".material:has(#material-{ids['astronaut-reinvent']}) .algo").inner_text()
    assert reinvent.startswith("优享版 (reinvent)")
    assert page.locator(f".material:has(#material-{ids['obama-faceswap']}) .algo").inner_text().startswith("换脸版")
    page.screenshot(path=str(output_dir / "01-materials.png"), full_page=True)
    assert page.errors == []


def test_fuse_shows_the_result_beside_template_and_selfie_and_the_degrees_change_it(page, served, timings,
                                                                                   output_dir):
    url, ids = served
    _open(page, url)
    _pick(page, ids["fixture"])
    assert page.input_value("#face-degree") == "50"  # redefine's console default
    assert page.eval_on_selector_all("#levels option", "os => os.map(o => o.value)") == ["30", "40", "50", "60", "70"]
    _add_photo(page, FACES / "biden.jpg")
    assert page.inner_text(".face-note") == "The outlined face will be used."
    _set_degrees(page, "Home")
    assert page.inner_text("#face-degree-value") == "0" and page.inner_text("#profile-degree-value") == "0"
    low_req, low, _ = _fuse(page, timings, "fuse_round_trip_s")
    # ModelId in the documented example's form: the material's first FaceId (mt_..._1)
    assert (low_req["FuseFaceDegree"], low_req["FuseProfileDegree"], low_req["ModelId"]) == (0, 0, f"{ids['fixture']}_1")
    page.screenshot(path=str(output_dir / "02-result-0-0.png"), full_page=True)
    _set_degrees(page, "End")
    high_req, high, _ = _fuse(page, timings, "fuse_round_trip_s")
    assert (high_req["FuseFaceDegree"], high_req["FuseProfileDegree"]) == (100, 100)
    a, b = _pixels(low), _pixels(high)
    listed = page.request.get(url + "materials").json()["Response"]["MaterialInfos"]
    face = next(m for m in listed if m["MaterialId"] == ids["fixture"])["MaterialFaceList"][0]["FaceInfo"]
    box = (slice(face["Y"], face["Y"] + face["Height"]), slice(face["X"], face["X"] + face["Width"]))
    assert a.shape == b.shape
    assert float(abs(a[box] - b[box]).mean()) > 8.0  # in the face: 0/0 is the user's, 100/100 the template's
    page.click("#reset-degrees")
    assert page.input_value("#face-degree") == "50" and page.input_value("#profile-degree") == "50"
    # beside the template and the selfie; a download link; a before/after toggle
    assert page.get_attribute("#template-view", "src").endswith(f"/local/materials/{ids['fixture']}/image")
    assert page.get_attribute("#selfie-view", "src").startswith("blob:")
    assert page.get_attribute("#download", "download") == "fused.jpg"
    assert page.get_attribute("#download", "href") == page.get_attribute("#result", "src")
    page.click("#before-after")
    assert page.get_attribute("#before-after", "aria-pressed") == "true"
    assert page.get_attribute("#result", "src").endswith(f"/local/materials/{ids['fixture']}/image")
    page.click("#before-after")
    assert page.get_attribute("#result", "src").startswith("data:image/jpeg;base64,")
    page.screenshot(path=str(output_dir / "03-result-100-100.png"), full_page=True)
    assert page.errors == []


def test_fuse_is_disabled_with_a_spinner_while_working_and_never_sent_twice(page, served):
    url, ids = served
    _open(page, url)
    _add_photo(page, FACES / "biden.jpg")
    sent, held = [], []
    page.on("request", lambda r: sent.append(r) if r.url.endswith("/fuse") else None)
    page.route("**/fuse", lambda route: held.append(route))  # the fuse is held until the second click and Enter are done
    page.click("#fuse-button")
    assert page.is_disabled("#fuse-button") and page.get_attribute("#fuse-button", "aria-busy") == "true"
    assert page.is_visible("#fuse-button .spinner")
    page.click("#fuse-button", force=True)  # a second click while working
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    assert len(sent) == 1 and len(held) == 1
    held[0].continue_()
    page.wait_for_selector("#result-section:not([hidden])")
    page.wait_for_timeout(300)
    assert len(sent) == 1
    assert not page.is_disabled("#fuse-button") and not page.is_visible("#fuse-button .spinner")


def test_a_photo_without_a_face_says_so_in_plain_words_then_the_code(page, served, tmp_path, output_dir):
    url, _ = served
    _open(page, url)
    blank = tmp_path / "no-face.jpg"
    blank.write_bytes(no_face_jpeg(320))
    _add_photo(page, blank)
    alert = page.locator("[role=alert]")
    assert alert.locator("strong").inner_text() == NO_FACE_WORDS
    assert alert.locator("code").inner_text().startswith("InvalidParameterValue.NoFaceInPhoto")  # from /detect
    page.click("#fuse-button")
    page.wait_for_function("document.getElementById('fuse-button').getAttribute('aria-busy') === 'false'")
    assert alert.locator("strong").inner_text() == NO_FACE_WORDS
    assert alert.locator("code").inner_text().startswith("FailedOperation.NoFaceDetected: ")  # from FuseFace
    assert page.is_hidden("#result-section")
    page.screenshot(path=str(output_dir / "04-no-face.png"), full_page=True)


@pytest.mark.parametrize(("answer", "words"), [
    ({"status": 429, "body": {"Response": {"Error": {"Code": "RequestLimitExceeded", "Message": "slow down"},
                                           "RequestId": "r"}}}, "Too many requests right now"),
    ({"status": 413, "body": {"Response": {"Error": {"Code": "RequestSizeLimitExceeded", "Message": "6 MB"},
                                           "RequestId": "r"}}}, "The photo is too large"),
    ({"status": 422, "body": {"Response": {"Error": {"Code": "FailedOperation.FaceSizeTooSmall", "Message": "m"},
                                           "RequestId": "r"}}}, "The face is too small"),
    ({"status": 502, "body": {"Response": {"Error": {"Code": "Made.Up", "Message": "m"}, "RequestId": "r"}}},
     "Something went wrong"),
    ("abort", "The server cannot be reached"),
])
def test_every_error_is_plain_words_first_never_blank(page, served, answer, words):
    """The server's answers are replaced in the browser (page.route) to show how the page words each one."""
    url, _ = served
    _open(page, url)
    _add_photo(page, FACES / "biden.jpg")
    if answer == "abort":
        page.route("**/fuse", lambda route: route.abort("connectionrefused"))
    else:
        page.route("**/fuse", lambda route: route.fulfill(status=answer["status"], content_type="application/json",
                                                          body=json.dumps(answer["body"])))
    page.click("#fuse-button")
    page.wait_for_function("document.getElementById('error').textContent !== ''")
    strong = page.inner_text("[role=alert] strong")
    assert strong.startswith(words)
    code = page.inner_text("[role=alert] code")
    assert code.split(":")[0] == ("Network" if answer == "abort" else answer["body"]["Response"]["Error"]["Code"])
    assert not page.is_disabled("#fuse-button")


def test_a_group_photo_shows_its_faces_and_the_chosen_one_is_sent_as_inputimagefacerect(page, served, output_dir):
    url, ids = served
    _open(page, url)
    with page.expect_response("**/detect") as detected:
        _add_photo(page, FACES / "group.jpg")
    faces = detected.value.json()["Response"]["FaceInfos"]
    assert len(faces) == 5
    options = page.locator(".slot .faces input[type=radio]")
    assert options.count() == 5
    largest = max(range(5), key=lambda i: faces[i]["Width"] * faces[i]["Height"])
    assert options.nth(largest).is_checked()
    other = (largest + 1) % 5
    options.nth(other).check()
    assert page.inner_text(".face-note") == f"5 faces found: face {other + 1} (outlined in green) will be used."
    assert page.locator(".preview svg rect.chosen:not(.tag)").count() == 1
    page.screenshot(path=str(output_dir / "05-group-photo.png"), full_page=True)
    request, _, _ = _fuse(page)
    rect = request["MergeInfos"][0]["InputImageFaceRect"]
    assert rect == {k: faces[other][k] for k in ("X", "Y", "Width", "Height")}


def test_a_two_face_material_takes_one_selfie_per_template_face(page, served, output_dir):
    url, ids = served
    _open(page, url)
    _pick(page, ids["two-presidents"])
    assert page.locator(".slot").count() == 2
    assert page.locator(".slot h3").all_inner_texts() == ["Template face 1", "Template face 2"]
    _add_photo(page, FACES / "astronaut.jpg", slot=1)
    _add_photo(page, FACES / "obama2.jpg", slot=2)
    request, _, _ = _fuse(page)
    assert [m["TemplateFaceID"] for m in request["MergeInfos"]] == [f"{ids['two-presidents']}_1",
                                                                    f"{ids['two-presidents']}_2"]
    page.screenshot(path=str(output_dir / "06-two-faces.png"), full_page=True)


def test_faceswap_hides_the_sliders_and_sends_no_degrees(page, served):
    url, ids = served
    _open(page, url)
    _pick(page, ids["obama-faceswap"])
    assert page.is_hidden("#degrees") and page.is_visible("#degrees-off") and page.is_hidden("#compare-button")
    _add_photo(page, FACES / "biden.jpg")
    request, _, _ = _fuse(page)
    assert "FuseFaceDegree" not in request and "FuseProfileDegree" not in request
    _pick(page, ids["astronaut-reinvent"])
    assert page.is_visible("#degrees") and page.input_value("#face-degree") == "30"  # reinvent's default


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
    _open(page, url)
    _add_photo(page, big)
    assert "Made smaller for sending" in page.inner_text("#status") or \
        page.inner_text(".face-note") == "The outlined face will be used."
    request, _, _ = _fuse(page)
    assert len(json.dumps(request)) < 6_000_000
    assert len(base64.b64decode(request["MergeInfos"][0]["Image"])) < big.stat().st_size


def test_compare_levels_shows_a_sweep_contact_sheet(page, served, timings, output_dir):
    url, ids = served
    _open(page, url)
    _pick(page, ids["astronaut-reinvent"])
    _add_photo(page, FACES / "biden.jpg")
    started = time.perf_counter()
    page.click("#compare-button")
    page.wait_for_selector("#sweep-section:not([hidden])", timeout=120_000)
    page.wait_for_function("document.getElementById('sweep').complete && document.getElementById('sweep').naturalWidth")
    timings["sweep_s"] = round(time.perf_counter() - started, 3)
    width, height = page.eval_on_selector("#sweep", "i => [i.naturalWidth, i.naturalHeight]")
    assert height == 2 * (360 + 34) and width > 4 * 200  # two rows: template, user, 0, 10, 20 / 30, 50, 70, 100
    page.locator("#sweep-section").screenshot(path=str(output_dir / "07-sweep.png"))


def test_at_phone_width_the_result_is_in_view_without_horizontal_scrolling(browser, served, timings, output_dir):
    url, ids = served
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    page = context.new_page()
    try:
        _open(page, url, timings, "page_load_phone_s")
        assert page.is_visible(".slot .camera input[capture=user]")  # a touch screen offers the camera
        page.screenshot(path=str(output_dir / "08-phone-top.png"))
        _add_photo(page, FACES / "biden.jpg")
        _fuse(page, timings, "fuse_round_trip_phone_s")
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
    _open(page, url)

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
    _open(page, url)
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
    _add_photo(page, FACES / "biden.jpg")
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
    assert float(abs(_pixels(fused)[box] - _pixels(template.read_bytes())[box]).mean()) > 8.0  # the face changed
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
    _open(page, url)
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
    request, _, _ = _fuse(page)
    assert base64.b64decode(request["MergeInfos"][0]["Image"]) == (FACES / "biden.jpg").read_bytes()
