/* The try-it page: materials, selfies (one per template face, with the face to use), degrees, fuse, result. */
(function () {
  "use strict";
  var api = window.FuseApi, $ = function (id) { return document.getElementById(id); };
  var OWN = "__own_template__", SVG = "http://www.w3.org/2000/svg";
  var state = {materials: [], extras: {}, ultra: false, selected: null, slots: [], busy: false, result: null,
               template: null, own: null};

  // --- messages -------------------------------------------------------------------------------------------
  function setStatus(text) { $("status").textContent = text || ""; }
  function clearError() { $("error").textContent = ""; }
  function showError(err) {
    err = api.toError(err);
    var box = $("error"), strong = document.createElement("strong"), code = document.createElement("code");
    strong.textContent = api.plainWords(err.code);
    code.textContent = (err.code || "Error") + (err.message ? ": " + err.message : "");
    box.textContent = ""; box.appendChild(strong); box.appendChild(code);
    setStatus("");
    var where = box.getBoundingClientRect();
    if (where.top < 0 || where.bottom > window.innerHeight) { box.scrollIntoView({block: "nearest"}); }
  }

  // --- materials ------------------------------------------------------------------------------------------
  // Outline and number `faces` ({X, Y, Width, Height} in image pixels) over an image shown `shownWidth` px wide.
  function faceBoxes(svg, width, height, faces, chosen, fit) {
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    svg.setAttribute("preserveAspectRatio", fit ? "xMidYMid meet" : "none");
    svg.textContent = "";
    var shown = svg.getBoundingClientRect(), scale = Math.max(width / (shown.width || width), height / (shown.height || height));
    var size = Math.round(15 * scale), pad = Math.round(3 * scale);
    faces.forEach(function (f, i) {
      var rect = document.createElementNS(SVG, "rect"), tag = document.createElementNS(SVG, "rect");
      var text = document.createElementNS(SVG, "text"), y = Math.max(f.Y - size - pad, 0);
      rect.setAttribute("x", f.X); rect.setAttribute("y", f.Y);
      rect.setAttribute("width", f.Width); rect.setAttribute("height", f.Height);
      rect.setAttribute("class", i === chosen ? "chosen" : "");
      tag.setAttribute("x", f.X); tag.setAttribute("y", y); tag.setAttribute("class", "tag" + (i === chosen ? " chosen" : ""));
      tag.setAttribute("width", size * 0.65 * String(i + 1).length + 2 * pad); tag.setAttribute("height", size + pad);
      text.setAttribute("x", f.X + pad); text.setAttribute("y", y + size - pad / 2);
      text.setAttribute("style", "font-size:" + size + "px");
      text.textContent = String(i + 1);
      svg.appendChild(rect); svg.appendChild(tag); svg.appendChild(text);
    });
  }

  function materialCard(id, name, algoText, imageUrl, faces) {
    var wrap = document.createElement("div"), input = document.createElement("input"), label = document.createElement("label");
    wrap.className = "material";
    input.type = "radio"; input.name = "material"; input.value = id; input.id = "material-" + id;
    label.htmlFor = input.id;
    var thumb = document.createElement("span"); thumb.className = "thumb";
    if (imageUrl) {
      var img = document.createElement("img"), svg = document.createElementNS(SVG, "svg");
      img.alt = ""; img.src = imageUrl; img.loading = "lazy";
      svg.setAttribute("aria-hidden", "true");
      img.addEventListener("load", function () { faceBoxes(svg, img.naturalWidth, img.naturalHeight, faces, -1, true); });
      thumb.appendChild(img); thumb.appendChild(svg);
    } else {
      var own = document.createElement("span"); own.className = "own"; own.textContent = "+"; thumb.appendChild(own);
    }
    var title = document.createElement("span"), algo = document.createElement("span");
    title.className = "name"; title.textContent = name;
    algo.className = "algo"; algo.textContent = algoText;
    label.appendChild(thumb); label.appendChild(title); label.appendChild(algo);
    wrap.appendChild(input); wrap.appendChild(label);
    input.addEventListener("change", function () { if (input.checked) { selectMaterial(id); } });
    return wrap;
  }

  function renderMaterials(defaultId) {
    var list = $("material-list");
    list.textContent = "";
    state.materials.forEach(function (m) {
      var extra = state.extras[m.MaterialId] || {}, faces = (m.MaterialFaceList || []).map(function (f) { return f.FaceInfo; });
      var algo = extra.Algorithm ? extra.AlgorithmName + " (" + extra.Algorithm + ")" : "algorithm: see the console";
      algo += " \u00b7 " + faces.length + (faces.length === 1 ? " face" : " faces");
      list.appendChild(materialCard(m.MaterialId, m.MaterialName || m.MaterialId, algo, extra.Image, faces));
    });
    if (state.ultra) {
      list.appendChild(materialCard(OWN, "Your own template", "FuseFaceUltra \u00b7 upload below", null, []));
    }
    // The configured ModelId names a material by its MaterialId or by one of its FaceIds (mt_..._1).
    var named = state.materials.filter(function (m) {
      return m.MaterialId === defaultId || (m.MaterialFaceList || []).some(function (f) { return f.FaceId === defaultId; });
    })[0];
    var first = (named && named.MaterialId) ||
      (state.materials[0] && state.materials[0].MaterialId) || (state.ultra ? OWN : null);
    if (first) { $("material-" + first).checked = true; selectMaterial(first); }
  }

  function loadMaterials() {
    var extras = api.getJson("/local/materials").catch(function () { return null; });
    var listed = fetch("/materials", {headers: {}}).then(function (r) { return r.json(); }).then(function (env) {
      var resp = env.Response || {};
      if (resp.Error) { throw new api.FuseError(resp.Error.Code, resp.Error.Message, 0); }
      return resp;
    }, function (e) { throw new api.FuseError("Network", String(e && e.message || e), 0); });
    return Promise.all([listed, extras]).then(function (both) {
      var local = both[1] || {};
      state.extras = local.Materials || {};
      state.ultra = !!local.Ultra;
      state.materials = (both[0].MaterialInfos || []).filter(function (m) {
        return [1, 21].indexOf(m.MaterialStatus) >= 0;
      });
      var count = state.materials.length;
      $("materials-status").textContent = count ? count + (count === 1 ? " material" : " materials") +
        " of activity " + (local.ActivityId || "(configured)") + ". Faces are numbered as TemplateFaceID." :
        "No approved material: add one with \u201cfuseface materials add\u201d.";
      renderMaterials(local.DefaultModelId);
    }).catch(function (err) { $("materials-status").textContent = "Materials could not be loaded."; showError(err); });
  }

  // What FuseFace takes as ModelId: the first face's FaceId, the form of the documented example (mt_..._1);
  // a bare MaterialId is accepted by the emulator too (which one the real service wants is UNCONFIRMED).
  function modelId(m) {
    var faces = m.MaterialFaceList || [];
    return faces.length ? faces[0].FaceId : m.MaterialId;
  }

  function selectedMaterial() {
    return state.materials.filter(function (m) { return m.MaterialId === state.selected; })[0] || null;
  }

  function selectMaterial(id) {
    state.selected = id;
    var m = selectedMaterial(), extra = state.extras[id] || {}, own = id === OWN;
    var faceswap = extra.Algorithm === "faceswap";
    $("own-template").hidden = !own;
    $("ultra-params").hidden = !own;
    $("degrees").hidden = faceswap || own;
    $("degrees-off").hidden = !faceswap;
    $("compare-button").hidden = faceswap || own || !extra.Algorithm;
    setDegrees(extra);
    var faces = own ? [{FaceId: null}] : (m.MaterialFaceList || []);
    var old = state.slots;
    state.slots = faces.map(function (f, i) { return {faceId: f.FaceId, index: i, photo: old[i] && old[i].photo,
      faces: old[i] && old[i].faces, chosen: old[i] ? old[i].chosen : -1}; });
    renderSlots();
  }

  // --- degrees ----------------------------------------------------------------------------------------------
  function setDegrees(extra) {
    var levels = extra.RecommendedLevels || [], list = $("levels");
    list.textContent = "";
    levels.forEach(function (v) { var o = document.createElement("option"); o.value = v; list.appendChild(o); });
    $("levels-hint").textContent = levels.length ? "Recommended levels for " + extra.AlgorithmName + ": " +
      levels.join(" \u00b7 ") + " (ticks on the sliders)." : "";
    state.defaults = [extra.FuseFaceDegree == null ? 50 : extra.FuseFaceDegree,
                      extra.FuseProfileDegree == null ? 50 : extra.FuseProfileDegree];
    resetDegrees();
  }
  function resetDegrees() {
    ["face-degree", "profile-degree"].forEach(function (id, i) {
      $(id).value = state.defaults[i]; $(id + "-value").value = state.defaults[i];
    });
  }

  // --- your own template (FuseFaceUltra) -------------------------------------------------------------------
  function largestFace(faces) {  // the API's default face ("不填默认取最大人脸")
    var largest = -1;
    faces.forEach(function (f, i) { if (largest < 0 || f.Width * f.Height > faces[largest].Width * faces[largest].Height) { largest = i; } });
    return largest;
  }

  // Read the chosen template (made to fit like a photo), show it on the "Your own template" card with its faces,
  // the one FuseFaceUltra replaces (the largest: the API's default) outlined in green.
  function addTemplate(file) {
    clearError();
    var own = state.own = {faces: null};
    $("template-note").textContent = "Reading the template…";
    own.ready = api.preparePhoto(file, api.photoBudget(2));
    own.ready.then(function (photo) {
      if (state.own !== own) { return null; }
      own.photo = photo;
      showTemplate(own);
      return api.detect(photo.base64).then(function (resp) {
        own.faces = resp.FaceInfos || []; own.frame = [resp.ImageWidth, resp.ImageHeight];
      }, function (err) {
        if (!/NoFace/.test(err.code)) { throw err; }
        own.faces = [];
      }).then(function () { if (state.own === own) { showTemplate(own); } });
    }).catch(function (err) { if (state.own === own) { $("template-note").textContent = ""; showError(err); } });
  }

  function showTemplate(own) {
    var thumb = document.querySelector("label[for='material-" + OWN + "'] .thumb");
    var img = document.createElement("img"), svg = document.createElementNS(SVG, "svg");
    var faces = own.faces || [], frame = own.frame || [own.photo.width, own.photo.height], largest = largestFace(faces);
    img.alt = "Your template"; svg.setAttribute("aria-hidden", "true");
    thumb.textContent = ""; thumb.appendChild(img); thumb.appendChild(svg);
    img.addEventListener("load", function () { faceBoxes(svg, frame[0], frame[1], faces, largest, true); });
    img.src = own.photo.url;
    thumb.parentNode.querySelector(".algo").textContent = "FuseFaceUltra \u00b7 " + (own.faces == null ? "reading" :
      faces.length + (faces.length === 1 ? " face" : " faces"));
    $("template-note").textContent = own.faces == null ? "Looking for faces…" : !faces.length ?
      "No face found in this template: FuseFaceUltra needs one (over 34 px)." :
      faces.length === 1 ? "The outlined face will be replaced by yours." :
      faces.length + " faces found: the largest (outlined in green) will be replaced by yours.";
  }

  // FuseFaceUltra's form fields: SwapModelType, the radios (model 6 ignores them), the selfie's face if it has several.
  function ultraFields(slot) {
    var model = $("swap-model-type").value, fields = {SwapModelType: model};
    if (model !== "6") {
      fields.WarpRadio = $("warp-radio").value; fields.EnhanceRadio = $("enhance-radio").value;
      fields.MpRadio = $("mp-radio").value; fields.TeethEnhanceRadio = $("teeth-enhance").checked ? 1 : 0;
    }
    var f = slot.faces && slot.faces[slot.chosen];
    if (f && slot.faces.length > 1) { fields.X = f.X; fields.Y = f.Y; fields.Width = f.Width; fields.Height = f.Height; }
    return fields;
  }

  // --- selfies ------------------------------------------------------------------------------------------------
  function renderSlots() {
    var box = $("selfie-slots"), many = state.slots.length > 1;
    box.textContent = "";
    $("selfies-hint").hidden = false;
    state.slots.forEach(function (slot, i) {
      var el = document.createElement("div"), n = i + 1, id = "selfie-" + n;
      el.className = "slot";
      el.innerHTML = (many ? "<h3>Template face " + n + "</h3>" : "") +
        '<label class="drop" for="' + id + '">' + (many ? "Photo for face " + n : "Your selfie") +
        ' (JPEG or PNG): choose a file or drop it here<input id="' + id + '" type="file" accept="image/*"></label>' +
        '<label class="camera">Take a photo <input type="file" accept="image/*" capture="user"></label>' +
        '<div class="preview" hidden><img alt=""><svg aria-hidden="true"></svg></div>' +
        '<fieldset class="faces" hidden><legend>Face to use</legend></fieldset><p class="hint face-note"></p>';
      box.appendChild(el);
      slot.el = el;
      el.querySelectorAll("input[type=file]").forEach(function (input) {
        input.addEventListener("change", function () { if (input.files[0]) { addPhoto(slot, input.files[0]); } });
      });
      var drop = el.querySelector(".drop");
      drop.addEventListener("dragover", function (ev) { ev.preventDefault(); drop.classList.add("over"); });
      drop.addEventListener("dragleave", function () { drop.classList.remove("over"); });
      drop.addEventListener("drop", function (ev) {
        ev.preventDefault(); drop.classList.remove("over");
        var file = ev.dataTransfer && ev.dataTransfer.files[0];
        if (file) { addPhoto(slot, file); }
      });
      if (slot.photo) { showPhoto(slot); }
    });
  }

  function addPhoto(slot, file) {
    clearError();
    var token = slot.token = {};
    setStatus("Reading your photo…");
    var count = state.selected === OWN ? 2 : state.slots.length;
    api.preparePhoto(file, api.photoBudget(count)).then(function (photo) {
      if (slot.token !== token) { return null; }
      slot.photo = photo; slot.faces = null; slot.chosen = -1;
      showPhoto(slot);
      setStatus((photo.shrunk ? "Made smaller for sending (" + Math.round(photo.originalBytes / 1e5) / 10 + " MB \u2192 " +
        Math.round(photo.blob.size / 1e5) / 10 + " MB). " : "") + "Looking for faces…");
      return api.detect(photo.base64).then(function (resp) {
        if (slot.token !== token) { return; }
        slot.faces = resp.FaceInfos || []; slot.frame = [resp.ImageWidth, resp.ImageHeight];
        slot.chosen = largestFace(slot.faces);
        showPhoto(slot);
        setStatus("");
        if (!slot.faces.length) { showError(new api.FuseError("InvalidParameterValue.NoFaceInPhoto", "No face of 30 px or more.", 0)); }
      }, function (err) {
        if (slot.token !== token) { return; }
        if (/NoFace/.test(err.code)) { slot.faces = []; showPhoto(slot); }
        throw err;
      });
    }).catch(function (err) { if (slot.token === token) { showError(err); } });
  }

  function showPhoto(slot) {
    var el = slot.el, photo = slot.photo, preview = el.querySelector(".preview"), img = preview.querySelector("img");
    preview.hidden = false;
    img.src = photo.url;
    img.alt = "Your photo" + (state.slots.length > 1 ? " for face " + (slot.index + 1) : "");
    var svg = preview.querySelector("svg"), group = el.querySelector(".faces"), note = el.querySelector(".face-note");
    var faces = slot.faces || [], frame = slot.frame || [photo.width, photo.height];
    var draw = function () { faceBoxes(svg, frame[0], frame[1], faces, slot.chosen, false); };
    if (img.complete && img.naturalWidth) { draw(); } else { img.onload = draw; }
    group.hidden = faces.length < 2;
    group.querySelectorAll("label").forEach(function (l) { l.remove(); });
    faces.forEach(function (f, i) {
      var label = document.createElement("label"), input = document.createElement("input");
      input.type = "radio"; input.name = "face-" + (slot.index + 1); input.value = i; input.checked = i === slot.chosen;
      input.addEventListener("change", function () { slot.chosen = i; showPhoto(slot); el.querySelector("input[value='" + i + "']").focus(); });
      label.appendChild(input); label.appendChild(document.createTextNode("Face " + (i + 1)));
      group.appendChild(label);
    });
    note.textContent = slot.faces == null ? "" : faces.length === 0 ? "No face found in this photo." :
      faces.length === 1 ? "The outlined face will be used." :
      faces.length + " faces found: face " + (slot.chosen + 1) + " (outlined in green) will be used.";
  }

  // --- fuse ---------------------------------------------------------------------------------------------------
  function busy(button, on) {
    state.busy = on;
    button.disabled = on; button.setAttribute("aria-busy", on ? "true" : "false");
    $("fuse-button").disabled = on; $("compare-button").disabled = on;
  }

  function request() {
    var m = selectedMaterial(), extra = state.extras[state.selected] || {};
    var infos = state.slots.filter(function (s) { return s.photo; }).map(function (s) {
      var info = {Image: s.photo.base64};
      if (s.faceId && state.slots.length > 1) { info.TemplateFaceID = s.faceId; }
      var f = s.faces && s.faces[s.chosen];
      if (f && s.faces.length > 1) { info.InputImageFaceRect = {X: f.X, Y: f.Y, Width: f.Width, Height: f.Height}; }
      return info;
    });
    var req = {ModelId: modelId(m), RspImgType: "base64", MergeInfos: infos};
    if (extra.Algorithm !== "faceswap") {
      req.FuseFaceDegree = Number($("face-degree").value); req.FuseProfileDegree = Number($("profile-degree").value);
    }
    return req;
  }

  function fuse(ev) {
    ev.preventDefault();
    if (state.busy) { return; }
    clearError();
    var own = state.selected === OWN, first = state.slots.filter(function (s) { return s.photo; })[0];
    if (!state.selected) { showError(new api.FuseError("MissingParameter", "No material is selected.", 0)); return; }
    if (!first) { showError(new api.FuseError("MissingParameter", "Add a photo first.", 0)); return; }
    var button = $("fuse-button"), started = performance.now();
    busy(button, true);
    setStatus("Fusing…");
    var work;
    if (own) {
      if (!state.own) { busy(button, false); showError(new api.FuseError("MissingParameter", "Choose your template first.", 0)); return; }
      work = state.own.ready.then(function (t) {
        state.template = t.url; return api.fuseUltra(t.blob, first.photo.blob, ultraFields(first));
      });
    } else {
      state.template = (state.extras[state.selected] || {}).Image || "";
      work = api.fuse(request());
    }
    work.then(function (resp) {
      showResult(resp, first.photo.url, (performance.now() - started) / 1000);
    }).catch(showError).then(function () { busy(button, false); });
  }

  function showResult(resp, selfieUrl, seconds) {
    var src = api.imageSource(resp.FusedImage || ""), png = src.indexOf("data:image/png") === 0;
    state.result = src;
    $("result").src = src; $("result").alt = "Fused result";
    $("result-caption").textContent = "Fused result";
    $("before-after").setAttribute("aria-pressed", "false"); $("before-after").textContent = "Show before";
    $("template-view").src = state.template || ""; $("selfie-view").src = selfieUrl;
    $("download").href = src; $("download").setAttribute("download", png ? "fused.png" : "fused.jpg");
    $("result-info").textContent = "RequestId " + (resp.RequestId || "?") + (resp.RspImgType === "url" ?
      " \u00b7 stored in COS (too large for a direct reply)" : "");
    $("result-section").hidden = false;
    setStatus("Done in " + seconds.toFixed(1) + " s.");
    $("result-section").scrollIntoView({block: "start"});
    $("result-heading").focus({preventScroll: true});
  }

  function toggleBefore() {
    var b = $("before-after"), before = b.getAttribute("aria-pressed") !== "true";
    b.setAttribute("aria-pressed", before ? "true" : "false");
    b.textContent = before ? "Show after" : "Show before";
    $("result").src = before ? state.template : state.result;
    $("result").alt = before ? "Template (before)" : "Fused result";
    $("result-caption").textContent = before ? "Before: the template" : "Fused result";
  }

  function compare() {
    if (state.busy) { return; }
    clearError();
    var slot = state.slots.filter(function (s) { return s.photo; })[0];
    if (!slot) { showError(new api.FuseError("MissingParameter", "Add a photo first.", 0)); return; }
    var query = {ModelId: state.selected}, f = slot.faces && slot.faces[slot.chosen];
    if (slot.faceId && state.slots.length > 1) { query.TemplateFaceID = slot.faceId; }
    if (f && slot.faces.length > 1) { query.X = f.X; query.Y = f.Y; query.Width = f.Width; query.Height = f.Height; }
    var button = $("compare-button");
    busy(button, true);
    setStatus("Rendering the levels (several fusions)…");
    api.sweep(query, slot.photo.blob).then(function (blob) {
      $("sweep").src = URL.createObjectURL(blob);
      $("sweep-section").hidden = false;
      setStatus("");
      $("sweep-section").scrollIntoView({block: "start"});
      $("sweep-heading").focus({preventScroll: true});
    }).catch(showError).then(function () { busy(button, false); });
  }

  ["face-degree", "profile-degree", "warp-radio", "enhance-radio", "mp-radio"].forEach(function (id) {
    $(id).addEventListener("input", function () { $(id + "-value").value = $(id).value; });
  });
  $("template-file").addEventListener("change", function () { var f = $("template-file").files[0]; if (f) { addTemplate(f); } });
  $("swap-model-type").addEventListener("change", function () {  // model 6 ignores the radios
    var six = $("swap-model-type").value === "6";
    ["warp-radio", "enhance-radio", "mp-radio", "teeth-enhance"].forEach(function (id) { $(id).disabled = six; });
  });
  $("reset-degrees").addEventListener("click", resetDegrees);
  $("fuse-form").addEventListener("submit", fuse);
  $("compare-button").addEventListener("click", compare);
  $("before-after").addEventListener("click", toggleBefore);
  loadMaterials();
})();
