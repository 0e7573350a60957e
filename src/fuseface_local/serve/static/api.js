/* The try-it page's talk with the server: JSON calls, photos made to fit the limits, errors in plain words.
   Exposes window.FuseApi. No asset and no request leaves this origin. */
(function () {
  "use strict";

  // SCF's synchronous request limit is 6 MB and FuseFace takes at most 5 MB of base64 per image.
  var REQUEST_LIMIT = 6000000, BASE64_LIMIT = 5 * 1024 * 1024, MAX_SIDE = 3000;

  function FuseError(code, message, status) {
    this.code = code || ""; this.message = message || ""; this.status = status || 0;
  }

  // Plain words first (what to do), the code after (for developers).
  var WORDS = [
    [/NoFaceDetected|NoFaceInPhoto|ImageFacedetectFailed/, "No face found: use a clear, front-facing photo"],
    [/FaceSizeTooSmall/, "The face is too small: use a photo where the face is bigger (over 34 pixels wide)"],
    [/ImageResolutionTooSmall/, "The photo is too small: each side must be more than 64 pixels"],
    [/ImageSizeExceed|RequestSizeLimitExceeded|ImageResolutionExceed|ImagePixelExceed/,
      "The photo is too large: use one under 5 MB and under 4096 pixels a side"],
    [/RequestLimitExceeded/, "Too many requests right now: wait a few seconds and try again"],
    [/ImageDecodeFailed|UnsupportedMediaType/, "This file is not a photo we can read: use a JPEG or PNG"],
    [/FaceTooBlurry/, "The face is blurred: use a sharper photo"],
    [/FaceUnusable/, "The face is turned away or hard to see: use a front-facing photo"],
    [/TemplateFaceIDNotExist/, "That face of the template does not exist: pick the material again"],
    [/MaterialIdNotFound|FuseMaterialNot|ActivityIdNotFound|ProjectNotAuth/,
      "This material cannot be used: pick another one (or check the activity and material IDs)"],
    [/ApiKey/, "Not authorised: enter the X-Api-Key under \u201cAPI key\u201d"],
    [/^AuthFailure|^UnauthorizedOperation|InvalidCredential/, "Not authorised: check the function's credentials"],
    [/^Network$/, "The server cannot be reached: is \u201cfuseface serve\u201d still running?"],
    [/Timeout|ClientNetworkError/, "The fusion took too long: try again"],
    [/MethodNotAllowed|Route/, "This page and the server do not match: reload the page"],
    [/^ResourceUnavailable|BalanceInsufficient/, "The FuseFace account cannot be used right now (billing or service state)"]
  ];

  function plainWords(code) {
    for (var i = 0; i < WORDS.length; i++) { if (WORDS[i][0].test(code || "")) { return WORDS[i][1]; } }
    return "Something went wrong: try again, or read the details below";
  }

  function toError(err) {
    if (err instanceof FuseError) { return err; }
    return new FuseError("Network", String(err && err.message || err), 0);
  }

  function headers(extra) {
    var h = extra || {}, key = document.getElementById("api-key");
    if (key && key.value) { h["X-Api-Key"] = key.value; }
    return h;
  }

  // A fetch whose answer is Tencent's envelope; resolves to envelope.Response, rejects with a FuseError.
  function call(path, init) {
    init = init || {};
    init.headers = headers(init.headers);
    return fetch(path, init).then(function (r) {
      return r.text().then(function (text) {
        var env = null;
        try { env = JSON.parse(text); } catch (e) { env = null; }
        var resp = env && env.Response;
        if (resp && resp.Error) { throw new FuseError(resp.Error.Code, resp.Error.Message, r.status); }
        if (!r.ok || !resp) {
          throw new FuseError(r.status === 413 ? "RequestSizeLimitExceeded" : "HTTP" + r.status,
                              text ? text.slice(0, 200) : "HTTP " + r.status + " without a body", r.status);
        }
        return resp;
      });
    }, function (e) { throw new FuseError("Network", String(e && e.message || e), 0); });
  }

  function getJson(path) {
    return fetch(path, {headers: headers()}).then(function (r) {
      if (!r.ok) { throw new FuseError("HTTP" + r.status, path + " answered " + r.status, r.status); }
      return r.json();
    }, function (e) { throw new FuseError("Network", String(e && e.message || e), 0); });
  }

  function blobToBase64(blob) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(String(reader.result).replace(/^data:[^,]*,/, "")); };
      reader.onerror = function () { reject(new FuseError("ImageDecodeFailed", "The file could not be read.", 0)); };
      reader.readAsDataURL(blob);
    });
  }

  function loadImage(url) {
    return new Promise(function (resolve, reject) {
      var img = new Image();
      img.onload = function () { resolve(img); };
      img.onerror = function () { reject(new FuseError("ImageDecodeFailed", "The browser cannot read this file as an image.", 0)); };
      img.src = url;
    });
  }

  function canvasJpeg(img, scale, quality) {
    var canvas = document.createElement("canvas");
    canvas.width = Math.max(65, Math.round(img.naturalWidth * scale));
    canvas.height = Math.max(65, Math.round(img.naturalHeight * scale));
    canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", quality); });
  }

  // A photo ready to send: {blob, base64, url, width, height, shrunk, originalBytes}. A JPEG/PNG that already fits
  // (bytes and sides) is sent as it is; anything else is redrawn on a canvas, smaller, until it fits `budget` bytes.
  function preparePhoto(file, budget) {
    var url = URL.createObjectURL(file);
    return loadImage(url).then(function (img) {
      var w = img.naturalWidth, h = img.naturalHeight;
      var fits = /^image\/(jpeg|png)$/.test(file.type) && file.size <= budget && Math.max(w, h) <= MAX_SIDE;
      var done = function (blob, shrunk) {
        return blobToBase64(blob).then(function (b64) {
          var out = shrunk ? URL.createObjectURL(blob) : url;
          return {blob: blob, base64: b64, url: out, width: w, height: h, shrunk: shrunk, originalBytes: file.size};
        });
      };
      if (fits) { return done(file, false); }
      var scale = Math.min(1, MAX_SIDE / Math.max(w, h)), quality = 0.9;
      var attempt = function () {
        return canvasJpeg(img, scale, quality).then(function (blob) {
          if (blob && blob.size <= budget) {
            w = Math.max(65, Math.round(img.naturalWidth * scale)); h = Math.max(65, Math.round(img.naturalHeight * scale));
            return done(blob, true);
          }
          if (quality > 0.7) { quality -= 0.1; } else { scale *= 0.75; }
          if (scale * Math.max(img.naturalWidth, img.naturalHeight) < 256) {
            throw new FuseError("ImageSizeExceed", "The photo could not be made small enough.", 0);
          }
          return attempt();
        });
      };
      return attempt();
    });
  }

  // Bytes one photo may take when `count` photos go in one request (base64 grows 4/3; 64 KB for the JSON around).
  function photoBudget(count) {
    var perPhoto = Math.min(BASE64_LIMIT, (REQUEST_LIMIT - 65536) / Math.max(1, count));
    return Math.floor(perPhoto * 3 / 4);
  }

  function detect(base64) {
    return call("/detect", {method: "POST", headers: {"Content-Type": "application/json"},
                            body: JSON.stringify({Image: base64, MaxFaceNum: 10})});
  }

  function fuse(request) {
    return call("/fuse", {method: "POST", headers: {"Content-Type": "application/json"},
                          body: JSON.stringify(request)});
  }

  // FuseFaceUltra as multipart: the template and the selfie as file parts, `fields` ({name: value}: SwapModelType,
  // the radios, X/Y/Width/Height of the selfie's face) as form fields.
  function fuseUltra(templateBlob, photoBlob, fields) {
    var data = new FormData();
    data.append("template", templateBlob, "template.jpg");
    data.append("image", photoBlob, "selfie.jpg");
    Object.keys(fields || {}).forEach(function (name) { data.append(name, String(fields[name])); });
    return call("/fuse", {method: "POST", body: data});
  }

  function sweep(query, blob) {
    return fetch("/local/sweep?" + new URLSearchParams(query).toString(),
                 {method: "POST", headers: headers({"Content-Type": blob.type || "image/jpeg"}), body: blob})
      .then(function (r) {
        if (r.ok) { return r.blob(); }
        return r.json().then(function (env) {
          var e = (env.Response || {}).Error || {};
          throw new FuseError(e.Code || "HTTP" + r.status, e.Message || "", r.status);
        });
      }, function (e) { throw new FuseError("Network", String(e && e.message || e), 0); });
  }

  // A FusedImage (base64 or URL) as something an <img> can show.
  function imageSource(fused) {
    if (/^https?:/.test(fused)) { return fused; }
    return (fused.indexOf("iVBOR") === 0 ? "data:image/png;base64," : "data:image/jpeg;base64,") + fused;
  }

  window.FuseApi = {FuseError: FuseError, plainWords: plainWords, toError: toError, getJson: getJson,
    preparePhoto: preparePhoto, photoBudget: photoBudget, detect: detect, fuse: fuse, fuseUltra: fuseUltra,
    sweep: sweep, imageSource: imageSource, loadImage: loadImage};
})();
