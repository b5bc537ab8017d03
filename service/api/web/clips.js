// The trainer's clips page: a day's clips on a time axis and in a list with their posters,
// filters, a player with slow motion, previous/next and the event moment marked, and a note
// and reviewed mark per clip kept on the server. Loaded before common.js: everything runs
// from startClips(), called by the page once common.js is there.
const TEXT = {
  zh: {
    live: "实时", report: "报告", title: "辅导片段", date: "日期", camera: "摄像头", post: "岗位",
    reason: "原因", verdict: "结果", state: "复核", all: "全部", notReviewed: "未复核", reviewed: "已复核",
    trainingOnly: "仅培训保留", filter: "筛选", timeline: "时间轴", prev: "上一个", play: "播放", pause: "暂停",
    next: "下一个", jump: "跳到事件时刻", save: "保存备注", selectAll: "全选", keep: "培训保留",
    download: "下载", notePlaceholder: "备注：给员工的辅导要点…", count: n => n + " 个片段", none: "没有符合条件的片段",
    exportSel: n => "导出所选（" + n + " 个，zip）", saved: "已保存", cantSave: "保存失败：", cantLoad: "加载失败：",
    cantPlay: "无法播放：", kept: "已保留用于培训", unkept: "不再保留", gone: "片段不存在：", language: "English",
    eventAt: "事件时刻", seconds: " 秒", noPost: "无岗位", noDay: "",
  },
  en: {
    live: "Live", report: "Report", title: "Coaching clips", date: "Date", camera: "Camera", post: "Post",
    reason: "Reason", verdict: "Verdict", state: "Review", all: "All", notReviewed: "Not reviewed", reviewed: "Reviewed",
    trainingOnly: "Kept for training only", filter: "Filter", timeline: "Timeline", prev: "Previous", play: "Play", pause: "Pause",
    next: "Next", jump: "Jump to the event", save: "Save note", selectAll: "Select all", keep: "Keep for training",
    download: "Download", notePlaceholder: "Note: what to coach…", count: n => n + " clips", none: "No clips match",
    exportSel: n => "Export selected (" + n + ", zip)", saved: "Saved", cantSave: "Could not save: ", cantLoad: "Could not load: ",
    cantPlay: "Cannot play: ", kept: "Kept for training", unkept: "No longer kept", gone: "Clip is gone: ", language: "中文",
    eventAt: "Event moment", seconds: " s", noPost: "no post", noDay: "",
  },
};
const REASONS = ["missed_greeting", "late_greeting", "bow_off_standard", "good_bow", "posture_lapse",
  "guiding_off_standard", "good_guiding", "not_escorted", "teller_off_standard", "long_queue"];
const VERDICTS = ["too_shallow", "too_deep", "rushed", "to_standard", "late", "off_standard"];
const MARK_PX = 14;  // a mark on the timeline, as wide as it is tall
const $ = id => document.getElementById(id);
const video = $("video");
const selected = new Set();
let lang = "zh", site = { names: {}, cameras: {}, utc_offset_min: -new Date().getTimezoneOffset() };
let clips = [], current = null, rate = 1;

function t(key, ...args) { const v = TEXT[lang][key]; return typeof v === "function" ? v(...args) : v; }
function say(text) { $("status").textContent = text; }

