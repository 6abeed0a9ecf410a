// Small shared behaviours. Kept dependency-free (htmx and Bootstrap are vendored beside).
// No inline script anywhere (Content-Security-Policy): page behaviours live here, each one
// starting only when its page's elements are present.
(function () {
  "use strict";

  // Household form: "Ajouter un membre" adds a member form from the <template> of the formset.
  function householdMembers() {
    var button = document.getElementById("add-member");
    if (!button) return;
    button.addEventListener("click", function () {
      var total = document.getElementById("id_members-TOTAL_FORMS");
      var index = parseInt(total.value, 10);
      var html = document.getElementById("member-template").innerHTML
        .replace(/__prefix__/g, index)
        .replace(/__number__/g, index + 1);
      document.getElementById("members").insertAdjacentHTML("beforeend", html);
      total.value = index + 1;
      var added = document.getElementById("members").lastElementChild;
      added.querySelector("input").focus();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", householdMembers);
  } else {
    householdMembers();
  }
})();
