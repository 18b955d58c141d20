/* Click on the photo to set its focal point; the numeric fields stay the fallback. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var picker = document.querySelector("[data-focal-picker]");
    var x = document.getElementById("id_focal_x");
    var y = document.getElementById("id_focal_y");
    if (!picker || !x || !y) return;
    var image = picker.querySelector("img");
    var marker = picker.querySelector(".nr-focal-marker");
    function place() {
      marker.style.left = (parseFloat(x.value) * 100) + "%";
      marker.style.top = (parseFloat(y.value) * 100) + "%";
    }
    image.addEventListener("click", function (event) {
      var box = image.getBoundingClientRect();
      x.value = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width)).toFixed(3);
      y.value = Math.min(1, Math.max(0, (event.clientY - box.top) / box.height)).toFixed(3);
      place();
    });
    x.addEventListener("input", place);
    y.addEventListener("input", place);
    place();
  });
})();
