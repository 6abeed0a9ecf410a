// Browser-side drafts (localStorage, "caen-draft:u<user id>:<form key>") belong to one user
// for at most 24 hours (docs/privacy.md). On every page: drafts of any other user (or of no
// known user) and drafts older than 24 hours are deleted; logging out deletes every draft.
// Every form marked `data-draft` keeps its typed fields (never password, hidden or file
// fields) under "form:<page path>#<form id or rank>"; on submit the draft is marked sent. The
// next page decides: a page with a signed-in user means the server took the POST (the draft is
// dropped, or kept unrestored if the same form comes back with errors); a page without one (the
// login page after an expired session) means it did not, so the draft stays and is restored,
// with a notice, when the same user comes back to the form.
// contact_draft.js reads and writes drafts through `window.caenDrafts`. No dependency.
(function () {
  "use strict";
  var PREFIX = "caen-draft:";
  var MAX_AGE_MS = 24 * 60 * 60 * 1000;

  function storage() {
    try {
      return window.localStorage;
    } catch (e) {
      return null;
    }
  }

  function user() {
    return document.body ? document.body.getAttribute("data-draft-user") || "" : "";
  }

  function userPrefix() {
    return PREFIX + "u" + user() + ":";
  }

  function expired(raw) {
    try {
      var saved = Date.parse(JSON.parse(raw).savedAt);
      return !(saved > Date.now() - MAX_AGE_MS);
    } catch (e) {
      return true;
    }
  }

  function draftKeys(store) {
    var keys = [];
    for (var i = 0; i < store.length; i++) {
      var key = store.key(i);
      if (key && key.indexOf(PREFIX) === 0) keys.push(key);
    }
    return keys;
  }

  function clearAll() {
    var store = storage();
    if (!store) return;
    draftKeys(store).forEach(function (key) {
      store.removeItem(key);
    });
  }

  function sweep() {
    var store = storage();
    if (!store) return;
    var mine = user() ? userPrefix() : null;
    draftKeys(store).forEach(function (key) {
      // Without a signed-in user (login page) only expired drafts go: the same user may sign
      // in again after a session expiry and find their draft.
      var foreign = mine !== null && key.indexOf(mine) !== 0;
      if (foreign || expired(store.getItem(key))) store.removeItem(key);
    });
  }

  var SKIPPED = ["password", "hidden", "file", "submit", "button", "reset", "image"];

  // The typed fields of a form, by name (a checkbox or radio by name and value).
  function fields(form) {
    var found = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      var skipped = SKIPPED.indexOf(el.type) !== -1 || el.autocomplete === "one-time-code";
      if (!el.name || skipped) return;
      var checkable = el.type === "checkbox" || el.type === "radio";
      found[checkable ? el.name + "=" + el.value : el.name] = el;
    });
    return found;
  }

  function read(el) {
    if (el.type === "checkbox" || el.type === "radio") return el.checked;
    if (el.type === "select-multiple") {
      return Array.prototype.filter
        .call(el.options, function (o) {
          return o.selected;
        })
        .map(function (o) {
          return o.value;
        });
    }
    return el.value;
  }

  function write(el, value) {
    if (el.type === "checkbox" || el.type === "radio") el.checked = value;
    else if (el.type === "select-multiple") {
      Array.prototype.forEach.call(el.options, function (o) {
        o.selected = value.indexOf(o.value) !== -1;
      });
    } else el.value = value;
  }

  function parse(raw) {
    try {
      return JSON.parse(raw);
    } catch (e) {
      return null;
    }
  }

  // `savedAt` is kept when a draft only changes state: its 24 hours count from the last typing.
  function save(store, key, data, sent, savedAt) {
    var entry = { savedAt: savedAt || new Date().toISOString(), data: data, sent: sent };
    store.setItem(key, JSON.stringify(entry));
  }

  function pageKey() {
    return userPrefix() + "form:" + window.location.pathname + "#";
  }

  // The page after a POST: with a signed-in user the server took it, so drafts sent from another
  // page are dropped; without one (login page) it did not, so they are plain drafts again.
  function settle(store) {
    draftKeys(store).forEach(function (key) {
      var entry = parse(store.getItem(key));
      if (!entry || !entry.sent) return;
      if (!user()) save(store, key, entry.data, false, entry.savedAt);
      else if (key.indexOf(pageKey()) !== 0) store.removeItem(key);
    });
  }

  function draftForm(store, form, rank) {
    var key = pageKey() + (form.getAttribute("action") || form.id || rank);
    var errors = form.querySelector(".is-invalid, .invalid-feedback, .alert-danger");
    var entry = parse(store.getItem(key));
    if (entry && errors) {
      save(store, key, entry.data, false, entry.savedAt); // back with errors: input kept
    } else if (entry && entry.sent) {
      store.removeItem(key); // sent and back on the same page without errors: saved
    } else if (entry) {
      var changed = false;
      var current = fields(form);
      Object.keys(entry.data).forEach(function (name) {
        var el = current[name];
        if (!el || JSON.stringify(read(el)) === JSON.stringify(entry.data[name])) return;
        write(el, entry.data[name]);
        changed = true;
      });
      if (changed) {
        var note = document.createElement("div");
        note.className = "alert alert-info";
        note.setAttribute("role", "status");
        note.textContent =
          "Votre saisie non envoyée a été restaurée : vérifiez-la, puis envoyez-la.";
        form.parentNode.insertBefore(note, form);
      }
    }
    var keep = function (sent) {
      var data = {};
      var current = fields(form);
      Object.keys(current).forEach(function (name) {
        data[name] = read(current[name]);
      });
      save(store, key, data, sent);
    };
    form.addEventListener("input", keep.bind(null, false));
    form.addEventListener("change", keep.bind(null, false));
    form.addEventListener("submit", keep.bind(null, true));
  }

  window.caenDrafts = {
    // The storage key of `formKey` for the signed-in user, or null when nobody is signed in.
    key: function (formKey) {
      return user() ? userPrefix() + formKey : null;
    },
    expired: expired,
    clearAll: clearAll,
  };

  function init() {
    sweep();
    var store = storage();
    if (store) {
      settle(store);
      var forms = user() ? document.querySelectorAll("form[data-draft]") : [];
      forms.forEach(draftForm.bind(null, store));
    }
    document.querySelectorAll("form[data-draft-clear]").forEach(function (form) {
      form.addEventListener("submit", clearAll);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
