/* The data product form's source picker
   (templates/scheming/form_snippets/govshare_source_picker.html). CKAN's
   autocomplete module, on the same element and started first, suggests
   catalog entries by words of their title and keeps the chosen entry's
   name; it shows an entry already chosen by its stored value (an id). This
   shows it by its title instead: data-module-text, written by the page. */
this.ckan.module('govshare-source-picker', function ($) {
  return {
    options: {text: ''},
    initialize: function () {
      var value = $.trim(this.el.val() || '');
      var text = this.options.text === null ? '' : String(this.options.text);
      if (value && text && this.el.data('select2')) {
        this.el.select2('data', {id: value, text: text});
      }
    }
  };
});
