// The annotation page's script (reports/annotate_page.py embeds it inline; no library, no network).
//
// The rater moves a cursor on the task's scale (mouse over the scale, or the arrow keys) while the
// video plays.  A timer reads the cursor and video.currentTime at cfg.sample_rate_hz; a reading is
// kept only while the video really plays (not paused, ended, seeking or waiting for data) and its
// time is later than the last one, so the trace's times always increase.
//
// Real run: the video cannot be moved; a seek to anywhere but the furthest point reached returns
// it there (continuous-annotation tools forbid seeking: a trace must be one pass through the film).
// Practice run: seeking is free and nothing is recorded; leaving it returns the video to the
// furthest point.  Hiding the page (another tab) pauses a real run: timers are slowed there.
//
// Storage: localStorage, one entry per rater for this video (sha256) and task: a small "meta"
// entry (furthest time, cursor value, creation time, chunk count) and the readings in chunks of
// CHUNK readings; each reading rewrites only its chunk and the meta entry, so a crash loses nothing
// and a long film stays cheap.  The tab's rater name is kept in sessionStorage so a reload keeps it.
//
// State for tests and scripts, on #annotate: data-ready, data-samples, data-value, data-furthest,
// data-rater, data-snaps (seeks undone in the real run), data-storage ("ok" or "failed").
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("annotate-config").textContent);
  var root = document.getElementById("annotate");
  var video = document.getElementById("video");
  var raterInput = document.getElementById("rater");
  var practiceBox = document.getElementById("practice");
  var statusLine = document.getElementById("status");
  var scaleBox = document.getElementById("scale");
  var track = document.getElementById("track");
  var cursor = document.getElementById("cursor");
  var svg = document.getElementById("trace");
  var valueOut = document.getElementById("value");
  var SVGNS = svg.namespaceURI;  // the SVG namespace, without writing a URL into the page
  var PERIOD_MS = 1000 / cfg.sample_rate_hz;
  var CHUNK = 600;          // readings per stored chunk: one minute at 10 Hz
  var SEEK_SLACK = 0.25;    // seconds: a seek this close to the furthest point is no move (our own snap)
  var PREFIX = "videoaffect-annotate/" + cfg.page_version + "|" + cfg.video_sha256 + "|" + cfg.task + "|";
  var LAST_RATER = PREFIX + "last-rater";
  // the name typed in this tab, per page: a page written for another rater (`annotate --rater Bob`)
  // opened in the same tab starts with its own rater, not the previous rater's name
  var TAB_RATER = PREFIX + "tab-rater|" + (cfg.rater || "");

  var rater = "", samples = [], furthest = 0, value = 0, created = null;
  var snaps = 0, storageOk = true, parts = [], playhead = null;

  // ------------------------------------------------------------------ helpers
  function round(x, digits) { var f = Math.pow(10, digits); return Math.round(x * f) / f; }
  function clamp(v) { return Math.min(cfg.high, Math.max(cfg.low, v)); }
  function cleanName(text) { return String(text || "").replace(/\s+/g, " ").trim(); }
  function clock(t) {
    t = Math.max(0, Math.floor(t));
    var h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), s = t % 60;
    return (h ? h + ":" + (m < 10 ? "0" : "") : "") + m + ":" + (s < 10 ? "0" : "") + s;
  }
  function say(text, kind) { statusLine.textContent = text; statusLine.className = kind || ""; }
  function practice() { return practiceBox.checked; }
  function recording() {
    return !practice() && rater !== "" && !video.paused && !video.ended && !video.seeking && video.readyState >= 2;
  }
  function store(key, text) {
    try { localStorage.setItem(key, text); return true; } catch (e) { return false; }
  }
  function read(key) { try { return localStorage.getItem(key); } catch (e) { return null; } }
  function metaKey(name) { return PREFIX + "rater=" + name; }

  // ------------------------------------------------------------------ storage
  function saveMeta() {
    if (!rater) return;
    var ok = store(metaKey(rater), JSON.stringify({furthest: furthest, value: value, created: created,
                                                   chunks: Math.ceil(samples.length / CHUNK)}));
    storageFailed(!ok);
  }
  function saveChunk(i) {
    var flat = [];
    samples.slice(i * CHUNK, (i + 1) * CHUNK).forEach(function (s) { flat.push(s[0], s[1]); });
    storageFailed(!store(metaKey(rater) + "|" + i, JSON.stringify(flat)));
  }
  function storageFailed(failed) {
    // once failed, the warning stays: later readings may fit again, but the stored trace has a hole
    storageOk = storageOk && !failed;
    document.getElementById("storage-warning").hidden = storageOk;
    root.setAttribute("data-storage", storageOk ? "ok" : "failed");
  }
  function load(name) {
    rater = name; samples = []; furthest = 0; created = null;
    if (!name) return;
    var meta;
    try { meta = JSON.parse(read(metaKey(name)) || "null"); } catch (e) { meta = null; }
    if (!meta) return;
    for (var i = 0; i < (meta.chunks || 0); i++) {
      var flat;
      try { flat = JSON.parse(read(metaKey(name) + "|" + i) || "[]"); } catch (e) { flat = []; }
      for (var k = 0; k + 1 < flat.length; k += 2) samples.push([flat[k], flat[k + 1]]);
    }
    furthest = typeof meta.furthest === "number" ? meta.furthest : 0;
    if (typeof meta.value === "number") value = clamp(meta.value);
    created = meta.created || null;
  }
  function erase(name) {
    var meta;
    try { meta = JSON.parse(read(metaKey(name)) || "null"); } catch (e) { meta = null; }
    var chunks = meta && meta.chunks ? meta.chunks : 0;
    try {
      for (var i = 0; i < chunks; i++) localStorage.removeItem(metaKey(name) + "|" + i);
      localStorage.removeItem(metaKey(name));
    } catch (e) { /* storage off: nothing was kept */ }
  }

  // ------------------------------------------------------------------ the cursor
  function setValue(v) {
    value = round(clamp(v), 4);
    var frac = (value - cfg.low) / (cfg.high - cfg.low);
    cursor.style.left = (frac * 100) + "%";
    scaleBox.setAttribute("aria-valuenow", String(value));
    root.setAttribute("data-value", String(value));
    valueOut.textContent = (value > 0 ? "+" : "") + value.toFixed(2);
    saveMeta();
  }
  function fromPointer(e) {
    var box = track.getBoundingClientRect();
    if (box.width <= 0) return;
    setValue(cfg.low + (e.clientX - box.left) / box.width * (cfg.high - cfg.low));
  }
  // hovering the scale moves the cursor; a drag keeps moving it outside the scale until released
  track.addEventListener("pointermove", fromPointer);
  track.addEventListener("pointerdown", function (e) {
    fromPointer(e);
    if (track.setPointerCapture) track.setPointerCapture(e.pointerId);
    e.preventDefault();
  });
  // Keys anywhere on the page (but in the name field): arrows move the cursor, Space plays/pauses.
  // Caught before the video's own controls, whose arrows would seek and whose Space would toggle twice.
  window.addEventListener("keydown", function (e) {
    if (e.target === raterInput || e.altKey || e.ctrlKey || e.metaKey) return;
    var step = {ArrowUp: 1, ArrowRight: 1, ArrowDown: -1, ArrowLeft: -1}[e.key];
    if (step) {
      setValue(value + step * cfg.step);
    } else if (e.key === " " && e.target.tagName !== "BUTTON" && e.target.tagName !== "INPUT") {
      if (video.paused || video.ended) video.play(); else video.pause();
    } else {
      return;
    }
    e.preventDefault();
    e.stopPropagation();
  }, true);

  // ------------------------------------------------------------------ the trace drawn so far
  function duration() { return isFinite(video.duration) && video.duration > 0 ? video.duration : Math.max(furthest, 1); }
  function line(x1, y1, x2, y2, cls) {
    var l = document.createElementNS(SVGNS, "line");
    l.setAttribute("x1", x1); l.setAttribute("y1", y1); l.setAttribute("x2", x2); l.setAttribute("y2", y2);
    l.setAttribute("class", cls); l.setAttribute("vector-effect", "non-scaling-stroke");
    svg.appendChild(l);
    return l;
  }
  function point(s) { return round(s[0], 3) + "," + round(-s[1], 4); }
  function redraw() {
    // x in seconds, y = -value: the viewBox maps the film's length and the scale onto the box
    var span = cfg.high - cfg.low, pad = span * 0.04;
    svg.setAttribute("viewBox", "0 " + (-cfg.high - pad) + " " + duration() + " " + (span + 2 * pad));
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    line(0, -(cfg.low + cfg.high) / 2, duration(), -(cfg.low + cfg.high) / 2, "neutral");
    parts = [];
    for (var i = 0; i < samples.length; i += CHUNK) newPart(samples.slice(Math.max(0, i - 1), i + CHUNK));
    playhead = line(0, -cfg.high - pad, 0, -cfg.low + pad, "playhead");
    movePlayhead();
  }
  function newPart(points) {
    var p = document.createElementNS(SVGNS, "polyline");
    p.setAttribute("class", "part"); p.setAttribute("vector-effect", "non-scaling-stroke");
    p.setAttribute("points", points.map(point).join(" "));
    svg.insertBefore(p, playhead);
    parts.push(p);
  }
  function drawLast() {
    var n = samples.length;
    if ((n - 1) % CHUNK === 0 || !parts.length) newPart(samples.slice(Math.max(0, n - 2), n));
    else parts[parts.length - 1].setAttribute("points",
      parts[parts.length - 1].getAttribute("points") + " " + point(samples[n - 1]));
  }
  function movePlayhead() {
    if (!playhead) return;
    var t = practice() ? video.currentTime : Math.max(video.currentTime, 0);
    playhead.setAttribute("x1", t); playhead.setAttribute("x2", t);
  }
  function showState() {
    root.setAttribute("data-samples", String(samples.length));
    root.setAttribute("data-furthest", String(furthest));
    root.setAttribute("data-rater", rater);
    root.setAttribute("data-snaps", String(snaps));
    root.setAttribute("data-storage", storageOk ? "ok" : "failed");
  }

  // ------------------------------------------------------------------ sampling
  function tick() {
    movePlayhead();
    if (!recording()) return;
    var t = round(video.currentTime, 3);
    if (samples.length && t <= samples[samples.length - 1][0]) return;  // not advancing (stalled)
    if (!created) created = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    samples.push([t, value]);
    furthest = Math.max(furthest, t);
    saveChunk(Math.floor((samples.length - 1) / CHUNK));
    saveMeta();
    drawLast();
    showState();
  }
  setInterval(tick, PERIOD_MS);

  // ------------------------------------------------------------------ playing and seeking
  function snapBack(why) {
    snaps += 1;
    video.currentTime = furthest;
    say(why, "warn");
    showState();
  }
  video.addEventListener("seeking", function () {
    if (practice() || Math.abs(video.currentTime - furthest) <= SEEK_SLACK) return;
    snapBack("Seeking is off in the real run: the video went back to " + clock(furthest) +
             ", the furthest point rated. Tick Practice run to look around freely.");
  });
  video.addEventListener("play", function () {
    if (practice()) { say("Practice run: nothing is recorded.", "practice"); return; }
    if (!rater) {
      video.pause();
      say("Enter your name before rating (the trace is saved under it).", "warn");
      raterInput.focus();
      return;
    }
    raterInput.disabled = true;
    if (Math.abs(video.currentTime - furthest) > SEEK_SLACK) snapBack("Resuming at " + clock(furthest) + ".");
    say("Recording " + cfg.task + " as " + rater + ": move the cursor as your feeling changes.");
  });
  video.addEventListener("pause", function () {
    raterInput.disabled = false;
    saveMeta();
    if (!practice() && rater && !video.ended) {
      say("Paused at " + clock(video.currentTime) + " (nothing is recorded while paused); press play to go on.");
    }
  });
  video.addEventListener("ended", function () {
    raterInput.disabled = false;
    if (!practice() && samples.length) say("The film is over: press Save trace to download your trace.");
  });
  video.addEventListener("loadedmetadata", function () {
    if (!practice() && furthest > 0) video.currentTime = Math.min(furthest, video.duration || furthest);
    redraw();
  });
  video.addEventListener("error", function () {
    say("The video cannot be played from " + cfg.video_src + ": keep this page where it was written, " +
        "next to the video, or use a browser that plays this format.", "warn");
  });
  video.addEventListener("ratechange", function () {
    // the real run is one pass at the film's own speed, so that readings are 10 a second of film and of feeling
    if (practice() || video.playbackRate === 1) return;
    video.playbackRate = 1;
    say("The real run plays at normal speed; Practice run allows other speeds.", "warn");
  });
  document.addEventListener("visibilitychange", function () {
    if (document.hidden && !practice() && !video.paused) video.pause();
  });

  practiceBox.addEventListener("change", function () {
    document.body.classList.toggle("practice", practice());
    practiceBox.blur();  // the next Space and arrows are the film's and the cursor's, not the checkbox's
    if (practice()) {
      say("Practice run: seek and rate freely; nothing is recorded.", "practice");
    } else {
      video.pause();
      video.playbackRate = 1;
      video.currentTime = furthest;
      say("Real run: back at " + clock(furthest) + ", where it stopped; press play to go on.");
    }
  });

  // ------------------------------------------------------------------ the rater
  function useRater(name) {
    load(name);
    try { sessionStorage.setItem(TAB_RATER, name); } catch (e) { /* no session storage: reload forgets it */ }
    if (name) store(LAST_RATER, name);
    setValue(value);
    if (!practice() && video.readyState >= 1) video.currentTime = furthest;
    redraw();
    showState();
    if (name && samples.length) {
      say("Resumed " + name + "'s trace: " + samples.length + " readings up to " + clock(furthest) +
          ". Press play to go on.");
    }
  }
  raterInput.addEventListener("change", function () {
    var name = cleanName(raterInput.value);
    raterInput.value = name;
    if (name === rater) return;
    video.pause();
    useRater(name);
    if (name && !samples.length) say("Ready, " + name + ": press play to start rating.");
  });

  // ------------------------------------------------------------------ save and start over
  function traceText() {
    var lines = ["# " + cfg.format, "# rater: " + rater, "# task: " + cfg.task, "# scale: " + cfg.scale,
                 "# video: " + cfg.video, "# video_sha256: " + cfg.video_sha256,
                 "# page_version: " + cfg.page_version, "# sample_rate_hz: " + cfg.sample_rate_hz,
                 "# created: " + created, "time_s\tvalue"];
    samples.forEach(function (s) { lines.push(s[0].toFixed(3) + "\t" + s[1].toFixed(4)); });
    return lines.join("\n") + "\n";
  }
  function fileName() {
    var task = cfg.task.charAt(0).toUpperCase() + cfg.task.slice(1);
    var who = rater.replace(/[^\p{L}\p{N}_.-]+/gu, "-");  // a name with spaces or slashes: one safe word
    return cfg.stem + "_" + task + "_" + who + ".trace.tsv";
  }
  document.getElementById("save").addEventListener("click", function () {
    this.blur();  // the next Space plays the film again, not a second download
    if (!rater || !samples.length) { say("Nothing recorded yet: enter your name and press play.", "warn"); return; }
    var url = URL.createObjectURL(new Blob([traceText()], {type: "text/tab-separated-values;charset=utf-8"}));
    var a = document.createElement("a");
    a.href = url; a.download = fileName(); a.style.display = "none";
    document.body.appendChild(a);
    a.click();
    document.body.removeChild(a);
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
    say("Saved " + samples.length + " readings as " + fileName() + " (in your downloads folder).");
  });
  document.getElementById("start-over").addEventListener("click", function () {
    this.blur();
    if (!rater) return;
    if (!window.confirm("Erase " + rater + "'s " + cfg.task + " trace of " + cfg.video + " (" + samples.length +
                        " readings)? Save it first if you need it.")) return;
    video.pause();
    erase(rater);
    samples = []; furthest = 0; created = null;
    if (video.readyState >= 1) video.currentTime = 0;
    saveMeta();
    redraw();
    showState();
    say("Erased. Press play to rate from the beginning.");
  });

  // ------------------------------------------------------------------ start
  practiceBox.checked = false;  // a reload starts in the real run, whatever the browser restores of the form
  var tabRater;
  try { tabRater = sessionStorage.getItem(TAB_RATER); } catch (e) { tabRater = null; }
  var first = cleanName(tabRater !== null ? tabRater : (cfg.rater || read(LAST_RATER) || ""));
  raterInput.value = first;
  useRater(first);
  if (!first) say("Enter your name, then press play.");
  else if (!samples.length) say("Ready, " + first + ": press play to start rating.");
  root.setAttribute("data-ready", "1");
})();
