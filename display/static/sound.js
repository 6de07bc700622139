/* motcua hall board – turning the sound on, once per device.
 * Browsers refuse to play audio before a person touches the page. A wall TV has no mouse, so:
 *  - start its browser with autoplay allowed (Chromium: --autoplay-policy=no-user-gesture-required) and open the
 *    board with ?sound=on: sound is on, nothing is ever asked;
 *  - otherwise a small "Bấm để bật âm thanh / Click to enable sound" banner in the header (never over the board)
 *    waits for one click or key press (a remote's OK). The choice is remembered in this browser (localStorage), so a
 *    board whose operator turned the sound off stays silent, and one turned on plays by itself whenever the browser
 *    allows it; the banner comes back only when the browser blocks the sound again.
 * ?sound=off keeps the board silent.
 *   new MotcuaSound(announcer, mode, {prompt, toggle, t}).start()      MotcuaSound.KEY: the localStorage key */
(function () {
  "use strict";
  var KEY = "motcua.board.sound";

  function autoplayAllowed() {
    try {
      if (navigator.getAutoplayPolicy) return navigator.getAutoplayPolicy("mediaelement") === "allowed";
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return false;
      var ctx = new Ctx();
      var running = ctx.state === "running";
      ctx.close();
      return running;
    } catch (e) { return false; }
  }

  function remembered() {
    try { return localStorage.getItem(KEY); } catch (e) { return null; }
  }
  function remember(on) {
    try { localStorage.setItem(KEY, on ? "on" : "off"); } catch (e) { /* private mode: asked again next time */ }
  }

  function SoundSwitch(announcer, mode, ui) {
    this.announcer = announcer;
    this.mode = mode || "auto";
    this.ui = ui;
    this._once = this._once.bind(this);
  }

  SoundSwitch.prototype.start = function () {
    var self = this;
    var choice = this.mode === "auto" ? remembered() : this.mode;
    if (choice === "off") this.announcer.enable(false);
    else if (this.mode === "on" || autoplayAllowed()) this.announcer.enable(true);
    else this.ask();
    this.ui.toggle.addEventListener("click", function () {
      if (self.announcer.enabled) { self.announcer.enable(false); remember(false); self.render(); } else self.enable();
    });
    this.render();
    return this;
  };

  /** Show the banner and wait for any click or key press. */
  SoundSwitch.prototype.ask = function () {
    this.ui.prompt.hidden = false;
    document.addEventListener("click", this._once, true);
    document.addEventListener("keydown", this._once, true);
    this.render();
  };

  SoundSwitch.prototype._once = function (e) {
    if (e.target && e.target.closest && e.target.closest("#" + this.ui.toggle.id)) return;  // the toggle decides
    this.enable();
  };

  SoundSwitch.prototype.enable = function () {
    document.removeEventListener("click", this._once, true);
    document.removeEventListener("keydown", this._once, true);
    this.announcer.enable(true);
    this.announcer.unlock();                 // within the click: unlocks audio and speech for good
    remember(true);
    this.ui.prompt.hidden = true;
    this.render();
  };

  SoundSwitch.prototype.render = function () {
    var on = this.announcer.enabled;
    this.ui.toggle.setAttribute("aria-pressed", String(on));
    this.ui.toggle.textContent = on ? this.ui.t("Âm thanh: bật", "Sound: on") : this.ui.t("Âm thanh: tắt", "Sound: off");
  };

  SoundSwitch.KEY = KEY;
  window.MotcuaSound = SoundSwitch;
})();
