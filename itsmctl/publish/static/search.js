// Client-side search and filters for the service index: no requests, no libraries.
(function () {
  "use strict";
  var rows = Array.prototype.slice.call(document.querySelectorAll("#services .service-row"));
  var search = document.getElementById("search");
  var team = document.getElementById("f-team");
  var tier = document.getElementById("f-tier");
  var lifecycle = document.getElementById("f-lifecycle");
  var label = document.getElementById("f-label");
  var count = document.getElementById("count");
  var empty = document.getElementById("empty");

  function apply() {
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (row) {
      var text = row.getAttribute("data-text");
      var labels = " " + row.getAttribute("data-labels");
      var visible = words.every(function (word) { return text.indexOf(word) !== -1; })
        && (!team.value || row.getAttribute("data-team") === team.value)
        && (!tier.value || row.getAttribute("data-tier") === tier.value)
        && (!lifecycle.value || row.getAttribute("data-lifecycle") === lifecycle.value)
        && (!label.value || labels.indexOf(" " + label.value + " ") !== -1);
      row.hidden = !visible;
      if (visible) { shown += 1; }
    });
    count.textContent = shown + " of " + rows.length;
    empty.hidden = shown !== 0;
  }

  [search, team, tier, lifecycle, label].forEach(function (control) {
    control.addEventListener("input", apply);
    control.addEventListener("change", apply);
  });
  apply();
}());
