/* motcua hall board – turning the sound on. Browsers refuse to play audio before a person touches the page,
 * so unless autoplay is allowed (a kiosk browser started with --autoplay-policy=no-user-gesture-required, or
 * ?sound=on), a one-time "Bấm để bật âm thanh / Click to enable sound" card asks the TV's operator for one
 * click. The board stays fully visible behind it. ?sound=off keeps the board silent.
 *   new MotcuaSound(announcer, mode, {prompt, toggle, t}).start() */
(function () {
  "use strict";

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

  function SoundSwitch(announcer, mode, ui) {
    this.announcer = announcer;
    this.mode = mode || "auto";
    this.ui = ui;
    this._once = this._once.bind(this);
  }

  SoundSwitch.prototype.start = function () {
    var self = this;
    if (this.mode === "off") this.announcer.enable(false);
    else if (this.mode === "on" || autoplayAllowed()) this.announcer.enable(true);
    else this.ask();
    this.ui.toggle.addEventListener("click", function () {
      if (self.announcer.enabled) { self.announcer.enable(false); self.render(); } else self.enable();
    });
    this.render();
    return this;
  };

  /** Show the card and wait for any click or key press. */
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
    this.ui.prompt.hidden = true;
    this.render();
  };

  SoundSwitch.prototype.render = function () {
    var on = this.announcer.enabled;
    this.ui.toggle.setAttribute("aria-pressed", String(on));
    this.ui.toggle.textContent = on ? this.ui.t("Âm thanh: bật", "Sound: on") : this.ui.t("Âm thanh: tắt", "Sound: off");
  };

  window.MotcuaSound = SoundSwitch;
})();
