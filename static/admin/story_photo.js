/* A new lead photo uploaded inside the story form, no pop-up window: drop or choose a file,
   set its focal point on the preview, give its alt text and credit (required, marked) and a
   caption, and it is uploaded at once (articles/admin/writing.py) and chosen as the lead
   photo. The story form keeps only the photo's id, so nothing is dropped if the story is
   sent back with an error; a photo refused for a missing credit keeps its file here, and a
   photo not yet uploaded when the story is saved is uploaded first. */
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }

  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  function start() {
    var box = $("nr-photo-upload");
    var select = $("id_lead_photo");
    if (!box || !select) return;
    var row = select.closest(".form-row");
    (row || select).after(box);
    box.hidden = false;

    var file = $("nr-photo-file");
    var drop = $("nr-drop");
    var preview = $("nr-photo-preview");
    var image = $("nr-photo-preview-img");
    var marker = $("nr-photo-marker");
    var errors = $("nr-photo-errors");
    var done = $("nr-photo-done");
    var focal = { x: 0.5, y: 0.5 };
    var chosen = null;

    function place() {
      marker.style.left = focal.x * 100 + "%";
      marker.style.top = focal.y * 100 + "%";
    }

    function use(picked) {
      if (!picked) return;
      chosen = picked;
      var reader = new FileReader();
      reader.onload = function () {
        image.src = reader.result; // a data: address, which the policy allows
        image.alt = "Preview of " + picked.name;
        preview.hidden = false;
        focal = { x: 0.5, y: 0.5 };
        place();
      };
      reader.readAsDataURL(picked);
    }

    file.addEventListener("change", function () { use(file.files[0]); });
    ["dragenter", "dragover"].forEach(function (kind) {
      drop.addEventListener(kind, function (event) {
        event.preventDefault();
        drop.classList.add("nr-drop-over");
      });
    });
    ["dragleave", "drop"].forEach(function (kind) {
      drop.addEventListener(kind, function () { drop.classList.remove("nr-drop-over"); });
    });
    drop.addEventListener("drop", function (event) {
      event.preventDefault();
      var dropped = event.dataTransfer && event.dataTransfer.files[0];
      if (!dropped) return;
      try { // keep it in the input too, as if chosen there
        var transfer = new DataTransfer();
        transfer.items.add(dropped);
        file.files = transfer.files;
      } catch (e) { /* older browsers: the dropped file is still kept below */ }
      use(dropped);
    });
    image.addEventListener("click", function (event) {
      var rect = image.getBoundingClientRect();
      focal.x = Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width));
      focal.y = Math.min(1, Math.max(0, (event.clientY - rect.top) / rect.height));
      place();
    });

    function showErrors(found) {
      errors.textContent = "";
      ["alt_text", "credit", "image", "caption", "__all__"].forEach(function (name) {
        (found[name] || []).forEach(function (error) {
          var line = document.createElement("p");
          line.className = "errornote";
          line.textContent = error.message;
          errors.appendChild(line);
        });
      });
      $("nr-photo-alt").setAttribute("aria-invalid", found.alt_text ? "true" : "false");
      $("nr-photo-credit").setAttribute("aria-invalid", found.credit ? "true" : "false");
    }

    // Sends the chosen file with its words; true once it is in the library and chosen as
    // the lead photo, false (the file and words kept, the reasons shown) otherwise.
    function upload() {
      if (!chosen) {
        showErrors({ image: [{ message: "Choose or drop a photo first." }] });
        return Promise.resolve(false);
      }
      var data = new FormData();
      data.append("csrfmiddlewaretoken", cookie("csrftoken"));
      data.append("image", chosen, chosen.name);
      data.append("alt_text", $("nr-photo-alt").value);
      data.append("credit", $("nr-photo-credit").value);
      data.append("credit_kind", $("nr-photo-credit-kind").value);
      data.append("caption", $("nr-photo-caption").value);
      data.append("focal_x", focal.x.toFixed(3));
      data.append("focal_y", focal.y.toFixed(3));
      done.textContent = "Uploading…";
      return fetch(box.getAttribute("data-url"), { method: "POST", body: data, credentials: "same-origin" })
        .then(function (response) {
          return response.json().then(function (answer) { return { ok: response.ok, answer: answer }; });
        })
        .then(function (result) {
          if (!result.ok) {
            done.textContent = "";
            showErrors(result.answer.errors || {});
            return false;
          }
          showErrors({});
          var photo = result.answer;
          var option = new Option(photo.label, String(photo.id), true, true);
          select.appendChild(option);
          select.value = String(photo.id);
          select.dispatchEvent(new Event("change", { bubbles: true }));
          done.textContent = "Uploaded and chosen as the lead photo: " + photo.label +
            " (" + photo.credit_line + ").";
          chosen = null;
          file.value = "";
          preview.hidden = true;
          return true;
        })
        .catch(function () {
          done.textContent = "";
          showErrors({ __all__: [{ message: "Cannot reach the server: the photo is still here; try again." }] });
          return false;
        });
    }

    $("nr-photo-send").addEventListener("click", upload);

    // A photo dropped or chosen but not yet uploaded goes up before the story is saved: the
    // page the save leads to could not keep the file. If it is refused, the story waits, with
    // the reasons shown beside the photo. (Capture on the document: before autosave.js sends
    // the draft and submits.)
    var form = select.form;
    document.addEventListener("submit", function (event) {
      if (event.target !== form || !chosen) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      var submitter = event.submitter;
      upload().then(function (ok) {
        if (!ok) {
          box.scrollIntoView({ block: "center" });
          var invalid = box.querySelector("[aria-invalid=true]");
          if (invalid) invalid.focus();
          return;
        }
        if (submitter && submitter.form === form) form.requestSubmit(submitter);
        else form.requestSubmit();
      });
    }, true);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
