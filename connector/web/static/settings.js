// relance settings: the identity's live preview. As the person types, the form is posted
// (CSRF token included) into the preview frames: the sample notice's PDF and the sample
// e-mail, rendered by the server with the values typed. Nothing is saved.
(function () {
  var timer = null;
  function refresh(form) {
    var action = form.getAttribute("action");
    document.querySelectorAll("iframe[data-preview-action]").forEach(function (frame) {
      form.setAttribute("action", frame.getAttribute("data-preview-action"));
      form.setAttribute("target", frame.getAttribute("name"));
      form.submit();
    });
    form.setAttribute("action", action);
    form.removeAttribute("target");
  }
  function later(event) {
    var form = event.target.closest && event.target.closest("form[data-preview]");
    if (!form) { return; }
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { refresh(form); }, 500);
  }
  document.addEventListener("input", later);
  document.addEventListener("change", later);
})();
