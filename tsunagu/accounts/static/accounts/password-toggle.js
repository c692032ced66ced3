// A 「表示する」 button after each password field marked data-password-toggle: a person on a phone
// checks what they typed instead of typing it twice. The labels come from the field's
// data-show-label / data-hide-label, so they are translated with the page.
(function () {
  "use strict";

  function addToggle(input) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn--secondary password-toggle";
    button.setAttribute("aria-controls", input.id);
    button.textContent = input.dataset.showLabel;
    button.style.marginTop = "0.5rem";
    button.addEventListener("click", function () {
      var shown = input.type === "text";
      input.type = shown ? "password" : "text";
      button.textContent = shown ? input.dataset.showLabel : input.dataset.hideLabel;
      input.focus();
    });
    input.insertAdjacentElement("afterend", button);
  }

  document.querySelectorAll("input[data-password-toggle]").forEach(addToggle);
})();