// Times in the branch's time zone, whatever the browser's: /api/site gives its offset now
// (China keeps one offset all year). siteTime() from common.js is used once it exists.
function shifted(epoch) { return new Date((epoch + site.utc_offset_min * 60) * 1000); }
function two(n) { return String(n).padStart(2, "0"); }
function dayOf(epoch) { const d = shifted(epoch); return d.getUTCFullYear() + "-" + two(d.getUTCMonth() + 1) + "-" + two(d.getUTCDate()); }
function hhmm(epoch) { const d = shifted(epoch); return two(d.getUTCHours()) + ":" + two(d.getUTCMinutes()); }
function dayStart(day) { const [y, m, d] = day.split("-").map(Number); return Date.UTC(y, m - 1, d) / 1000 - site.utc_offset_min * 60; }
function when(epoch) {
  if (typeof siteTime === "function") return siteTime(epoch, "datetime");
  const d = shifted(epoch);
  return dayOf(epoch) + " " + hhmm(epoch) + ":" + two(d.getUTCSeconds());
}
function postName(post) { return post ? site.names[post] || post : t("noPost"); }
function cameraName(camera) { return site.cameras[camera] || camera; }
// What the clip shows, in the page's language, from its ids (the stored summary is the
// caption drawn into the video, in the site's language).
function what(clip) {
  const parts = [word("role", clip.role, lang), word("event", clip.event_type, lang)];
  const head = parts.filter(Boolean).join(" ");
  return clip.verdict ? head + " · " + word("verdict", clip.verdict, lang) : head;
}

function applyText() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.title = t("title");
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  $("language").textContent = t("language");
  $("note").placeholder = t("notePlaceholder");
  fillSelect("reason", REASONS, key => word("clip_reason", key, lang));
  fillSelect("verdict", VERDICTS, key => word("verdict", key, lang));
  fillSelect("post", Object.keys(site.names), postName);
  fillSelect("camera", Object.keys(site.cameras), cameraName);
  render();
  if (current) showCaption(current);
}

function fillSelect(name, keys, shown) {
  const select = document.querySelector("select[name=" + name + "]"), value = select.value;
  while (select.options.length > 1) select.remove(1);
  for (const key of keys) select.add(new Option(shown(key), key));
  select.value = value;
}

function row(clip) { return document.querySelector('#clips li[data-id="' + clip.id + '"]'); }

function showCaption(clip) {
  const moment = quantity(clip.event_offset_s, "s", lang);
  $("caption").textContent = when(clip.event_start) + " · " + cameraName(clip.camera) + " · " + postName(clip.post) + " · " + what(clip);
  $("progress").title = t("eventAt") + " " + moment;
}

function play(clip) {
  current = clip;
  for (const el of document.querySelectorAll("#clips li, #timeline .mark")) el.classList.toggle("current", el.dataset.id == clip.id);
  const shown = row(clip);
  if (shown) shown.scrollIntoView({ block: "nearest" });
  video.poster = withToken("/api/clips/" + clip.id + "/poster.jpg");
  video.src = withToken("/api/clips/" + clip.id + "/video");
  video.defaultPlaybackRate = rate;  // a new source starts at the default rate
  video.playbackRate = rate;
  showCaption(clip);
  $("note").value = clip.note;
  $("reviewed").checked = clip.reviewed;
  $("event-marker").style.display = "none";
  video.play().catch(() => {});  // autoplay may be refused; the play button is there
}

function step(by) {
  if (!clips.length) return;
  const at = current ? clips.findIndex(c => c.id === current.id) : -1;
  const next = clips[Math.min(clips.length - 1, Math.max(0, at + by))];
  if (next && next !== current) play(next);
}

function setRate(value) {
  rate = value;
  video.defaultPlaybackRate = value;
  video.playbackRate = value;
  for (const b of document.querySelectorAll("button.rate")) b.classList.toggle("on", Number(b.dataset.rate) === value);
}

function drawProgress() {
  const duration = video.duration;
  if (!(duration > 0)) return;
  $("played").style.width = (100 * video.currentTime / duration) + "%";
  $("clock").textContent = video.currentTime.toFixed(1) + " / " + duration.toFixed(1) + t("seconds") + (rate !== 1 ? " · " + rate + "×" : "");
  if (current) {
    const marker = $("event-marker");
    marker.style.left = (100 * Math.min(current.event_offset_s, duration) / duration) + "%";
    marker.style.display = "block";
  }
}

