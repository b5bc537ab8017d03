// The calibration page: floor marks clicked on a frozen snapshot (dragged to fix), each
// mark's error as soon as 4 are in, the door line and zones drawn on the picture (kept in
// floor metres), the floor grid and zones drawn from the fit, and saving only what changed.
// The server does every projection (the camera's own lens): see /api/cameras/NAME/calibration.
let lang = localStorage.getItem("etiquette-lang") || "zh";
const $ = (id) => document.getElementById(id);
const svg = $("overlay"), image = $("snapshot"), cameraSelect = $("camera");
const COLORS = { door: "#e53935", arrival: "#ff9800", post: "#43a047", counter: "#1e88e5", queue: "#fdd835", area: "#8e24aa" };
let size = null, marks = [], zones = emptyZones(), fit = null, gate = { max_mark_error_cm: 10, warn_mark_error_cm: 5 };
let edited = { marks: false, zones: new Set() }, tool = null, drag = null, moved = false, dragEnded = false, timer = null;
let status = null, result = null, cameraError = "";

function t(key, ...args) { const v = TEXT[lang][key]; return typeof v === "function" ? v(...args) : v; }
function emptyZones() { return { door: null, arrival_distance_m: 1.0, posts: {}, counters: {}, queue: null, areas: {} }; }
function say(element, shown) {  // shown: {cls, text} or {cls, note: {zh, en}} or a function
  const el = $(element); if (!shown) { el.className = ""; el.textContent = ""; return; }
  el.className = shown.cls; el.textContent = shown.note ? shown.note[lang] : shown.text();
}
function problemNote(answer) {
  if (answer && typeof answer.zh === "string") return { zh: answer.zh, en: answer.detail };
  const text = answer && typeof answer.detail === "string" ? answer.detail : JSON.stringify(answer);
  return { zh: t("failed") + text, en: "Failed: " + text };
}

function applyText() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  for (const el of document.querySelectorAll("[data-t]")) el.innerHTML = t(el.dataset.t);
  say("fit-status", status); say("result", result); renderTable(); renderZones(); updateHint();
  if (live) renderPeople();
}

function parseNumber(text) {
  const trimmed = String(text ?? "").trim();
  if (trimmed === "") return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : NaN;
}
function completePrefix() {  // marks up to the first one without both numbers
  const done = [];
  for (const m of marks) {
    const x = parseNumber(m.x), y = parseNumber(m.y);
    if (x === null || y === null || Number.isNaN(x) || Number.isNaN(y)) break;
    done.push({ u: m.u, v: m.v, x, y });
  }
  return done;
}
function zonesBody() {
  const body = { arrival_distance_m: zones.arrival_distance_m, posts: zones.posts, counters: zones.counters, areas: zones.areas };
  if (zones.door) body.door = zones.door;
  if (zones.queue) body.queue = zones.queue;
  return body;
}

