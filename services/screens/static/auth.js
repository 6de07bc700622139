/* motcua – credentials of the screens, in one place.
 * <body data-auth="kiosk|display|tablet"> marks a device screen: it is enrolled once by opening the link an admin
 * gives (…#device=<token>); the token is kept in this browser (localStorage, per kind of screen), the fragment is
 * wiped from the address bar, and every API call carries it as "Authorization: Bearer". A revoked or missing
 * token shows a full-screen notice instead of a broken screen.
 * <body data-auth="staff"> marks a staff screen: the login sets an HttpOnly session cookie; unsafe requests carry
 * the session's anti-forgery token (cookie motcua_csrf) in X-CSRF-Token; a 401 sends the clerk to the login page.
 *   motcuaAuth.fetch(url, init) → Promise<Response>     motcuaAuth.headers(method) → {…}
 *   motcuaAuth.kind, motcuaAuth.hasDevice(), motcuaAuth.unauthorized(response) */
(function () {
  "use strict";
  var kind = (document.body && document.body.dataset.auth) || "public";
  var KEY = "motcua.device." + kind;
  var DEVICE_KINDS = { kiosk: true, display: true, tablet: true };

  function adoptFragment() {
    var m = /(?:^#|&)device=([A-Za-z0-9_\-]+)/.exec(location.hash || "");
    if (!m) return;
    try { localStorage.setItem(KEY, m[1]); } catch (e) { /* private mode: kept for this page only */ }
    memory = m[1];
    history.replaceState(null, "", location.pathname + location.search);
  }
  var memory = null;

  function deviceToken() {
    if (!DEVICE_KINDS[kind]) return null;
    try { return localStorage.getItem(KEY) || memory; } catch (e) { return memory; }
  }

  function cookie(name) {
    var m = new RegExp("(?:^|; )" + name + "=([^;]*)").exec(document.cookie);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function headers(method) {
    var h = { Accept: "application/json" };
    var token = deviceToken();
    if (token) h.Authorization = "Bearer " + token;
    if (method && !/^(GET|HEAD|OPTIONS)$/i.test(method)) {
      var csrf = cookie("motcua_csrf");
      if (csrf && !token) h["X-CSRF-Token"] = csrf;
    }
    return h;
  }

  function el(tag, style, text) {
    var node = document.createElement(tag);
    Object.keys(style).forEach(function (k) { node.style[k] = style[k]; });
    if (text) node.textContent = text;
    return node;
  }

  function notice() {
    if (document.getElementById("auth-notice")) return;
    // Styled through the CSSOM (allowed by the CSP, unlike inline style attributes): no stylesheet needed.
    var box = el("div", { position: "fixed", inset: "0", zIndex: "1000", display: "flex", alignItems: "center",
      justifyContent: "center", background: "rgba(10,25,47,.94)", padding: "4vmin" });
    box.id = "auth-notice";
    box.setAttribute("role", "alert");
    var card = el("div", { maxWidth: "46rem", background: "#fff", color: "#10233f", borderRadius: "18px",
      padding: "2.5rem 3rem", fontSize: "1.4rem", lineHeight: "1.5", fontFamily: "system-ui, sans-serif" });
    card.appendChild(el("h1", { margin: "0 0 .3rem", fontSize: "2.2rem", color: "#b3261e" }, "Thiết bị chưa được đăng ký"));
    card.appendChild(el("p", { color: "#52627a", marginTop: "0" }, "This device is not enrolled, or its enrolment was revoked."));
    card.appendChild(el("p", {}, "Vui lòng mở đường liên kết đăng ký do quản trị viên cấp cho thiết bị này (…#device=…)."));
    card.appendChild(el("p", { color: "#52627a" }, "Open the enrolment link the administrator gave for this device (…#device=…)."));
    box.appendChild(card);
    document.body.appendChild(box);
  }

  /** Handle a 401/403 answer the way this kind of screen should; true when it was one. */
  function unauthorized(response) {
    if (!response || (response.status !== 401 && response.status !== 403)) return false;
    if (DEVICE_KINDS[kind] && response.status === 401) { notice(); return true; }
    if (kind === "staff" && response.status === 401) {
      location.assign("/login?next=" + encodeURIComponent(location.pathname + location.search));
      return true;
    }
    return response.status === 401;
  }

  function authFetch(url, init) {
    init = init || {};
    var method = (init.method || "GET").toUpperCase();
    init.headers = Object.assign(headers(method), init.headers || {});
    init.credentials = "same-origin";
    return window.fetch(url, init).then(function (response) { unauthorized(response); return response; });
  }

  adoptFragment();
  window.motcuaAuth = {
    kind: kind,
    fetch: authFetch,
    headers: headers,
    hasDevice: function () { return !!deviceToken(); },
    unauthorized: unauthorized,
    requireDevice: function () { if (DEVICE_KINDS[kind] && !deviceToken()) { notice(); return false; } return true; }
  };
})();
