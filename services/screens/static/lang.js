/* motcua – Vietnamese first, English on request; the choice is remembered in localStorage.
 * Markup: <span data-en="Call next">Gọi tiếp</span>; placeholders: data-en-placeholder.
 * Buttons <button data-lang="vi|en"> switch. Scripts: motcuaLang.t("vi", "en"), motcuaLang.onChange(fn). */
(function () {
  "use strict";
  var KEY = "motcua.lang";
  var listeners = [];

  function read() {
    try { return localStorage.getItem(KEY) === "en" ? "en" : "vi"; } catch (e) { return "vi"; }
  }

  var state = { lang: read() };

  function apply(root) {
    var en = state.lang === "en";
    document.documentElement.lang = state.lang;
    (root || document).querySelectorAll("[data-en]").forEach(function (el) {
      if (el.dataset.vi === undefined) el.dataset.vi = el.textContent;
      el.textContent = en ? el.dataset.en : el.dataset.vi;
    });
    (root || document).querySelectorAll("[data-en-placeholder]").forEach(function (el) {
      if (el.dataset.viPlaceholder === undefined) el.dataset.viPlaceholder = el.placeholder;
      el.placeholder = en ? el.dataset.enPlaceholder : el.dataset.viPlaceholder;
    });
    document.querySelectorAll("[data-lang]").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.dataset.lang === state.lang));
    });
  }

  function set(lang) {
    lang = lang === "en" ? "en" : "vi";
    try { localStorage.setItem(KEY, lang); } catch (e) { /* private mode: not remembered */ }
    if (lang === state.lang) { apply(); return; }
    state.lang = lang;
    apply();
    listeners.forEach(function (fn) { fn(lang); });
  }

  window.motcuaLang = {
    get lang() { return state.lang; },
    set: set,
    apply: apply,
    t: function (vi, en) { return state.lang === "en" && en ? en : vi; },
    onChange: function (fn) { listeners.push(fn); }
  };

  window.addEventListener("storage", function (e) {
    if (e.key === KEY) { var l = read(); if (l !== state.lang) { state.lang = l; apply(); listeners.forEach(function (fn) { fn(l); }); } }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-lang]").forEach(function (b) {
      b.addEventListener("click", function () { set(b.dataset.lang); });
    });
    apply();
  });
})();
