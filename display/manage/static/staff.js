/* motcua – the office's accounts: create a clerk for a counter (admins: also a manager), disable or enable, reset a
 * password. POST /api/users, GET /api/users?office=, POST /api/users/{id}/disable|enable, PUT …/password. */
(function () {
  "use strict";
  var S = window.motcuaSettings, cfg = S.config, el = S.el, t = S.t;
  var ROLES = { clerk: ["Cán bộ", "Clerk"], manager: ["Lãnh đạo", "Manager"], admin: ["Quản trị", "Admin"] };

  var counterName = S.counterName;

  function loadUsers() { return S.loadList(cfg.urls.users, "users-error", render); }

  function render(users) {
    var body = document.getElementById("users");
    body.textContent = "";
    users.forEach(function (user) {
      var me = user.id === cfg.me.id;
      var role = ROLES[user.role] || [user.role, user.role];
      var actions = el("div", { class: "actions" });
      if (!me && user.role !== "admin") {
        actions.appendChild(el("button", { type: "button", class: "btn ghost small", "data-act": "password",
          on: { click: function () { resetPassword(user); } } }, [S.bi("span", "Đặt lại mật khẩu", "Reset password")]));
        var disable = el("button", { type: "button", class: "btn ghost small" + (user.disabled ? "" : " danger-text"),
          "data-act": user.disabled ? "enable" : "disable" },
          [user.disabled ? S.bi("span", "Mở khoá", "Enable") : S.bi("span", "Khoá", "Disable")]);
        disable.addEventListener("click", function () { setDisabled(user, !user.disabled, disable); });
        actions.appendChild(disable);
      } else if (me) {
        actions.appendChild(S.bi("span", "(bạn)", "(you)", { class: "muted" }));
      }
      body.appendChild(el("tr", { class: user.disabled ? "off" : "", "data-user": user.username }, [
        el("td", { class: "mono", text: user.username }),
        el("td", { text: user.display_name || "" }),
        S.bi("td", role[0], role[1]),
        el("td", { text: user.role === "clerk" ? counterName(user.counter) : "" }),
        el("td", {}, [user.disabled ? S.bi("span", "Đã khoá", "Disabled", { class: "pill off" })
                                    : S.bi("span", "Đang dùng", "Active", { class: "pill on" })]),
        el("td", { class: "right" }, [actions]),
      ]));
    });
    if (!users.length) body.appendChild(el("tr", {}, [el("td", { colspan: 6 }, [S.bi("span", "Chưa có tài khoản nào.", "No accounts yet.")])]));
  }

  function setDisabled(user, disabled, button) {
    var ask = disabled
      ? S.confirm(t("Khoá tài khoản ", "Disable the account ") + user.username + "?",
          t("Người dùng bị đăng xuất ngay và không đăng nhập được cho đến khi mở khoá.",
            "They are logged out at once and cannot log in until it is enabled again."), t("Khoá", "Disable"))
      : Promise.resolve(true);
    ask.then(function (ok) {
      if (!ok) return;
      S.busy(button, function () {
        return S.api("POST", cfg.urls.users + "/" + user.id + (disabled ? "/disable" : "/enable"), {}).then(function (reply) {
          if (!reply.ok) { var box = document.getElementById("users-error"); box.textContent = S.message(reply.error); box.hidden = false; return; }
          return loadUsers();
        });
      });
    });
  }

  function resetPassword(user) {
    var dialog = document.getElementById("password-dialog"), input = document.getElementById("new-password");
    var saveBtn = document.getElementById("password-save");
    document.getElementById("password-title").textContent = t("Mật khẩu mới cho ", "New password for ") + user.username;
    input.value = S.generatePassword();
    S.clearErrors(dialog);
    saveBtn.onclick = function () {
      S.busy(saveBtn, function () {
        S.clearErrors(dialog);
        return S.api("PUT", cfg.urls.users + "/" + user.id + "/password", { password: input.value }).then(function (reply) {
          if (!reply.ok) { S.showError(dialog, reply.error, null) || S.showError(dialog, Object.assign({}, reply.error, { details: { field: "password" } })); return; }
          dialog.close("ok");
          var done = document.getElementById("created");
          done.textContent = t("Đã đặt mật khẩu mới cho ", "New password set for ") + user.username + ": " + input.value;
          done.hidden = false;
        });
      });
    };
    dialog.showModal();
  }

  function fillCounters() {
    var select = document.getElementById("counter-select");
    select.appendChild(el("option", { value: "", text: t("— chưa chọn —", "— none —") }));
    cfg.counters.forEach(function (c) { select.appendChild(el("option", { value: c.id, text: c.name })); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("new-user"), button = document.getElementById("create-user");
    var password = form.elements.password, roleSelect = form.elements.role;
    document.getElementById("role-field").hidden = !cfg.may_create_managers;
    document.getElementById("password-hint").textContent = t("Ít nhất " + cfg.password_min + " ký tự. Trao mật khẩu cho cán bộ; họ đổi được sau khi đăng nhập.",
      "At least " + cfg.password_min + " characters. Give it to the clerk; they can change it after logging in.");
    fillCounters();
    roleSelect.addEventListener("change", function () { form.elements.counter.disabled = roleSelect.value !== "clerk"; });
    document.getElementById("generate").addEventListener("click", function () { password.value = S.generatePassword(); });
    document.getElementById("regenerate").addEventListener("click", function () {
      document.getElementById("new-password").value = S.generatePassword();
    });
    form.addEventListener("input", function (e) {
      if (e.target.classList) e.target.classList.remove("invalid");
      var holder = e.target.closest && e.target.closest("label");
      if (holder) holder.querySelectorAll(".field-error").forEach(function (n) { n.remove(); });
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var errorBox = document.getElementById("new-user-error"), done = document.getElementById("created");
      S.busy(button, function () {
        S.clearErrors(form); errorBox.hidden = true; done.hidden = true;
        var role = cfg.may_create_managers ? roleSelect.value : "clerk";
        var body = { username: form.elements.username.value.trim().toLowerCase(), password: password.value,
          display_name: form.elements.display_name.value.trim(), role: role, office: cfg.office,
          counter: role === "clerk" && form.elements.counter.value ? form.elements.counter.value : null };
        return S.api("POST", cfg.urls.users, body).then(function (reply) {
          if (!reply.ok) { S.showError(form, reply.error, errorBox); return; }
          done.textContent = t("Đã tạo tài khoản ", "Account created: ") + reply.body.username + " – " +
            t("mật khẩu: ", "password: ") + body.password + t(" (ghi lại và trao cho cán bộ)", " (note it and give it to the clerk)");
          done.hidden = false;
          form.reset();
          return loadUsers();
        });
      });
    });
    loadUsers();
  });
})();
