// relance: the little the pages need beyond htmx. No inline script (the CSP forbids it).
document.addEventListener("change", function (event) {
  // the company switcher: go to the chosen company's pages
  var select = event.target.closest("select[data-navigate]");
  if (select && select.value) { window.location.assign(select.value); }
});
document.addEventListener("click", function (event) {
  // a button that asks before it acts: data-confirm="…"
  var button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.getAttribute("data-confirm"))) {
    event.preventDefault();
    event.stopPropagation();
  }
  // select every checkbox of a table: <input type=checkbox data-select-all="name">
  var all = event.target.closest("input[data-select-all]");
  if (all) {
    var name = all.getAttribute("data-select-all");
    document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (box) {
      box.checked = all.checked;
    });
  }
}, true);
