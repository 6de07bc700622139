/* motcua – staff login: POST /api/auth/login asking for a session cookie, then on to where the clerk was going. */
(function () {
  "use strict";
  var L = window.motcuaLang;
  var cfg = JSON.parse(document.getElementById("config").textContent);
  function $(id) { return document.getElementById(id); }
  function t(vi, en) { return L.t(vi, en); }

  function show(message) {
    var box = $("login-error");
    box.textContent = message;
    box.hidden = !message;
  }

  function submit(e) {
    e.preventDefault();
    var username = $("username").value.trim(), password = $("password").value;
    if (!username || !password) { show(t("Hãy nhập tên đăng nhập và mật khẩu", "Enter your user name and password")); return; }
    $("login-btn").disabled = true;
    show("");
    fetch("/api/auth/login", {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ username: username, password: password, session: "cookie" })
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (res.ok) { location.assign(cfg.next || data.home || "/"); return; }
        var err = data.error || {};
        var text = t(err.message || "Đăng nhập không thành công", err.message_en || "Login failed");
        if (res.status === 429 && res.headers.get("Retry-After")) {
          text += t(" (" + res.headers.get("Retry-After") + " giây)", " (" + res.headers.get("Retry-After") + " s)");
        }
        show(text);
        $("password").value = "";
        $("password").focus();
      });
    }, function () {
      show(t("Mất kết nối tới hệ thống – vui lòng thử lại", "Lost the connection – please try again"));
    }).then(function () { $("login-btn").disabled = false; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("login-form").addEventListener("submit", submit);
    if (cfg.message) show(t(cfg.message.vi, cfg.message.en));
  });
})();