async function preview(extra = {}) {
  const points = completePrefix();
  if (points.length < 4) return null;
  const body = { points, zones: zonesBody(), to_pixels: zones.door ? [zones.door.inside] : [], ...extra };
  const response = await api(`/api/cameras/${cameraSelect.value}/calibration/preview`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const answer = await response.json();
  if (!response.ok) { status = { cls: "error", note: problemNote(answer) }; say("fit-status", status); return null; }
  return answer;
}
function refresh() { clearTimeout(timer); timer = setTimeout(runPreview, 250); }
async function runPreview() {
  const count = completePrefix().length;
  if (count < 4) { fit = null; status = { cls: "", text: () => t("fitWaiting", count) }; }
  else {
    const answer = await preview();
    if (!answer) return;
    fit = answer;
    const worst = Math.max(...fit.residuals_cm.filter(r => r !== null), 0);
    status = fit.verdict === "ok" ? { cls: "ok", text: () => t("fitOk", fit.fit_error_cm, worst) }
      : { cls: fit.verdict === "warn" ? "warn" : "error",
          note: { zh: fit.messages.map(m => m.zh).join("\n"), en: fit.messages.map(m => m.en).join("\n") } };
  }
  say("fit-status", status); renderTable(); draw();
}

function residualClass(r) {
  return r === null ? "bad" : r > gate.max_mark_error_cm ? "bad" : r > gate.warn_mark_error_cm ? "poor" : "good";
}
function residualOf(i) { return fit && i < fit.residuals_cm.length ? fit.residuals_cm[i] : undefined; }
function residualText(i) {
  const r = residualOf(i);
  return r === undefined ? "" : r === null ? "∞" : fmt(r) + (lang === "zh" ? " 厘米" : " cm");
}

function renderTable() {
  const body = $("points");
  if (body.children.length !== marks.length) {
    body.innerHTML = "";
    marks.forEach((m, i) => {
      const row = document.createElement("tr");
      row.innerHTML = `<td>${i + 1}</td><td><input class="x" inputmode="decimal"></td><td><input class="y" inputmode="decimal"></td><td class="residual"></td><td><button class="remove">✕</button></td>`;
      for (const axis of ["x", "y"]) {
        const input = row.querySelector("input." + axis);
        input.value = m[axis] ?? "";
        input.oninput = () => { marks[i][axis] = input.value; edited.marks = true; refresh(); };
      }
      row.querySelector(".remove").onclick = () => { marks.splice(i, 1); edited.marks = true; renderTable(); refresh(); draw(); };
      body.appendChild(row);
    });
  }
  [...body.children].forEach((row, i) => {
    const cell = row.querySelector(".residual"), r = residualOf(i);
    cell.textContent = residualText(i); cell.className = "residual " + (r === undefined ? "" : residualClass(r));
    row.querySelector(".remove").title = t("remove");
  });
}

function renderZones() {
  const list = $("zones-list"); list.innerHTML = "";
  const add = (kind, name, remove) => {
    const item = document.createElement("li");
    item.innerHTML = `<span style="color:${COLORS[kind]}">■</span> ${t(kind)}${name ? " " : ""}<b></b> <button>✕</button>`;
    item.querySelector("b").textContent = name || "";
    item.dataset.kind = kind; item.dataset.name = name || "";
    item.querySelector("button").onclick = () => { remove(); refresh(); renderZones(); };
    list.appendChild(item);
  };
  if (zones.door) add("door", "", () => { zones.door = null; edited.zones.add("door"); });
  for (const [kind, key] of [["post", "posts"], ["counter", "counters"], ["area", "areas"]])
    for (const name of Object.keys(zones[key]))
      add(kind, name, () => { delete zones[key][name]; edited.zones.add(key); });
  if (zones.queue) add("queue", "", () => { zones.queue = null; edited.zones.add("queue"); });
  $("arrival").value = zones.arrival_distance_m;
}

function draw() {
  svg.innerHTML = ""; taken = [];
  if (!size) return;
  // OpenCV's pixel (0, 0) is the centre of the first pixel; the SVG's 0 is its left edge.
  svg.setAttribute("viewBox", `-0.5 -0.5 ${size[0]} ${size[1]}`);
  // A tall picture (a square camera) fits the window's height, so every floor mark is in view.
  $("view").style.maxWidth = Math.max(300, Math.floor((innerHeight - 90) * size[0] / size[1])) + "px";
  const k = size[0] / Math.max(1, svg.clientWidth);
  for (const piece of fit?.grid || []) line(piece, "#ffffff", 1, { opacity: 0.55 });
  for (const zone of fit?.zones || []) {
    const color = COLORS[zone.kind];
    for (const piece of zone.pieces) {
      const closed = zone.kind !== "door";
      line(piece, color, zone.kind === "door" ? 4 : 2, closed ? { fill: color, "fill-opacity": zone.kind === "arrival" ? 0.25 : 0.15 } : {});
    }
    const first = zone.pieces[0]?.[0];
    if (first && zone.kind !== "arrival") label(first[0] + 4 * k, first[1] - 4 * k, zone.kind === "door" ? t("door") : zone.kind === "queue" ? t("queue") : zone.kind === "area" ? (t(zone.name) || zone.name) : zone.name, color, k);
  }
  const inside = fit?.pixels?.[0];
  if (zones.door && inside) {
    node("circle", { cx: inside[0], cy: inside[1], r: 5 * k, fill: COLORS.door });
    label(inside[0] + 6 * k, inside[1] + 14 * k, t("inside"), COLORS.door, k);
  }
  if (tool) {
    line(tool.pixels, "#00e5ff", 2, { "stroke-dasharray": "6 4" });
    for (const p of tool.pixels) node("circle", { cx: p[0], cy: p[1], r: 4 * k, fill: "#00e5ff" });
  }
  marks.forEach((m, i) => {
    const r = residualOf(i), color = r === undefined ? "#e040fb" : { good: "#00e676", poor: "#ff9100", bad: "#ff1744" }[residualClass(r)];
    const dot = node("circle", { cx: m.u, cy: m.v, r: 7 * k, fill: "none", stroke: color, "stroke-width": 2.5,
      "vector-effect": "non-scaling-stroke", "pointer-events": "all", class: "mark", "data-index": i, style: "cursor: move" });
    dot.addEventListener("pointerdown", (e) => { if (tool) return; drag = i; moved = false; svg.setPointerCapture(e.pointerId); e.stopPropagation(); });
    label(m.u + 9 * k, m.v - 6 * k, `${i + 1}${residualText(i) ? " · " + residualText(i) : ""}`, color, k, true);
  });
  drawPeople(k);
}
function pixelOf(event) {
  const box = svg.getBoundingClientRect();
  return [(event.clientX - box.left) * size[0] / box.width - 0.5, (event.clientY - box.top) * size[1] / box.height - 0.5];
}
svg.addEventListener("pointermove", (e) => {
  if (drag === null) return;
  [marks[drag].u, marks[drag].v] = pixelOf(e); moved = true; draw();
});
svg.addEventListener("pointerdown", () => { dragEnded = false; });  // a mark's stops here
svg.addEventListener("pointerup", () => {
  if (drag !== null && moved) { edited.marks = true; dragEnded = true; refresh(); }
  drag = null; moved = false;
});
svg.addEventListener("click", (e) => {
  if (!size || dragEnded) { dragEnded = false; return; }  // the click that ends a drag
  if (e.target.classList?.contains("mark")) return;
  const [u, v] = pixelOf(e);
  if (tool) return addCorner(u, v, e);
  marks.push({ u, v, x: "", y: "" }); edited.marks = true;
  renderTable(); draw(); refresh();
  $("points").lastElementChild?.querySelector("input.x")?.focus();
});

// Zones: clicked corners become floor metres through the fit (the server's projection).
function updateHint() {
  const hint = $("hint");
  if (!tool) { hint.textContent = size ? t("addMarkHint") : ""; return; }
  hint.textContent = tool.kind === "door" ? t("doorStep")[tool.pixels.length] : t("polygonStep", tool.pixels.length);
}
function startTool(kind) {
  if (!fit || fit.verdict === "refused") { result = { cls: "error", text: () => t("needFloor") }; say("result", result); return; }
  const name = kind === "area" ? $("area-name").value : $("zone-name").value.trim(), key = kind + "s";
  if ((kind === "post" || kind === "counter") && !name) { result = { cls: "error", text: () => t("needName") }; say("result", result); return; }
  if ((kind === "post" || kind === "counter" || kind === "area") && zones[key][name]) { result = { cls: "error", text: () => t("nameTaken", name) }; say("result", result); return; }
  tool = { kind, name, pixels: [] };
  $("finish-shape").hidden = kind === "door"; $("cancel-shape").hidden = false;
  updateHint(); draw();
}
function stopTool() { tool = null; $("finish-shape").hidden = true; $("cancel-shape").hidden = true; updateHint(); draw(); }
function addCorner(u, v, event) {
  const first = tool.pixels[0], k = size[0] / Math.max(1, svg.clientWidth);
  if (tool.kind !== "door" && first && tool.pixels.length >= 3 && Math.hypot(first[0] - u, first[1] - v) < 12 * k) return finishShape();
  tool.pixels.push([u, v]); updateHint(); draw();
  if (tool.kind === "door" && tool.pixels.length === 3) finishShape();
}
async function finishShape() {
  if (tool.kind !== "door" && tool.pixels.length < 3) { result = { cls: "error", text: () => t("needCorners") }; say("result", result); return; }
  const answer = await preview({ to_floor: tool.pixels });
  if (!answer) return;
  if (answer.floor.some(p => p === null)) { result = { cls: "error", text: () => t("aboveHorizon") }; say("result", result); tool.pixels.pop(); updateHint(); draw(); return; }
  const floor = answer.floor;
  if (tool.kind === "door") { zones.door = { a: floor[0], b: floor[1], inside: floor[2] }; edited.zones.add("door"); }
  else if (tool.kind === "queue") { zones.queue = floor; edited.zones.add("queue"); }
  else { zones[tool.kind + "s"][tool.name] = floor; edited.zones.add(tool.kind + "s"); }
  result = null; say("result", null); stopTool(); renderZones(); refresh();
}
for (const kind of ["door", "post", "counter", "queue", "area"]) $("draw-" + kind).onclick = () => startTool(kind);
$("finish-shape").onclick = () => finishShape();
$("cancel-shape").onclick = stopTool;
$("arrival").onchange = () => {
  const value = parseNumber($("arrival").value);
  if (value > 0) { zones.arrival_distance_m = value; edited.zones.add("arrival_distance_m"); refresh(); }
};

// Saving: only what was edited; the marks are checked here first, naming the mark.
function checkMarks() {
  if (marks.length < 4) return t("needMarks", marks.length);
  for (const [i, m] of marks.entries()) for (const axis of ["x", "y"]) {
    const value = parseNumber(m[axis]);
    if (value === null) return t("missing", i + 1, axis);
    if (Number.isNaN(value)) return t("notNumber", i + 1, axis);
  }
  return null;
}
async function save() {
  const body = {};
  if (edited.marks) {
    const problem = checkMarks();
    if (problem) { result = { cls: "error", text: () => checkMarks() || problem }; say("result", result); return; }
    body.points = completePrefix();
  }
  if (edited.zones.size) { const all = zonesBody(); body.zones = {}; for (const key of edited.zones) body.zones[key] = all[key] ?? null; }
  if (!Object.keys(body).length) { result = { cls: "ok", text: () => t("nothingToSave") }; say("result", result); return; }
  result = { cls: "", text: () => t("saving") }; say("result", result);
  await send(`/api/cameras/${cameraSelect.value}/calibration`, body, (answer, l) => body.points ? TEXT[l].saved(answer) : TEXT[l].savedZones);
}
async function send(url, body, done) {
  const response = await api(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) { result = { cls: "error", note: problemNote(answer) }; say("result", result); $("result").scrollIntoView({ block: "nearest" }); return; }
  const warnings = answer.warnings || [], note = {};
  for (const l of ["zh", "en"]) note[l] = [done(answer, l), ...warnings.map(w => "⚠ " + w[l])].join("\n");
  result = { cls: warnings.length ? "warn" : "ok", note }; say("result", result);
  $("result").scrollIntoView({ block: "nearest" });
  await loadCurrent(false);
}
$("save").onclick = save;
$("restore").onclick = () => send(`/api/cameras/${cameraSelect.value}/calibration/restore`, {}, (_, l) => TEXT[l].restored);

// Loading: the camera file as saved (marks, zones: the picture before any change).
async function loadCurrent(clearResult = true) {
  const response = await api(`/api/cameras/${cameraSelect.value}/calibration`);
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) { result = { cls: "error", note: problemNote(answer) }; say("result", result); return; }
  gate = answer.gate || gate;
  const current = answer.camera_file;
  marks = (current?.floor?.points || []).map(p => ({ u: p.u, v: p.v, x: String(p.x), y: String(p.y) }));
  zones = { ...emptyZones(), ...(current?.zones || {}) };
  zones.posts = zones.posts || {}; zones.counters = zones.counters || {}; zones.areas = zones.areas || {};
  edited = { marks: false, zones: new Set() };
  $("restore").hidden = !answer.backup;
  if (clearResult && answer.notes?.length) { result = { cls: "warn", note: answer.notes[0] }; say("result", result); }
  $("points").innerHTML = ""; renderTable(); renderZones(); runPreview();
}
async function loadSnapshot() {
  const response = await api(`/api/cameras/${cameraSelect.value}/raw.jpg?t=${Date.now()}`);
  if (!response.ok) { showPicture(false); return false; }
  const previous = image.src;
  image.src = URL.createObjectURL(await response.blob());
  if (previous.startsWith("blob:")) URL.revokeObjectURL(previous);
  await image.decode().catch(() => null);
  size = [image.naturalWidth, image.naturalHeight];
  showPicture(true); draw(); return true;
}
function showPicture(shown) {
  $("view").hidden = !shown; $("no-picture").hidden = shown;
  $("no-picture").textContent = t("noPicture", cameraSelect.selectedOptions[0]?.textContent || "", cameraError);
  updateHint();
}
async function watchCameras() {
  const response = await api("/api/cameras");
  if (!response.ok) return;
  const cameras = await response.json();
  if (!cameraSelect.options.length) for (const camera of cameras) {
    const option = document.createElement("option");
    option.value = camera.name; option.textContent = camera.display_name || camera.name;
    cameraSelect.appendChild(option);
  }
  const camera = cameras.find(c => c.name === cameraSelect.value);
  if (!camera) return;
  const why = camera.error ? TEXT[lang].states[camera.error] || camera.error : "";
  cameraError = camera.online ? "" : t("offline") + (why ? ": " + why : "");
  $("camera-state").className = camera.online ? "ok" : "error";
  $("camera-state").textContent = camera.online ? "● " + t("online") : "● " + cameraError;
  if (!size) { if (await loadSnapshot()) draw(); else showPicture(false); }
}
async function start() {
  await watchCameras();
  cameraSelect.onchange = () => { stopLive(); size = null; fit = null; loadSnapshot(); loadCurrent(); };
  $("reload").onclick = loadSnapshot;
  $("language").onclick = () => { lang = lang === "zh" ? "en" : "zh"; localStorage.setItem("etiquette-lang", lang); applyText(); draw(); };
  if ($("etq-bar")) {  // the shared bar has the language switch: one switch, redrawn in place
    $("language").hidden = true;
    window.addEventListener("etiquette-language", e => { e.preventDefault(); lang = e.detail; applyText(); draw(); });
  }
  applyText(); loadSnapshot(); loadCurrent();
  setInterval(watchCameras, 2000);
  window.addEventListener("resize", draw);
}
document.addEventListener("DOMContentLoaded", start);
