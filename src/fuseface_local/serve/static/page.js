(function () {
  var form = document.getElementById("fuse-form");
  ["face-degree", "profile-degree"].forEach(function (id) {
    var input = document.getElementById(id), out = document.getElementById(id + "-value");
    input.addEventListener("input", function () { out.value = input.value; });
  });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var status = document.getElementById("status"), error = document.getElementById("error");
    var img = document.getElementById("result");
    var data = new FormData();
    data.append("image", document.getElementById("image").files[0]);
    if (document.getElementById("use-degrees").checked) {
      data.append("FuseFaceDegree", document.getElementById("face-degree").value);
      data.append("FuseProfileDegree", document.getElementById("profile-degree").value);
    }
    var headers = {}, key = document.getElementById("api-key").value;
    if (key) { headers["X-Api-Key"] = key; }
    status.textContent = "Fusing..."; error.textContent = ""; img.hidden = true;
    fetch("/fuse", {method: "POST", body: data, headers: headers})
      .then(function (r) { return r.json(); })
      .then(function (env) {
        var resp = env.Response || {};
        status.textContent = "";
        if (resp.Error) { error.textContent = resp.Error.Code + ": " + resp.Error.Message; return; }
        var pic = resp.FusedImage || "";
        if (!/^https?:/.test(pic)) {
          pic = (pic.indexOf("iVBOR") === 0 ? "data:image/png;base64," : "data:image/jpeg;base64,") + pic;
        }
        img.src = pic; img.hidden = false;
        status.textContent = "Done (RequestId " + resp.RequestId + ").";
      })
      .catch(function (e) { status.textContent = ""; error.textContent = "Request failed: " + e; });
  });
})();
