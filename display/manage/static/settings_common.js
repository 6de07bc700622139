/* motcua – what the settings pages share: the page's data, calls to the API with the manager's session, errors
 * shown beside the field they name (details.field, e.g. "services[2].prefix"), buttons that cannot act twice,
 * a confirmation dialog, and logging out.
 *   motcuaSettings.config, .t(vi, en), .api(method, url, body) → Promise<{ok, status, body, error}>
 *   .el(tag, attrs, children), .busy(button, promiseFn), .showError(root, error), .clearErrors(root),
 *   .confirm(title, text, okLabel) → Promise<boolean>, .generatePassword() */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("config").textContent);

  function t(vi, en) { return window.motcuaLang ? window.motcuaLang.t(vi, en) : vi; }

  function api(method, url, body) {
    var init = { method: method, headers: {} };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return window.motcuaAuth.fetch(url, init).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        var error = response.ok ? null : ((data && data.error) || {
          code: "http_" + response.status, message: "Máy chủ trả lời lỗi " + response.status,
          message_en: "The server answered " + response.status });
        return { ok: response.ok, status: response.status, body: data, error: error };
      });
    }, function () {
      return { ok: false, status: 0, body: null, error: { code: "offline",
        message: "Không kết nối được máy chủ; kiểm tra mạng rồi thử lại",
        message_en: "Cannot reach the server; check the network and try again" } };
    });
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key === "on") Object.keys(value).forEach(function (ev) { node.addEventListener(ev, value[ev]); });
      else if (key in node && typeof value !== "string") node[key] = value;
      else node.setAttribute(key, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  /** A bilingual text node: Vietnamese, or English when the page is switched (lang.js keeps it in step). */
  function bi(tag, vi, en, attrs) {
    var node = el(tag, Object.assign({ "data-en": en }, attrs || {}), []);
    node.textContent = t(vi, en);
    node.dataset.vi = vi;
    return node;
  }

  function message(error) { return t(error.message, error.message_en); }

  function clearErrors(root) {
    (root || document).querySelectorAll(".invalid").forEach(function (node) {
      node.classList.remove("invalid");
      node.removeAttribute("aria-invalid");
    });
    (root || document).querySelectorAll(".field-error").forEach(function (node) { node.remove(); });
  }

  /** Where an error's field is on the page: the element whose data-path is the field, or its closest parent path
   *  ("services[2].procedures[0].fee" → …procedures[0] → services[2]). */
  function target(root, field) {
    var path = field;
    while (path) {
      var node = root.querySelector('[data-path="' + path.replace(/"/g, "") + '"]');
      if (node) return node;
      var cut = Math.max(path.lastIndexOf("."), path.lastIndexOf("["));
      path = cut > 0 ? path.slice(0, cut) : "";
    }
    return null;
  }

  /** Show `error` beside its field (or in `fallback`); returns true when it found the field. */
  function showError(root, error, fallback) {
    var field = error && error.details && error.details.field;
    var node = field ? target(root, field) : null;
    var text = el("div", { class: "field-error", role: "alert", text: message(error) });
    if (node) {
      node.classList.add("invalid");
      node.setAttribute("aria-invalid", "true");
      var holder = node.closest("label, .field, td, fieldset") || node;
      holder.appendChild(text);
      if (node.scrollIntoView) node.scrollIntoView({ block: "center" });
      if (node.focus && /INPUT|SELECT|TEXTAREA/.test(node.tagName)) node.focus({ preventScroll: true });
      return true;
    }
    if (fallback) { fallback.textContent = message(error); fallback.hidden = false; }
    return false;
  }

  /** Run `work` (→ Promise) once at a time for `button`: a double click cannot send twice. */
  function busy(button, work) {
    if (button.dataset.busy === "1") return Promise.resolve(null);
    button.dataset.busy = "1";
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    return Promise.resolve().then(work).finally(function () {
      button.dataset.busy = "";
      button.disabled = false;
      button.removeAttribute("aria-busy");
    });
  }

  function confirmDialog(title, text, okLabel) {
    var dialog = document.getElementById("confirm-dialog");
    document.getElementById("confirm-title").textContent = title;
    document.getElementById("confirm-text").textContent = text;
    document.getElementById("confirm-ok").textContent = okLabel;
    return new Promise(function (resolve) {
      dialog.addEventListener("close", function done() {
        dialog.removeEventListener("close", done);
        resolve(dialog.returnValue === "ok");
      });
      dialog.returnValue = "";
      dialog.showModal();
    });
  }

  /** A passphrase a person can read out and type: four words-like chunks and digits (about 60 bits). */
  function generatePassword() {
    var letters = "abcdefghijkmnpqrstuvwxyz", digits = "23456789";
    var bytes = new Uint32Array(14);
    window.crypto.getRandomValues(bytes);
    var parts = [], i = 0;
    for (var chunk = 0; chunk < 3; chunk++) {
      var word = "";
      for (var k = 0; k < 4; k++) word += letters[bytes[i++] % letters.length];
      parts.push(word);
    }
    parts.push(digits[bytes[i++] % digits.length] + digits[bytes[i++] % digits.length]);
    return parts.join("-");
  }

  function dateTime(iso) {
    if (!iso) return "";
    var d = new Date(iso);
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(d.getHours()) + ":" + two(d.getMinutes()) + " " + two(d.getDate()) + "/" + two(d.getMonth() + 1) + "/" + d.getFullYear();
  }

  /** The office's counter `id` by its name (the id itself when the office has no such counter). */
  function counterName(id) {
    var found = (config.counters || []).filter(function (c) { return c.id === id; })[0];
    return found ? found.name : (id || "—");
  }

  /** GET `url` for this office; `render(body)` on success, else the refusal in the element `errorId`. */
  function loadList(url, errorId, render) {
    return api("GET", url + "?office=" + encodeURIComponent(config.office)).then(function (reply) {
      var box = document.getElementById(errorId);
      if (!reply.ok) { box.textContent = message(reply.error); box.hidden = false; return; }
      box.hidden = true;
      render(reply.body);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var logout = document.getElementById("logout");
    if (logout) logout.addEventListener("click", function () {
      api("POST", config.logout, {}).then(function () { location.assign("/login"); });
    });
  });

  window.motcuaSettings = { config: config, t: t, api: api, el: el, bi: bi, message: message, busy: busy,
    showError: showError, clearErrors: clearErrors, confirm: confirmDialog, generatePassword: generatePassword,
    dateTime: dateTime, counterName: counterName, loadList: loadList };
})();
