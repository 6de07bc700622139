/* motcua – pages of the manager's view with a top bar only (the list of offices, the refusal): clock, log out. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var V = window.motcuaView, cfg = V.config();
    cfg.urls = Object.assign({ offices: location.pathname }, cfg.urls || {});
    V.chrome(cfg);
  });
})();
