// Browser-side drafts (localStorage, "caen-draft:u<user id>:<form key>") belong to one user
// for at most 24 hours (docs/privacy.md). On every page: drafts of any other user (or of no
// known user) and drafts older than 24 hours are deleted; logging out deletes every draft.
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
