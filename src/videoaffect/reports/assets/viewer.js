(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("curve-data").textContent);
  var view = data.view, curve = data.curve, times = curve.time_s, n = times.length;
  var begin = Math.min(times[0], 0), end = Math.max(times[n - 1] + 1, view.duration || 0);
  var plot = document.getElementById("plot");
  // Taken from the inline <svg> so that the page holds no URL, not even the namespace's.
  var NS = plot.namespaceURI;
  var video = document.getElementById("video");
  var readout = document.getElementById("readout");
  var geom = null, cursor = null, secondBox = null, dots = {};
  var state = {time: times[0], from: "start"};

  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    for (var k in attrs) { if (attrs[k] !== null && attrs[k] !== undefined) node.setAttribute(k, attrs[k]); }
    if (parent) parent.appendChild(node);
    return node;
  }
  function finite(v) { return typeof v === "number" && isFinite(v); }
  function two(v) { return finite(v) ? v.toFixed(2) : "n/a"; }
  function clock(s) {
    var total = Math.max(Math.floor(s), 0), h = Math.floor(total / 3600), m = Math.floor(total / 60) % 60;
    var sec = total % 60, pad = function (x) { return (x < 10 ? "0" : "") + x; };
    return h ? h + ":" + pad(m) + ":" + pad(sec) : m + ":" + pad(sec);
  }
  function rowAt(t) {  // the last row whose second starts at or before t
    var lo = 0, hi = n - 1;
    if (!(t >= times[0])) return 0;
    while (lo < hi) { var mid = (lo + hi + 1) >> 1; if (times[mid] <= t) lo = mid; else hi = mid - 1; }
    return lo;
  }
  function niceStep(span, count) {
    var raw = span / count, mag = Math.pow(10, Math.floor(Math.log10(raw))), r = raw / mag;
    return (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * mag;
  }
  var TICK_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200];

  function layout() {
    var width = Math.max(320, Math.round(plot.parentNode.clientWidth || 900));
    var left = 58, right = 16, top = 8, panelH = 125, gap = 20, axisH = 24;
    var tasks = view.tasks, panels = [];
    var y0 = view.y[0], y1 = view.y[1];
    tasks.forEach(function (task, i) {
      var ptop = top + i * (panelH + gap);
      panels.push({task: task, top: ptop, bottom: ptop + panelH,
                   y: function (v) { return ptop + panelH - (v - y0) / (y1 - y0) * panelH; }});
    });
    var bottom = panels[panels.length - 1].bottom;
    return {width: width, height: bottom + axisH, left: left, right: width - right, top: top, bottom: bottom,
            panels: panels,
            x: function (t) { return left + (t - begin) / (end - begin) * (width - right - left); },
            t: function (px) { return begin + (px - left) / (width - right - left) * (end - begin); }};
  }

  // a line through the middle of each second [t, t+1); a missing value (null) breaks it
  function linePath(panel, ts, values) {
    var path = "", pen = false;
    for (var i = 0; i < ts.length; i++) {
      var v = values[i];
      if (!finite(v) || !finite(ts[i])) { pen = false; continue; }
      path += (pen ? "L" : "M") + geom.x(ts[i] + 0.5).toFixed(1) + " " + panel.y(v).toFixed(1);
      pen = true;
    }
    return path;
  }

  function polyline(g, task, col, attrs) {
    attrs.d = linePath(g.panel, times, curve[col]); attrs.fill = "none";
    return el("path", attrs, g.node);
  }

  function bandPath(panel, ts, low, high) {
    var path = "", run = [];
    function flush() {
      if (!run.length) return;
      var fwd = run.map(function (i) { return geom.x(ts[i] + 0.5).toFixed(1) + " " + panel.y(high[i]).toFixed(1); });
      var back = run.slice().reverse().map(function (i) {
        return geom.x(ts[i] + 0.5).toFixed(1) + " " + panel.y(low[i]).toFixed(1); });
      if (run.length === 1) {  // one second alone: a bar across its second
        var i = run[0], a = geom.x(ts[i]).toFixed(1), b = geom.x(ts[i] + 1).toFixed(1);
        path += "M" + a + " " + panel.y(high[i]).toFixed(1) + "L" + b + " " + panel.y(high[i]).toFixed(1) +
                "L" + b + " " + panel.y(low[i]).toFixed(1) + "L" + a + " " + panel.y(low[i]).toFixed(1) + "Z";
      } else {
        path += "M" + fwd.join("L") + "L" + back.join("L") + "Z";
      }
      run = [];
    }
    for (var i = 0; i < ts.length; i++) {
      if (finite(low[i]) && finite(high[i]) && finite(ts[i])) run.push(i); else flush();
    }
    flush();
    return path;
  }

  function draw() {
    geom = layout();
    while (plot.firstChild) plot.removeChild(plot.firstChild);
    plot.setAttribute("width", geom.width); plot.setAttribute("height", geom.height);
    plot.setAttribute("viewBox", "0 0 " + geom.width + " " + geom.height);
    var defs = el("defs", {}, plot);
    view.missing.forEach(function (m, k) {
      var pat = el("pattern", {id: "hatch-" + k, patternUnits: "userSpaceOnUse", width: 6, height: 6,
                               patternTransform: "rotate(45)"}, defs);
      el("rect", {width: 6, height: 6, fill: m.colour, "fill-opacity": 0.25}, pat);
      el("line", {x1: 0, y1: 0, x2: 0, y2: 6, stroke: m.colour, "stroke-width": 2.5, "stroke-opacity": 0.8}, pat);
    });
    var xl = geom.left, xr = geom.right, w = xr - xl;
    var yStep = niceStep(view.y[1] - view.y[0], 5);
    geom.panels.forEach(function (panel, p) {
      var task = panel.task, colour = view.colours[task];
      var clip = el("clipPath", {id: "clip-" + p}, defs);
      el("rect", {x: xl, y: panel.top, width: w, height: panel.bottom - panel.top}, clip);
      var g = {panel: panel, node: el("g", {"class": "panel", "data-task": task}, plot)};
      el("rect", {x: xl, y: panel.top, width: w, height: panel.bottom - panel.top, fill: "#fff", stroke: "#bbb"},
         g.node);
      for (var v = Math.ceil(view.y[0] / yStep) * yStep; v <= view.y[1] + 1e-9; v += yStep) {
        var yy = panel.y(v);
        el("line", {x1: xl, x2: xr, y1: yy, y2: yy, stroke: "#e6e6e6"}, g.node);
        el("text", {x: xl - 6, y: yy + 4, "text-anchor": "end", fill: "#555"}, g.node).textContent =
          +v.toFixed(6) + "";
      }
      var label = el("text", {x: 14, y: (panel.top + panel.bottom) / 2, "text-anchor": "middle", fill: colour,
                              "font-weight": 600, transform: "rotate(-90 14 " + (panel.top + panel.bottom) / 2 + ")"},
                     g.node);
      label.textContent = task;
      var inner = el("g", {"clip-path": "url(#clip-" + p + ")"}, g.node);
      var gi = {panel: panel, node: inner};
      var words = view.words[task];
      if (words && view.scale) {  // what the top and the bottom of the scale mean, under the curves
        var above = view.missing.length * 12;  // clear of the hatched rows of missing data
        el("text", {"class": "scale-word", x: xr - 5, y: panel.top + 12, "text-anchor": "end", fill: "#888"},
           inner).textContent = words[1];
        el("text", {"class": "scale-word", x: xr - 5, y: panel.bottom - 5 - above, "text-anchor": "end",
                    fill: "#888"}, inner).textContent = words[0];
      }
      if (view.scale) {
        var ym = panel.y((view.scale.low + view.scale.high) / 2);
        el("line", {"class": "neutral", x1: xl, x2: xr, y1: ym, y2: ym, stroke: "#777", "stroke-dasharray": "2 3"},
           inner);
      }
      var many = view.cuts.length > view.max_cut_lines, cuts = "";
      view.cuts.forEach(function (c) {
        var x = geom.x(c).toFixed(1);
        cuts += "M" + x + " " + panel.top + "V" + (many ? panel.top + 7 : panel.bottom);
      });
      if (cuts) el("path", {"class": "cuts", d: cuts, stroke: many ? "#595959" : "#999",
                            "stroke-width": many ? 0.6 : 0.8,
                            "stroke-dasharray": many ? null : "3 2", "data-count": view.cuts.length}, inner);
      view.missing.forEach(function (m, k) {
        var h = 9, yb = panel.bottom - 3 - (k + 1) * (h + 3);
        m.runs.forEach(function (r) {
          var a = geom.x(r[0]), b = Math.max(geom.x(r[1]), a + 3);
          el("rect", {"class": "missing", "data-modality": m.modality, "data-start": r[0], "data-stop": r[1],
                      x: a, y: yb, width: b - a, height: h, fill: "url(#hatch-" + k + ")"}, inner);
        });
      });
      var band = view.band[task];
      var aud = view.audience[task];
      if (aud && aud.low) el("path", {"class": "audience-band", d: bandPath(panel, aud.time_s, aud.low, aud.high),
                                      fill: "#000", "fill-opacity": 0.1, stroke: "none"}, inner);
      if (band) el("path", {"class": "band", d: bandPath(panel, times, curve[band.low], curve[band.high]),
                            fill: colour, "fill-opacity": 0.18, stroke: "none"}, inner);
      if (view.intra[task]) polyline(gi, task, view.intra[task], {"class": "intra", stroke: colour, "stroke-width": 1,
                                                                   "stroke-dasharray": "4 3", "stroke-opacity": 0.7});
      if (aud) el("path", {"class": "audience", d: linePath(panel, aud.time_s, aud.mean), fill: "none", stroke: "#111",
                           "stroke-width": 1.6, "stroke-linejoin": "round"}, inner);
      polyline(gi, task, task, {"class": "curve", stroke: colour, "stroke-width": 2, "stroke-linejoin": "round"});
      if (n <= 60) {
        for (var i = 0; i < n; i++) {
          if (finite(curve[task][i])) el("circle", {cx: geom.x(times[i] + 0.5), cy: panel.y(curve[task][i]), r: 2.5,
                                                   fill: colour}, inner);
        }
      }
    });
    // time axis under the last panel
    var dur = end - begin, step = TICK_STEPS.filter(function (s) { return dur / s <= 12; })[0] || 7200;
    var axis = el("g", {"class": "axis"}, plot);
    for (var s = Math.ceil(begin / step) * step; s <= end + 1e-9; s += step) {
      var x = geom.x(s);
      el("line", {x1: x, x2: x, y1: geom.bottom, y2: geom.bottom + 4, stroke: "#555"}, axis);
      el("text", {x: x, y: geom.bottom + 16, "text-anchor": "middle", fill: "#555"}, axis).textContent =
        dur > 180 ? clock(s) : s + " s";
    }
    // cursor: the second it is in, lightly shaded, the playback position as a line, a dot per curve
    secondBox = el("rect", {id: "cursor-second", y: geom.top, height: geom.bottom - geom.top, fill: "#000",
                            "fill-opacity": 0.06, "pointer-events": "none"}, plot);
    cursor = el("line", {id: "cursor", y1: geom.top, y2: geom.bottom, stroke: "#111", "stroke-width": 1.5,
                         "pointer-events": "none"}, plot);
    dots = {};
    geom.panels.forEach(function (panel) {
      dots[panel.task] = el("circle", {"class": "cursor-dot", r: 4.5, fill: "#fff", stroke: view.colours[panel.task],
                                       "stroke-width": 2, "pointer-events": "none"}, plot);
    });
    var hit = el("rect", {id: "hit", x: xl, y: geom.top, width: w, height: geom.bottom - geom.top, fill: "transparent"},
                 plot);
    hit.addEventListener("click", onClick);
    show(state.time, state.from);
  }

  function legend() {
    var ul = document.getElementById("legend");
    function item(swatch, text) {
      var li = document.createElement("li"), s = el("svg", {width: 26, height: 12}, li);
      swatch(s);
      li.appendChild(document.createTextNode(text));
      ul.appendChild(li);
    }
    view.tasks.forEach(function (task) {
      var c = view.colours[task], band = view.band[task];
      item(function (s) { el("line", {x1: 1, x2: 25, y1: 6, y2: 6, stroke: c, "stroke-width": 2}, s); }, task);
      if (band) item(function (s) { el("rect", {width: 26, height: 12, fill: c, "fill-opacity": 0.18}, s); },
                     task + " " + (band.level !== null ? Math.round(band.level * 100) + " % " : "") + "interval");
      if (view.intra[task]) item(function (s) {
        el("line", {x1: 1, x2: 25, y1: 6, y2: 6, stroke: c, "stroke-dasharray": "4 3"}, s); },
        task + " (before context)");
      var aud = view.audience[task];
      if (aud) item(function (s) { el("line", {x1: 1, x2: 25, y1: 6, y2: 6, stroke: "#111", "stroke-width": 1.6}, s); },
                    aud.label);
      if (aud && aud.low) item(function (s) {
        el("rect", {width: 26, height: 12, fill: "#000", "fill-opacity": 0.1}, s); }, aud.band_label);
    });
    if (view.cuts.length) item(function (s) {
      el("line", {x1: 13, x2: 13, y1: 0, y2: 12, stroke: "#999", "stroke-dasharray": "3 2"}, s); },
      "shot cut" + (view.cuts.length > view.max_cut_lines ? " (ticks at top, " + view.cuts.length + ")" : ""));
    if (view.scale) item(function (s) {
      el("line", {x1: 1, x2: 25, y1: 6, y2: 6, stroke: "#777", "stroke-dasharray": "2 3"}, s); },
      "neutral (" + +((view.scale.low + view.scale.high) / 2).toFixed(6) + ")");
    view.missing.forEach(function (m, k) {
      item(function (s) { el("rect", {width: 26, height: 12, fill: "url(#hatch-" + k + ")"}, s); }, m.label);
    });
    item(function (s) { el("line", {x1: 13, x2: 13, y1: 0, y2: 12, stroke: "#111", "stroke-width": 1.5}, s); },
         "cursor (playback position)");
  }

  function show(t, from) {
    state.time = t; state.from = from;
    var i = rowAt(t), second = times[i];
    var x = Math.min(Math.max(geom.x(t), geom.left), geom.right);
    cursor.setAttribute("x1", x); cursor.setAttribute("x2", x);
    cursor.setAttribute("data-second", second);
    cursor.setAttribute("data-time", t.toFixed(3));
    cursor.setAttribute("data-from", from);
    secondBox.setAttribute("x", geom.x(second)); secondBox.setAttribute("width", geom.x(second + 1) - geom.x(second));
    while (readout.firstChild) readout.removeChild(readout.firstChild);
    readout.setAttribute("data-second", second);
    var head = document.createElement("span");
    head.className = "t";
    head.textContent = clock(second) + " (second " + second + ", playback " + t.toFixed(2) + " s)";
    readout.appendChild(head);
    view.tasks.forEach(function (task, k) {
      var v = curve[task][i], band = view.band[task], dot = dots[task], panel = geom.panels[k];
      readout.setAttribute("data-" + task, finite(v) ? v : "");
      if (k) readout.appendChild(document.createTextNode(" \u00b7 "));
      var name = document.createElement("span");
      name.className = "task"; name.style.color = view.colours[task]; name.textContent = task;
      readout.appendChild(name);
      var text = " " + two(v);
      if (band) {
        var lo = curve[band.low][i], hi = curve[band.high][i];
        readout.setAttribute("data-" + task + "-low", finite(lo) ? lo : "");
        readout.setAttribute("data-" + task + "-high", finite(hi) ? hi : "");
        text += " [" + two(lo) + ", " + two(hi) + "]";
      }
      var aud = view.audience[task];
      if (aud) {  // the audience's second: its row whose time is that second
        var j = aud.time_s.indexOf(second), am = j >= 0 ? aud.mean[j] : null;
        readout.setAttribute("data-" + task + "-audience", finite(am) ? am : "");
        text += " (audience " + two(am) + (aud.low && j >= 0 && finite(aud.high[j]) ?
          " \u00b1 " + two((aud.high[j] - aud.low[j]) / 2) : "") + ")";
      }
      readout.appendChild(document.createTextNode(text));
      if (finite(v)) {
        dot.setAttribute("cx", geom.x(second + 0.5)); dot.setAttribute("cy", panel.y(v));
        dot.removeAttribute("visibility");
      } else {
        dot.setAttribute("visibility", "hidden");
      }
    });
    showSubtitle(t);
    var absent = view.missing.filter(function (m) {
      return m.runs.some(function (r) { return second >= r[0] && second < r[1]; });
    });
    readout.setAttribute("data-missing", absent.map(function (m) { return m.modality; }).join(" "));
    if (absent.length) {
      var miss = document.createElement("span");
      miss.className = "miss";
      miss.textContent = "(" + absent.map(function (m) { return m.label; }).join(", ") + ")";
      readout.appendChild(miss);
    }
  }

  // the cues on screen at time t (start <= t < end), joined; the element exists only when the
  // page has subtitles (a model with the text modality)
  function showSubtitle(t) {
    var box = document.getElementById("subtitle");
    if (!box || !data.subtitles) return;
    var text = data.subtitles.filter(function (c) { return c[0] <= t && t < c[1]; })
      .map(function (c) { return c[2]; }).join(" / ");
    box.setAttribute("data-text", text);
    box.textContent = text ? "\u201c" + text + "\u201d" : "(no subtitle at " + t.toFixed(2) + " s)";
  }

  function playable() { return video && !video.error; }

  function seek(t, from) {
    var last = playable() && finite(video.duration) ? video.duration : end;
    t = Math.min(Math.max(t, begin), Math.max(Math.min(last, end) - 1e-3, begin));
    show(t, from);  // at once; the video's "seeked" event confirms it with the frame's time
    if (playable()) video.currentTime = t;
  }

  function onClick(ev) {
    var r = plot.getBoundingClientRect();
    seek(geom.t((ev.clientX - r.left) * geom.width / r.width), "click");
  }

  plot.addEventListener("keydown", function (ev) {
    var d = ev.key === "ArrowRight" ? 1 : ev.key === "ArrowLeft" ? -1 : 0;
    if (!d) return;
    ev.preventDefault();
    seek(times[rowAt(state.time)] + d, "key");
  });

  if (video) {
    var follow = function () { show(video.currentTime, "video"); };
    ["timeupdate", "seeked", "loadedmetadata"].forEach(function (e) { video.addEventListener(e, follow); });
    var frame = function () {  // smoother than timeupdate's few events a second while playing
      if (video.paused || video.ended) return;
      follow();
      requestAnimationFrame(frame);
    };
    video.addEventListener("play", function () { requestAnimationFrame(frame); });
    video.addEventListener("error", function () {
      var status = document.getElementById("video-status");
      status.hidden = false;
      status.textContent = "The video could not be played from " + video.getAttribute("src") +
        " (moved, or a format this browser does not play); the curves still work: click them to move the cursor.";
    });
  }

  // A link may name a time: #t=3.5 opens the page at 3.5 s.
  function runHash() {
    var t = parseFloat(new URLSearchParams(location.hash.replace(/^#/, "")).get("t"));
    if (!finite(t)) return;
    var act = function () { seek(t, "hash"); };
    if (playable() && video.readyState < 1) video.addEventListener("loadedmetadata", act, {once: true});
    else act();
  }

  legend();
  draw();
  var width = geom.width;
  var redraw = function () {
    if (Math.round(plot.parentNode.clientWidth) !== width) { draw(); width = geom.width; }
  };
  // The plot's box also narrows without a window resize: drawing it makes the page taller, and the
  // vertical scrollbar that appears takes its width; the SVG would then be shown scaled down.
  if (window.ResizeObserver) new ResizeObserver(redraw).observe(plot.parentNode);
  else window.addEventListener("resize", redraw);
  window.addEventListener("hashchange", runHash);
  runHash();
  document.getElementById("viewer").setAttribute("data-ready", "1");
})();
