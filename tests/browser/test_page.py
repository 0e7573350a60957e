"""The try-it page of ``fuseface serve`` in a real browser (Debian's chromium): materials, selfies, faces,
degrees, fusing, results and errors. Phone width and keyboard-only use are in ``test_page_access.py``; large
photos, your own template and drag and drop in ``test_page_uploads.py``. Screenshots: ``tests/output/browser/``."""

from __future__ import annotations

import json
import time

import pytest

from ..support.images import no_face_jpeg
from ..support.paths import FACES
from .actions import add_photo, click_fuse, open_page, pick_material, pixels, set_degrees

NO_FACE_WORDS = "No face found: use a clear, front-facing photo"


def test_the_page_lists_materials_with_numbered_faces_and_their_algorithms(page, served, timings, output_dir):
    url, ids = served
    open_page(page, url, timings)
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
    open_page(page, url)
    pick_material(page, ids["fixture"])
    assert page.input_value("#face-degree") == "50"  # redefine's console default
    assert page.eval_on_selector_all("#levels option", "os => os.map(o => o.value)") == ["30", "40", "50", "60", "70"]
    add_photo(page, FACES / "biden.jpg")
    assert page.inner_text(".face-note") == "The outlined face will be used."
    set_degrees(page, "Home")
    assert page.inner_text("#face-degree-value") == "0" and page.inner_text("#profile-degree-value") == "0"
    low_req, low, _ = click_fuse(page, timings, "fuse_round_trip_s")
    # ModelId in the documented example's form: the material's first FaceId (mt_..._1)
    assert (low_req["FuseFaceDegree"], low_req["FuseProfileDegree"], low_req["ModelId"]) == (0, 0, f"{ids['fixture']}_1")
    page.screenshot(path=str(output_dir / "02-result-0-0.png"), full_page=True)
    set_degrees(page, "End")
    high_req, high, _ = click_fuse(page, timings, "fuse_round_trip_s")
    assert (high_req["FuseFaceDegree"], high_req["FuseProfileDegree"]) == (100, 100)
    a, b = pixels(low), pixels(high)
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
    open_page(page, url)
    add_photo(page, FACES / "biden.jpg")
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
    open_page(page, url)
    blank = tmp_path / "no-face.jpg"
    blank.write_bytes(no_face_jpeg(320))
    add_photo(page, blank)
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
    open_page(page, url)
    add_photo(page, FACES / "biden.jpg")
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
    open_page(page, url)
    with page.expect_response("**/detect") as detected:
        add_photo(page, FACES / "group.jpg")
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
    request, _, _ = click_fuse(page)
    rect = request["MergeInfos"][0]["InputImageFaceRect"]
    assert rect == {k: faces[other][k] for k in ("X", "Y", "Width", "Height")}


def test_a_two_face_material_takes_one_selfie_per_template_face(page, served, output_dir):
    url, ids = served
    open_page(page, url)
    pick_material(page, ids["two-presidents"])
    assert page.locator(".slot").count() == 2
    assert page.locator(".slot h3").all_inner_texts() == ["Template face 1", "Template face 2"]
    add_photo(page, FACES / "astronaut.jpg", slot=1)
    add_photo(page, FACES / "obama2.jpg", slot=2)
    request, _, _ = click_fuse(page)
    assert [m["TemplateFaceID"] for m in request["MergeInfos"]] == [f"{ids['two-presidents']}_1",
                                                                    f"{ids['two-presidents']}_2"]
    page.screenshot(path=str(output_dir / "06-two-faces.png"), full_page=True)


def test_faceswap_hides_the_sliders_and_sends_no_degrees(page, served):
    url, ids = served
    open_page(page, url)
    pick_material(page, ids["obama-faceswap"])
    assert page.is_hidden("#degrees") and page.is_visible("#degrees-off") and page.is_hidden("#compare-button")
    add_photo(page, FACES / "biden.jpg")
    request, _, _ = click_fuse(page)
    assert "FuseFaceDegree" not in request and "FuseProfileDegree" not in request
    pick_material(page, ids["astronaut-reinvent"])
    assert page.is_visible("#degrees") and page.input_value("#face-degree") == "30"  # reinvent's default


def test_compare_levels_shows_a_sweep_contact_sheet(page, served, timings, output_dir):
    url, ids = served
    open_page(page, url)
    pick_material(page, ids["astronaut-reinvent"])
    add_photo(page, FACES / "biden.jpg")
    started = time.perf_counter()
    page.click("#compare-button")
    page.wait_for_selector("#sweep-section:not([hidden])", timeout=120_000)
    page.wait_for_function("document.getElementById('sweep').complete && document.getElementById('sweep').naturalWidth")
    timings["sweep_s"] = round(time.perf_counter() - started, 3)
    width, height = page.eval_on_selector("#sweep", "i => [i.naturalWidth, i.naturalHeight]")
    assert height == 2 * (360 + 34) and width > 4 * 200  # two rows: template, user, 0, 10, 20 / 30, 50, 70, 100
    page.locator("#sweep-section").screenshot(path=str(output_dir / "07-sweep.png"))
