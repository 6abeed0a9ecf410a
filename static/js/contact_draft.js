// Browser-side draft of the contact form: what is typed at the door is kept in localStorage
// until the server confirms the contact is saved (redirect with ?brouillon_enregistre=<key>).
// An offline or interrupted entry is restored when the form is opened again, by the same user
// within 24 hours only (keys and expiry: drafts.js, loaded first by base.html). No dependency.
(function () {
  "use strict";
  var drafts = window.caenDrafts;

  function storage() {
    if (!drafts) return null;
    try {
      var probe = "caen-draft:probe";
      window.localStorage.setItem(probe, "1");
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (e) {
      return null;
    }
  }

  function say(text) {
    var status = document.getElementById("draft-status");
    if (status) status.textContent = text;
  }

  function serialise(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrfmiddlewaretoken" || el.type === "submit") return;
      if (el.type === "checkbox") {
        data[el.name] = data[el.name] || [];
        if (el.checked) data[el.name].push(el.value);
      } else if (el.type === "radio") {
        if (el.checked) data[el.name] = el.value;
      } else {
        data[el.name] = el.value;
      }
    });
    return data;
  }

  function restore(form, data) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in data) || el.name === "csrfmiddlewaretoken") return;
      var value = data[el.name];
      if (el.type === "checkbox") {
        el.checked = Array.isArray(value) && value.indexOf(el.value) !== -1;
      } else if (el.type === "radio") {
        el.checked = el.value === value;
      } else {
        el.value = value;
      }
    });
  }

  function clearConfirmed(store) {
    var params = new URLSearchParams(window.location.search);
    var keys = [];
    if (params.get("brouillon_enregistre")) keys.push(params.get("brouillon_enregistre"));
    document.querySelectorAll("[data-draft-confirmed]").forEach(function (el) {
      keys.push(el.getAttribute("data-draft-confirmed"));
    });
    keys.forEach(function (key) {
      var stored = drafts.key(key);
      if (stored) store.removeItem(stored);
    });
  }

  function init() {
    var store = storage();
    if (!store) return;
    clearConfirmed(store);
    var form = document.querySelector("form[data-draft-key]");
    if (!form) return;
    var key = drafts.key(form.getAttribute("data-draft-key"));
    if (!key) return;
    var serverHasErrors = form.querySelector(".is-invalid, .invalid-feedback, .alert-danger");
    var saved = store.getItem(key);
    if (saved && drafts.expired(saved)) {
      store.removeItem(key);
      saved = null;
    }
    if (saved && !serverHasErrors) {
      try {
        restore(form, JSON.parse(saved).data);
        say("Brouillon non envoyé restauré : vérifiez puis enregistrez.");
      } catch (e) {
        store.removeItem(key);
      }
    }
    var save = function () {
      store.setItem(key, JSON.stringify({ savedAt: new Date().toISOString(), data: serialise(form) }));
    };
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    form.addEventListener("submit", function (event) {
      save();
      if (navigator.onLine === false) {
        event.preventDefault();
        say("Hors connexion : le brouillon est conservé sur cet appareil. Renvoyez-le une fois connecté.");
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