async function saveReview() {
  if (!current) return;
  const clip = current, body = { note: $("note").value, reviewed: $("reviewed").checked };
  try {
    const response = await api("/api/clips/" + clip.id + "/review", {
      method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(await response.text());
    Object.assign(clip, await response.json());
    render();
    say(t("saved"));
  } catch (error) {
    say(t("cantSave") + error.message);
  }
}

async function setTraining(clip, keep, box) {
  // The box shows what the server holds: a failed save puts it back, so a trainer never
  // believes a clip is protected from retention when it is not.
  try {
    const response = await api("/api/clips/" + clip.id + "/training", {
      method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ training: keep }),
    });
    if (!response.ok) throw new Error(await response.text());
    clip.training = keep;
    say((keep ? t("kept") : t("unkept")) + ": " + what(clip));
  } catch (error) {
    box.checked = clip.training;
    say(t("cantSave") + error.message);
  }
}

function element(tag, props = {}, ...children) {
  const el = Object.assign(document.createElement(tag), props);
  el.append(...children);
  return el;
}

function listItem(clip) {
  const pick = element("input", { type: "checkbox", className: "pick", checked: selected.has(clip.id) });
  pick.onchange = () => { pick.checked ? selected.add(clip.id) : selected.delete(clip.id); updateExport(); };
  const thumb = element("img", { className: "thumb", loading: "lazy", alt: what(clip), src: withToken("/api/clips/" + clip.id + "/poster.jpg") });
  thumb.onclick = () => play(clip);
  const keep = element("input", { type: "checkbox", className: "keep", checked: clip.training });
  keep.onchange = () => setTraining(clip, keep.checked, keep);
  const download = element("a", { href: withToken("/api/clips/" + clip.id + "/video?download=true"), textContent: t("download") });
  const title = element("div", { className: "what " + clip.reason }, what(clip));
  if (clip.reviewed) title.append(element("span", { className: "badge reviewed-badge" }, t("reviewed")));
  const meta = element("div", { className: "meta" },
    when(clip.event_start) + " · " + cameraName(clip.camera) + " · " + postName(clip.post) + " · " + quantity(clip.duration_s, "s", lang));
  const tools = element("div", { className: "meta" }, element("label", { style: "flex-direction: row; display: inline-flex; gap: .2rem" }, keep, t("keep")), " · ", download);
  const info = element("div", {}, title, meta, element("div", { className: "note" }, clip.note), tools);
  const item = element("li", { className: current && current.id === clip.id ? "current" : "" }, pick, thumb, info);
  item.dataset.id = clip.id;
  return item;
}

function render() {
  const shown = clips.filter(visible);
  $("clips").replaceChildren(...shown.map(listItem));
  say(shown.length ? t("count", shown.length) : t("none"));
  drawTimeline(shown);
  updateExport();
}

// The reviewed filter is applied here: the list is small, and a trainer flips it often.
function visible(clip) {
  const wanted = document.querySelector("select[name=reviewed]").value;
  return !wanted || (wanted === "yes") === clip.reviewed;
}

function drawTimeline(shown) {
  const line = $("timeline");
  const chosen = new FormData($("filters")).get("date");
  const day = chosen || (shown.length ? dayOf(shown[0].event_start) : "");
  $("timeline-day").textContent = day;
  line.replaceChildren();
  if (!day) return;
  const start = dayStart(day), ofDay = shown.filter(c => c.event_start >= start && c.event_start < start + 86400);
  // Opening hours at least, widened to every clip of the day.
  const hours = ofDay.map(c => (c.event_start - start) / 3600);
  const from = Math.floor(Math.min(8, ...hours)), to = Math.ceil(Math.max(18, ...hours.map(h => h + 0.01)));
  const at = hour => (100 * (hour - from) / (to - from)) + "%";
  for (let hour = from; hour <= to; hour += (to - from > 12 ? 2 : 1)) {
    line.append(element("span", { className: "tick", style: "left:" + at(hour) }, two(hour) + ":00"));
  }
  // Clips close in time share a column: each takes the lowest free lane, so none hides another.
  const width = line.clientWidth || 1000, lanes = [];
  for (const clip of [...ofDay].sort((a, b) => a.event_start - b.event_start)) {
    const hour = (clip.event_start - start) / 3600, x = width * (hour - from) / (to - from);
    let lane = lanes.findIndex(last => x - last >= MARK_PX + 2);
    if (lane < 0) lane = lanes.length;
    lanes[lane] = x;
    const mark = element("button", { type: "button", className: "mark " + clip.reason + (clip.reviewed ? " reviewed" : "") + (current && current.id === clip.id ? " current" : "") });
    mark.style.left = at(hour);
    mark.style.bottom = (lane * (MARK_PX + 2)) + "px";
    mark.title = hhmm(clip.event_start) + " " + what(clip);
    mark.dataset.id = clip.id;
    mark.onclick = () => play(clip);
    line.append(mark);
  }
  line.style.height = Math.max(54, lanes.length * (MARK_PX + 2) + 8) + "px";
}

