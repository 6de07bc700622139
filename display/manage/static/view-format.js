/* motcua – the manager's pages: shared helpers (window.motcuaView).
 *   config()                 the page's JSON (<script id="config" type="application/json">)
 *   duration(s)              "12:05" (minutes:seconds), "1:02:05" from an hour, "—" for nothing
 *   minutes(s)               "30 phút" / "30 min"
 *   num(n), pct(share)       Vietnamese grouping "1.234", "87,5 %"
 *   el(tag, cls, text)       a new element;  clear(node)
 *   getJSON(url)             same-origin GET with the staff session; rejects with {status, message}
 *   chrome(cfg)              the top bar: clock, who is signed in, log out, navigation links
 * Every visible word goes through motcuaLang.t(vi, en): Vietnamese first. */
(function () {
  "use strict";
  var T = function (vi, en) { return window.motcuaLang ? window.motcuaLang.t(vi, en) : vi; };

  function config() {
    var node = document.getElementById("config");
    try { return JSON.parse(node ? node.textContent : "{}"); } catch (e) { return {}; }
  }

  function two(n) { return (n < 10 ? "0" : "") + n; }

  function duration(s) {
    if (s === null || s === undefined || isNaN(s)) return "—";
    s = Math.max(0, Math.round(s));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    return h ? h + ":" + two(m) + ":" + two(sec) : m + ":" + two(sec);
  }

  function minutes(s) {
    var m = Math.round((s || 0) / 60);
    return m + " " + T("phút", "min");
  }

  function num(n) {
    if (n === null || n === undefined) return "—";
    return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  }

  function pct(share, digits) {
    if (share === null || share === undefined || isNaN(share)) return "—";
    var text = (100 * share).toFixed(digits === undefined ? 1 : digits);
    return (window.motcuaLang && window.motcuaLang.lang === "en" ? text : text.replace(".", ",")) + " %";
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function clear(node) { while (node && node.firstChild) node.removeChild(node.firstChild); return node; }

  function getJSON(url) {
    var get = window.motcuaAuth ? window.motcuaAuth.fetch : window.fetch;
    return get(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          if (r.ok) return body;
          var err = (body && body.error) || {};
          throw { status: r.status, message: T(err.message || "Lỗi " + r.status, err.message_en || "Error " + r.status) };
        });
      });
  }

  function clock(timezone) {
    var time = document.getElementById("clock-time"), date = document.getElementById("clock-date");
    function tick() {
      var now = new Date();
      var opts = { timeZone: timezone || "Asia/Ho_Chi_Minh" };
      if (time) time.textContent = now.toLocaleTimeString("vi-VN", Object.assign({ hour: "2-digit", minute: "2-digit" }, opts));
      if (date) date.textContent = now.toLocaleDateString(window.motcuaLang && window.motcuaLang.lang === "en" ? "en-GB" : "vi-VN",
        Object.assign({ weekday: "long", day: "2-digit", month: "2-digit", year: "numeric" }, opts));
    }
    tick();
    window.setInterval(tick, 1000);
  }

  function chrome(cfg) {
    clock(cfg.timezone);
    var me = document.getElementById("me-name");
    if (me && cfg.me) me.textContent = cfg.me.username;
    var out = document.getElementById("logout");
    if (out) out.addEventListener("click", function () {
      var post = window.motcuaAuth ? window.motcuaAuth.fetch : window.fetch;
      post((cfg.urls && cfg.urls.logout) || "/api/auth/logout", { method: "POST" })
        .catch(function () { /* leave anyway */ })
        .then(function () { location.assign("/login"); });
    });
    var urls = cfg.urls || {};
    [["nav-live", urls.live], ["nav-history", urls.history], ["nav-report", urls.report], ["nav-offices", urls.offices],
     ["nav-settings", urls.settings]]
      .forEach(function (pair) { var a = document.getElementById(pair[0]); if (a && pair[1]) a.href = pair[1]; });
    var settings = document.getElementById("nav-settings");
    if (settings) settings.hidden = !urls.settings;
  }

  /** The level's colour class: lv1..lv5 on a five-level scale, lv1of3..lv3of3 on three. */
  function levelClass(level, scale) { return scale === 3 ? "lv" + level + "of3" : "lv" + level; }

  /** The hours a chart shows: the office's opening hours, widened to any hour that has figures. */
  function hourRange(byHour, hours) {
    var keys = Object.keys(byHour || {}).map(Number);
    var first = hours ? hours[0] : 24, last = hours ? hours[1] : -1;
    keys.forEach(function (h) { first = Math.min(first, h); last = Math.max(last, h); });
    var out = [];
    for (var h = first; h <= last; h++) out.push(h);
    return out;
  }

  window.motcuaView = { hourRange: hourRange, config: config, duration: duration, minutes: minutes, num: num, pct: pct, el: el,
    clear: clear, getJSON: getJSON, chrome: chrome, levelClass: levelClass, t: T };
})();
