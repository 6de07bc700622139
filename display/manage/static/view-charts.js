/* motcua – small SVG charts for the manager's pages, drawn here (no library, no CDN); colours come from view.css.
 *   motcuaCharts.bars(node, {labels, series: [{values, cls, name}], line: {values, name}, limit, format, height})
 *       vertical bars per label (several series side by side), an optional line and a dashed limit on one scale
 *   motcuaCharts.stack(node, {parts: [{value, cls, label}]})      one horizontal bar split in shares
 *   motcuaCharts.hbars(node, {rows: [{label, value, text, cls}], max, format})   horizontal bars, labels above
 * Each chart replaces the node's content; every bar carries a <title> (its value on hover). */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var W = 640;

  function svg(tag, attrs, parent, text) {
    var node = document.createElementNS(NS, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = String(text);
    if (parent) parent.appendChild(node);
    return node;
  }

  function root(node, height, label) {
    while (node.firstChild) node.removeChild(node.firstChild);
    var s = svg("svg", { viewBox: "0 0 " + W + " " + height, role: "img", preserveAspectRatio: "xMidYMid meet" });
    if (label) s.setAttribute("aria-label", label);
    node.appendChild(s);
    return s;
  }

  /** About four round steps from 0 to at least `max`. */
  function ticks(max) {
    if (!(max > 0)) return [0, 1];
    var raw = max / 4, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 5, 10].map(function (f) { return f * mag; }).find(function (s) { return s >= raw; });
    var out = [];
    for (var v = 0; v <= max + step * 0.001; v += step) out.push(v);
    if (out[out.length - 1] < max) out.push(out[out.length - 1] + step);
    return out;
  }

  function bars(node, opts) {
    var height = opts.height || 220, left = 44, right = 10, top = 14, bottom = 26;
    var labels = opts.labels || [], series = opts.series || [], fmt = opts.format || String;
    var s = root(node, height, opts.title);
    var all = [];
    series.forEach(function (se) { all = all.concat(se.values); });
    if (opts.line) all = all.concat(opts.line.values);
    if (opts.limit) all.push(opts.limit);
    var max = Math.max.apply(null, all.filter(function (v) { return v !== null && v !== undefined; }).concat([0]));
    var scale = ticks(max), top_v = scale[scale.length - 1] || 1;
    var plotH = height - top - bottom, plotW = W - left - right;
    var y = function (v) { return top + plotH - (v / top_v) * plotH; };
    var grid = svg("g", { "class": "grid" }, s), axis = svg("g", { "class": "axis" }, s);
    scale.forEach(function (v) {
      svg("line", { x1: left, x2: W - right, y1: y(v), y2: y(v) }, grid);
      svg("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end" }, axis, fmt(v));
    });
    if (!labels.length) {
      svg("text", { x: W / 2, y: height / 2, "text-anchor": "middle", "class": "label" }, s, opts.empty || "—");
      return;
    }
    var slot = plotW / labels.length, gap = Math.min(8, slot * 0.2), n = Math.max(1, series.length);
    var bw = Math.max(2, (slot - gap * 2) / n);
    var every = Math.ceil(labels.length / 16);
    labels.forEach(function (label, i) {
      var x0 = left + i * slot + gap;
      series.forEach(function (se, k) {
        var v = se.values[i];
        if (v === null || v === undefined) return;
        var r = svg("rect", { x: x0 + k * bw, y: y(v), width: Math.max(1, bw - 1), height: Math.max(0, y(0) - y(v)),
          "class": "bar " + (se.cls || "") + (opts.limit && v >= opts.limit ? " warn" : ""), rx: 2 }, s);
        svg("title", {}, r, label + " · " + (se.name ? se.name + ": " : "") + fmt(v));
        if (opts.showValues && v > 0 && bw >= 16) {
          svg("text", { x: x0 + k * bw + bw / 2 - 0.5, y: y(v) - 3, "text-anchor": "middle", "class": "value" }, s, fmt(v));
        }
      });
      if (i % every === 0) {
        svg("text", { x: left + i * slot + slot / 2, y: height - 8, "text-anchor": "middle", "class": "label" }, s, label);
      }
    });
    if (opts.line) {
      var pts = [];
      opts.line.values.forEach(function (v, i) {
        if (v === null || v === undefined) return;
        var cx = left + i * slot + slot / 2;
        pts.push(cx + "," + y(v));
        var d = svg("circle", { cx: cx, cy: y(v), r: 3.5, "class": "dot" }, s);
        svg("title", {}, d, labels[i] + " · " + (opts.line.name ? opts.line.name + ": " : "") + fmt(v));
      });
      if (pts.length > 1) svg("polyline", { points: pts.join(" "), "class": "line" }, s);
    }
    if (opts.limit) svg("line", { x1: left, x2: W - right, y1: y(opts.limit), y2: y(opts.limit), "class": "limit" }, s);
  }

  function stack(node, opts) {
    var height = opts.height || 34, s = root(node, height, opts.title);
    var parts = (opts.parts || []).filter(function (p) { return p.value > 0; });
    var total = parts.reduce(function (a, p) { return a + p.value; }, 0);
    svg("rect", { x: 0, y: 0, width: W, height: height, rx: 8, "class": "track" }, s);
    if (!total) {
      svg("text", { x: W / 2, y: height / 2 + 5, "text-anchor": "middle", "class": "label" }, s, opts.empty || "—");
      return;
    }
    var x = 0;
    parts.forEach(function (p) {
      var w = (p.value / total) * W;
      var r = svg("rect", { x: x, y: 0, width: Math.max(0, w - 1), height: height, "class": p.cls || "bar" }, s);
      svg("title", {}, r, p.label + ": " + p.value + " (" + Math.round(100 * p.value / total) + " %)");
      if (w > 44) svg("text", { x: x + w / 2, y: height / 2 + 5, "text-anchor": "middle", "class": "value on" }, s,
        Math.round(100 * p.value / total) + "%");
      x += w;
    });
  }

  /** Horizontal bars, each with its label on the line above (long office names never overflow). */
  function hbars(node, opts) {
    var rows = opts.rows || [], rowH = opts.rowHeight || 40, fmt = opts.format || String;
    var height = Math.max(rowH, rows.length * rowH) + 2;
    var s = root(node, height, opts.title);
    if (!rows.length) {
      svg("text", { x: W / 2, y: height / 2 + 5, "text-anchor": "middle", "class": "label" }, s, opts.empty || "—");
      return;
    }
    var max = opts.max || Math.max.apply(null, rows.map(function (r) { return r.value || 0; }).concat([1]));
    var valueW = 150, plotW = W - valueW;
    rows.forEach(function (row, i) {
      var y0 = i * rowH, bh = rowH - 22;
      var text = String(row.label);
      if (text.length > 90) text = text.slice(0, 88) + "…";
      svg("text", { x: 0, y: y0 + 12, "class": "label" }, s, text);
      svg("rect", { x: 0, y: y0 + 16, width: plotW, height: bh, rx: 4, "class": "track" }, s);
      var w = Math.max(0, Math.min(1, (row.value || 0) / max)) * plotW;
      var r = svg("rect", { x: 0, y: y0 + 16, width: w, height: bh, rx: 4, "class": "bar " + (row.cls || "") }, s);
      svg("title", {}, r, row.label + ": " + (row.text || fmt(row.value)));
      svg("text", { x: plotW + 8, y: y0 + 16 + bh / 2 + 4, "class": "value" }, s,
        row.value === null || row.value === undefined ? "—" : (row.text || fmt(row.value)));
    });
  }

  window.motcuaCharts = { bars: bars, stack: stack, hbars: hbars, ticks: ticks };
})();
