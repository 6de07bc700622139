/* motcua – the live stream of a screen that must never freeze (the hall board, a counter's pay screen).
 * Server-Sent Events read with fetch(), so that the server's heartbeat comments count as signs of life
 * (EventSource hides them). Every (re)connection begins with a fresh `snapshot`, so the screen resynchronises
 * after a network cut or a server restart. It reconnects by itself with backoff, on the browser's "online"
 * event, and when nothing at all (not even a heartbeat) arrived for 40 s. Browsers without streaming fetch
 * fall back to EventSource (then a quiet office simply reconnects every 40 s).
 * While the server has lost its own connection to the system, its heartbeats say `stale`: the screen then shows
 * its connection indicator (onDown) without dropping what it shows, until the fresh snapshot that follows.
 *   new MotcuaStream(url, {onSnapshot, onEvent, onUp, onDown, onFatal, events}).start()
 * `events`: the event names to hear through the EventSource fallback (default: the board's). */
(function () {
  "use strict";
  var SILENCE_MS = 40000;
  var BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 10000];
  var BOARD_EVENTS = ["office.configured", "ticket.issued", "ticket.called", "ticket.recalled", "ticket.started",
    "ticket.completed", "ticket.skipped", "ticket.returned", "ticket.transferred", "ticket.cancelled",
    "counter.paused", "counter.resumed"];

  function noop() {}

  function LiveStream(url, handlers) {
    this.url = url;
    this.h = handlers || {};
    this.silenceMs = SILENCE_MS;
    this.gen = 0;
    this.attempt = 0;
    this.lastDataAt = 0;
    this.connected = false;
    this.active = false;          // a connection is open or being opened
    this.controller = null;
    this.source = null;
    this.retryTimer = null;
    this.stats = { connects: 0, snapshots: 0, events: 0, failures: 0, watchdog: 0 };
    this.streaming = !!(window.fetch && window.ReadableStream && window.TextDecoder && window.AbortController);
  }

  LiveStream.prototype.start = function () {
    var self = this;
    window.setInterval(function () { self._watch(); }, 2000);
    window.addEventListener("offline", function () { self._fail("offline"); });
    window.addEventListener("online", function () { self.restart(); });
    this._connect();
    return this;
  };

  /** Drop the connection (if any) and open a new one now. */
  LiveStream.prototype.restart = function () {
    this._close();
    this._connect();
  };

  LiveStream.prototype._watch = function () {
    if (this.active && Date.now() - this.lastDataAt > this.silenceMs) {
      this.stats.watchdog += 1;
      this._fail("silent for " + Math.round(this.silenceMs / 1000) + " s");
    }
  };

  LiveStream.prototype._close = function () {
    this.gen += 1;
    this.active = false;
    window.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.controller) { try { this.controller.abort(); } catch (e) { /* already gone */ } }
    if (this.source) this.source.close();
    this.controller = null;
    this.source = null;
  };

  LiveStream.prototype._fail = function (why, retryMs) {
    if (!this.active && this.retryTimer) return;      // already waiting to retry
    this._close();
    this.stats.failures += 1;
    var wasUp = this.connected;
    this.connected = false;
    (this.h.onDown || noop)(why, wasUp);
    var delay = retryMs || BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt += 1;
    var self = this;
    this.retryTimer = window.setTimeout(function () { self.retryTimer = null; self._connect(); },
      delay * (0.8 + Math.random() * 0.4));
  };

  LiveStream.prototype._connect = function () {
    this._close();
    this.active = true;
    this.lastDataAt = Date.now();
    this.stats.connects += 1;
    if (this.streaming) this._fetch(this.gen); else this._eventSource(this.gen);
  };

  LiveStream.prototype._dispatch = function (name, data, gen) {
    if (gen !== this.gen) return;
    var payload;
    try { payload = JSON.parse(data); } catch (e) { return; }
    if (name === "stale") {
      if (this.connected) { this.connected = false; (this.h.onDown || noop)("stale", true); }
      return;
    }
    if (name === "snapshot") {
      this.stats.snapshots += 1;
      this.attempt = 0;
      if (!this.connected) { this.connected = true; (this.h.onUp || noop)(); }
      (this.h.onSnapshot || noop)(payload);
    } else {
      this.stats.events += 1;
      (this.h.onEvent || noop)(name, payload);
    }
  };

  LiveStream.prototype._fetch = function (gen) {
    var self = this;
    var controller = new AbortController();
    this.controller = controller;
    var headers = Object.assign(window.motcuaAuth ? window.motcuaAuth.headers("GET") : {}, { Accept: "text/event-stream" });
    window.fetch(this.url, { signal: controller.signal, cache: "no-store", headers: headers, credentials: "same-origin" })
      .then(function (response) {
        if (gen !== self.gen) return null;
        if (response.status === 404) {
          (self.h.onFatal || noop)("not_found");
          self._fail("HTTP 404", 30000);
          return null;
        }
        if (response.status === 401 || response.status === 403) {
          if (window.motcuaAuth) window.motcuaAuth.unauthorized(response);
          (self.h.onFatal || noop)(response.status === 401 ? "unauthenticated" : "forbidden");
          self._fail("HTTP " + response.status, 30000);    // enrolled meanwhile? try again now and then
          return null;
        }
        if (!response.ok || !response.body) throw new Error("HTTP " + response.status);
        return self._read(response.body.getReader(), gen);
      })
      .catch(function (err) {
        if (gen === self.gen) self._fail(String(err && err.message || err));
      });
  };

  LiveStream.prototype._read = function (reader, gen) {
    var self = this;
    var decoder = new TextDecoder();
    var buffer = "";
    function pump() {
      return reader.read().then(function (chunk) {
        if (gen !== self.gen) { reader.cancel().catch(noop); return; }
        if (chunk.done) throw new Error("stream ended");
        self.lastDataAt = Date.now();             // data or heartbeat: the server is alive
        buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n?/g, "\n");
        var end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          var block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          var name = "message", data = [];
          block.split("\n").forEach(function (line) {
            if (line.indexOf("event:") === 0) name = line.slice(6).trim();
            else if (line.indexOf("data:") === 0) data.push(line.slice(5).replace(/^ /, ""));
          });
          if (data.length) self._dispatch(name, data.join("\n"), gen);
        }
        return pump();
      });
    }
    return pump();
  };

  LiveStream.prototype._eventSource = function (gen) {
    var self = this;
    var source = new EventSource(this.url);
    this.source = source;
    function listen(name) {
      source.addEventListener(name, function (e) { self.lastDataAt = Date.now(); self._dispatch(name, e.data, gen); });
    }
    listen("snapshot");
    listen("stale");
    (this.h.events || BOARD_EVENTS).forEach(listen);
    source.onerror = function () { if (gen === self.gen) self._fail("EventSource error"); };
  };

  window.MotcuaStream = LiveStream;
})();
