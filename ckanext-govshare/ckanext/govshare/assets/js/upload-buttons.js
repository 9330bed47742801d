/* The buttons of the resource form's upload field
   (templates/package/snippets/resource_upload_field.html): what CKAN's
   template does in inline onclick handlers, which the portal's
   Content-Security-Policy does not run. A button names its targets by id:
   data-govshare-check (a radio or checkbox to check), data-govshare-empty
   (an input to empty), data-govshare-click (an element to click),
   data-govshare-focus (an element to focus). */
(function () {
  if (window.govshareUploadButtonsBound) { return; }
  window.govshareUploadButtonsBound = true;
  function target(button, name) {
    var id = button.getAttribute(name);
    return id ? document.getElementById(id) : null;
  }
  document.addEventListener('click', function (event) {
    var button = event.target.closest ? event.target.closest('[data-govshare-check]') : null;
    if (!button) { return; }
    var check = target(button, 'data-govshare-check');
    var empty = target(button, 'data-govshare-empty');
    var click = target(button, 'data-govshare-click');
    var focus = target(button, 'data-govshare-focus');
    if (check) { check.checked = true; }
    if (empty) { empty.value = ''; }
    if (click) { click.click(); }
    if (focus) { focus.focus(); }
  });
})();