function updateExport() {
  const link = $("export"), ids = [...selected];
  link.href = ids.length ? withToken("/api/clips/export.zip?" + ids.map(id => "ids=" + id).join("&")) : "#";
  link.textContent = t("exportSel", ids.length);
}

async function load() {
  const form = new FormData($("filters")), query = new URLSearchParams();
  for (const name of ["camera", "post", "reason", "verdict"]) if (form.get(name)) query.set(name, form.get(name));
  if (form.get("date")) {
    query.set("since", dayStart(form.get("date")));
    query.set("until", dayStart(form.get("date")) + 86400);
  }
  if (form.get("training")) query.set("training", "true");
  const response = await api("/api/clips?" + query);
  if (!response.ok) { say(t("cantLoad") + (await response.text())); return; }
  clips = await response.json();
  render();
}

async function loadSite() {
  const response = await api("/api/site");
  if (response.ok) site = { ...site, ...(await response.json()) };
}

async function startClips() {
  video.addEventListener("error", () => say(t("cantPlay") + (video.error ? video.error.message || video.error.code : "")));
  video.addEventListener("timeupdate", drawProgress);
  video.addEventListener("loadedmetadata", () => { video.playbackRate = rate; drawProgress(); });
  video.addEventListener("play", () => { $("play").textContent = t("pause"); });
  video.addEventListener("pause", () => { $("play").textContent = t("play"); });
  $("play").onclick = () => (video.paused ? video.play().catch(() => {}) : video.pause());
  $("prev").onclick = () => step(-1);
  $("next").onclick = () => step(1);
  $("jump").onclick = () => { if (current) { video.currentTime = current.event_offset_s; drawProgress(); } };
  for (const b of document.querySelectorAll("button.rate")) b.onclick = () => setRate(Number(b.dataset.rate));
  $("progress").onclick = e => {
    const box = $("progress").getBoundingClientRect();
    if (video.duration > 0) video.currentTime = video.duration * (e.clientX - box.left) / box.width;
  };
  $("save-review").onclick = saveReview;
  $("language").onclick = () => { lang = lang === "zh" ? "en" : "zh"; localStorage.setItem("etiquette-lang", lang); applyText(); };
  $("filters").addEventListener("submit", e => { e.preventDefault(); load(); });
  document.querySelector("select[name=reviewed]").onchange = render;
  $("all").addEventListener("change", e => {
    for (const clip of clips.filter(visible)) e.target.checked ? selected.add(clip.id) : selected.delete(clip.id);
    render();
  });
  $("to-dashboard").href = withToken("/dashboard");
  $("to-report").href = withToken("/report");
  if ($("etq-bar")) {  // the shared bar has the links and the language switch: one of each
    $("language").hidden = true; $("to-dashboard").parentElement.hidden = true;
    window.addEventListener("etiquette-language", e => { e.preventDefault(); lang = e.detail; applyText(); });
  }
  await loadSite();
  lang = params.get("lang") || localStorage.getItem("etiquette-lang") || site.language || "zh";
  applyText();
  const wanted = Number(params.get("clip"));
  if (wanted) {  // opened from a report's worst moment
    const response = await api("/api/clips/" + wanted);
    if (response.ok) { const clip = await response.json(); clips = [clip]; render(); play(clip); return; }
    say(t("gone") + wanted);
  }
  await load();
}
