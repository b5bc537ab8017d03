// The branch manager's dashboard: today's figures (in total and per post), each camera's live
// view and health in plain words, today's events in words with coloured results, filters, each
// event's clip, and alerts (a missed greeting, a camera down). Loaded before common.js: it runs
// from startDashboard(), called by the page once common.js is there. Everything is polled with
// short requests: long-lived ones (an MJPEG <img>, an EventSource) use up the browser's six
// connections to the server when a few tabs are open, and then the health polls never return.
(() => {
const TEXT = {
  zh: {
    title: "今日服务礼仪", language: "English",
    figures: "今日数据", byPost: "各岗位", cameras: "摄像头", events: "今日事件", type: "事件类型", post: "岗位",
    camera: "摄像头", from: "从", to: "到", clear: "清除筛选", all: "全部", time: "时间", event: "事件", who: "人员",
    result: "结果", details: "详情", clip: "片段", fullscreen: "全屏", close: "关闭", openClips: "在辅导片段页打开",
    arrivals: "客户到店", onTime: "及时迎宾", late: "迎宾迟了", missed: "未迎宾", bows: "鞠躬达标 / 已做",
    lapses: "站姿不规范", soundOff: "开启声音提醒", soundOn: "声音提醒已开启", enlarge: "点击放大",
    fps: n => n + " 帧/秒", skipped: n => "为保持实时跳过 " + n + " 帧", offlineSince: at => "离线，自 " + at + " 起",
    restarting: "程序异常，正在重启", noFrames: "收不到画面", stopped: "服务已停止", fault: "摄像头故障",
    count: n => "共 " + n + " 条", none: "没有符合条件的事件", play: "▶ 片段", prompted: "已提示", made: "已做",
    pending: "等待迎宾", together: "同行客户", noVerdict: "无结论", first: "今天第一位客户", depth: "深度",
    lasted: "持续", after: "到店后", said: "提示：", withGesture: "有迎宾手势", customers: n => n + " 位客户",
    staffThere: "门岗有人", nobodyThere: "门岗无人", upper: "（仅上半身）", missedAlert: (at, cam) => at + " " + cam + "：客户未被迎宾",
    downAlert: (cam, state) => "摄像头「" + cam + "」" + state, dismiss: "知道了", day: d => "今日数据 · " + d, bow: "鞠躬",
    sep: "、", newest: n => "（列出最近 " + n + " 条，可用筛选查看更多）",
    frontLeft: "左前方", gestureMade: "有指引手势", reached: "到达", escortedBy: "陪同步行", notEscorted: "无人送客",
    inward: "进门", outward: "出门", queued: n => "排队 " + n + " 人", waited: "等候", cameAfter: "提示后到场",
    manned: (a, b) => "岗位到位 " + a + "/" + b, salutes: n => "举手礼 " + n + " 次", handovers: (a, b) => "双手递接 " + a + "/" + b,
  },
  en: {
    title: "Service etiquette today", language: "中文",
    figures: "Today", byPost: "By post", cameras: "Cameras", events: "Today's events", type: "Event type", post: "Post",
    camera: "Camera", from: "From", to: "To", clear: "Clear filters", all: "All", time: "Time", event: "Event", who: "Who",
    result: "Result", details: "Details", clip: "Clip", fullscreen: "Full screen", close: "Close", openClips: "Open on the clips page",
    arrivals: "customers arrived", onTime: "greeted on time", late: "greeted late", missed: "not greeted", bows: "bows to standard / made",
    lapses: "posture lapses", soundOff: "Turn on sound alerts", soundOn: "Sound alerts on", enlarge: "click to enlarge",
    fps: n => n + " frames/s", skipped: n => n + " frames skipped to keep up", offlineSince: at => "offline since " + at,
    restarting: "restarting after a fault", noFrames: "no picture coming in", stopped: "the service stopped", fault: "camera fault",
    count: n => n + " events", none: "No events match", play: "▶ Clip", prompted: "prompted", made: "made",
    pending: "waiting for a greeting", together: "arrived together", noVerdict: "no verdict", first: "first customer today", depth: "depth",
    lasted: "lasted", after: "after arrival", said: "said: ", withGesture: "with a welcome gesture", customers: n => n + (n === 1 ? " customer" : " customers"),
    staffThere: "staff at the door post", nobodyThere: "nobody at the door post", upper: " (upper body only)", missedAlert: (at, cam) => at + " " + cam + ": a customer was not greeted",
    downAlert: (cam, state) => "Camera “" + cam + "”: " + state, dismiss: "Dismiss", day: d => "Today · " + d, bow: "bow",
    sep: ", ", newest: n => " (the newest " + n + " listed: filter to see others)",
    frontLeft: "at front left", gestureMade: "guiding gesture made", reached: "reached", escortedBy: "walked together", notEscorted: "nobody saw them out",
    inward: "in", outward: "out", queued: n => n + " in the queue", waited: "waited", cameAfter: "came after the prompt",
    manned: (a, b) => "posts manned " + a + "/" + b, salutes: n => n + " salutes", handovers: (a, b) => "both hands " + a + "/" + b,
  },
};
const EVENT_TYPES = ["customer_arrived", "greeting", "greeting_missed", "greeting_prompt", "bow", "welcome_gesture", "guiding_gesture", "posture",
  "opening_prompt", "opening_lineup", "salute", "guiding", "queue_prompt", "queue_response", "queue_wait", "teller_service", "stood_up", "handover", "door_crossing", "farewell"];
// Processes judged as a whole: to standard or not, with their faults (rules/visit_events.py).
const PROCESS_TYPES = ["opening_lineup", "guiding", "teller_service", "farewell"];
const ALERT_WINDOW_S = 600;  // a missed greeting stays on the banner this long
const PENDING_S = 90;  // an arrival without an outcome this recent is still waiting for one
const SHOWN = 300;  // the newest rows listed: a busy day's thousands would slow a tablet down
const $ = id => document.getElementById(id);
const S = { lang: "zh", site: { names: {}, cameras: {}, utc_offset_min: -new Date().getTimezoneOffset() }, today: null,
  events: [], outcomes: [], clips: {}, cameras: [], problems: [], lastId: 0, alerted: new Set(), dismissed: new Set(),
  downSince: {}, wasDown: new Set(), audio: null, frames: {}, viewing: null, loading: false, idle: 0, asked: 0 };

function t(key, ...args) { const v = TEXT[S.lang][key]; return typeof v === "function" ? v(...args) : v; }
function w(category, key) { return word(category, key, S.lang); }
function q(value, unit) { return quantity(value, unit, S.lang).replace(" ", "\u00a0"); }  // "4.0 s" on one line
function two(n) { return String(n).padStart(2, "0"); }
// Times in the branch's time zone, whatever the browser's (siteTime() once common.js has it).
function clockText(epoch) {
  if (typeof siteTime === "function") return siteTime(epoch, "time");
  const d = new Date((epoch + S.site.utc_offset_min * 60) * 1000);
  return two(d.getUTCHours()) + ":" + two(d.getUTCMinutes()) + ":" + two(d.getUTCSeconds());
}
function cameraName(id) { return S.site.cameras[id] || id; }
function el(tag, cls, text) { const e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; }

// What happened to an arrival: the outcome naming its time (a miss starts at the arrival, a
// greeting latency_s after it), else waiting, or part of a group greeted (or missed) as one.
function arrivalOutcome(e) {
  const ev = e.event, near = (a, b) => Math.abs(a - b) < 0.01;
  const own = S.outcomes.find(o => o.camera === e.camera && near(o.event.type === "greeting" ? o.event.start - o.event.values.latency_s : o.event.start, ev.start));
  if (own) return result(own);
  if (Date.now() / 1000 - ev.start < PENDING_S) return ["info", t("pending")];
  const group = S.outcomes.some(o => o.camera === e.camera && (o.event.values.customers || 1) > 1 && o.event.start <= ev.start + 0.01 && ev.start - o.event.start < 60);
  return ["info", group ? t("together") : t("noVerdict")];
}

// The result cell: its colour class and words. Arrivals, prompts and misses have no verdict
// field (a miss is its own outcome; an arrival's is a later greeting or miss).
function result(e) {
  const ev = e.event;
  switch (ev.type) {
    case "greeting_missed": return ["bad", w("event", "greeting_missed")];
    case "greeting": return ev.verdict === "late" ? ["warn", w("verdict", "late")] : ["good", w("verdict", "on_time")];
    case "customer_arrived": return arrivalOutcome(e);
    case "greeting_prompt": case "queue_prompt": case "opening_prompt": return ["info", t("prompted")];
    case "posture": return ["warn", w("verdict", ev.verdict || "off_standard")];
    case "bow": {
      if (ev.role !== "staff" || ["cancelled", "unfinished"].includes(ev.verdict)) return ["info", w("verdict", ev.verdict)];
      return [ev.verdict === "to_standard" ? "good" : "warn", w("verdict", ev.verdict)];
    }
    default:
      if (PROCESS_TYPES.includes(ev.type)) return [ev.verdict === "to_standard" ? "good" : "warn", w("verdict", ev.verdict)];
      if (ev.type === "queue_wait" || ev.type === "door_crossing" || ev.type === "queue_response") return ["info", "–"];
      return ["good", t("made")];  // a gesture, a salute, a handover, standing up
  }
}

function details(e) {
  const ev = e.event, v = ev.values || {}, parts = [];
  if (ev.type === "bow") { parts.push(t("depth") + " " + q(v.peak_deg, "deg") + (v.view === "upper_body" ? t("upper") : ""), t("lasted") + " " + q(v.duration_s, "s")); }
  else if (ev.type.endsWith("_gesture")) parts.push(w("hand", v.hand), t("lasted") + " " + q(v.duration_s, "s"));
  else if (ev.type === "posture") parts.push((v.reasons || []).map(r => w("posture_fault", r)).join(t("sep")), t("lasted") + " " + q(v.off_s, "s"));
  else if (ev.type === "customer_arrived") { if (v.first_of_day) parts.push(t("first")); }
  else if (ev.type === "greeting_prompt") parts.push(t("said") + v.text);
  else if (ev.type === "greeting") {
    parts.push(t("after") + " " + q(v.latency_s, "s"));
    if (v.bow_deg != null) parts.push(t("bow") + " " + q(v.bow_deg, "deg") + (v.bow_verdict ? " " + w("verdict", v.bow_verdict) : ""));
    if (v.gesture) parts.push(t("withGesture"));
    if (v.customers > 1) parts.push(t("customers", v.customers));
  } else if (ev.type === "greeting_missed") parts.push(t("customers", v.customers), v.staff_present ? t("staffThere") : t("nobodyThere"));
  else visitDetails(ev, v, parts);
  return parts.filter(Boolean).join(" · ") || "–";
}

function faults(v) { return (v.faults || []).map(f => w("process_fault", f)).join(t("sep")); }
function percentText(share) { return share == null ? "–" : Math.round(100 * share) + "%"; }

// The rest of a visit (issue 14): what each process measured, in words.
function visitDetails(ev, v, parts) {
  switch (ev.type) {
    case "guiding":
      parts.push(t("frontLeft") + " " + percentText(v.front_left_share), v.gesture ? t("gestureMade") : "", v.destination ? t("reached") + w("zone", v.destination) : "", faults(v));
      break;
    case "farewell": parts.push(v.escorted ? t("escortedBy") + " " + q(v.together_m, "m") : t("notEscorted")); break;
    case "door_crossing": parts.push(t(v.direction === "in" ? "inward" : "outward")); break;
    case "queue_prompt": case "opening_prompt": parts.push(t("said") + v.text); break;
    case "queue_response": parts.push(t("cameAfter") + " " + q(v.latency_s, "s"), t("queued", v.length)); break;
    case "queue_wait": parts.push(t("waited") + " " + q(v.wait_s, "s"), w("queue_exit", v.left_to)); break;
    case "opening_lineup":
      parts.push(t("manned", v.posts.filter(p => p.present).length, v.posts.length), t("salutes", v.salutes));
      parts.push(v.posts.filter(p => !p.present).map(p => (S.site.names[p.post] || p.post) + " " + w("process_fault", "post_empty")).join(t("sep")));
      break;
    case "teller_service": parts.push(t("handovers", v.both_hands, v.handovers), faults(v)); break;
    case "handover": case "stood_up": case "salute": if (v.duration_s != null) parts.push(t("lasted") + " " + q(v.duration_s, "s")); break;
  }
}

function renderFigures() {
  const box = $("figures"); box.replaceChildren();
  if (!S.today) return;
  const f = S.today.totals;
  $("day").textContent = t("day", S.today.day);
  const cards = [
    ["arrivals", f.arrivals, "", t("arrivals")],
    ["on-time", f.greeted_on_time, f.greeted_on_time ? "good" : "", t("onTime")],
    ["late", f.greeted_late, f.greeted_late ? "warn" : "", t("late")],
    ["missed", f.missed, f.missed ? "bad" : "", t("missed")],
    ["bows", f.bows_to_standard + " / " + f.bows, !f.bows ? "" : f.bows_to_standard === f.bows ? "good" : "warn", t("bows")],
    ["lapses", f.posture_lapses, f.posture_lapses ? "warn" : "", t("lapses")],
  ];
  for (const [key, n, tone, what] of cards) {
    const card = el("div", "figure " + tone); card.dataset.figure = key;
    card.append(el("div", "n", String(n)), el("div", "what", what)); box.appendChild(card);
  }
  const head = el("tr"), labels = [t("arrivals"), t("onTime"), t("late"), t("missed"), t("bows"), t("lapses")];
  head.appendChild(el("th", "", t("post")));
  for (const text of labels) head.appendChild(el("th", "num", text));
  $("posts").tHead.replaceChildren(head);
  $("posts").tBodies[0].replaceChildren(...S.today.posts.map(p => {
    const row = el("tr"); row.dataset.post = p.post; row.appendChild(el("td", "", p.name));
    [p.arrivals, p.greeted_on_time, p.greeted_late, p.missed, p.bows_to_standard + " / " + p.bows, p.posture_lapses].forEach((n, i) => {
      const cell = el("td", "num", String(n)); cell.dataset.label = labels[i]; row.appendChild(cell);  // a phone shows it beside the figure
    });
    return row;
  }));
}

function renderEvents() {
  const rows = S.events.slice(-SHOWN).reverse().map(e => {
    const ev = e.event, [tone, verdict] = result(e), row = el("tr", tone === "bad" ? "bad" : "");
    row.dataset.type = ev.type; row.dataset.id = e.id;
    row.append(el("td", "time", clockText(ev.start)), el("td", "camera", cameraName(e.camera)), el("td", "event", w("event", ev.type)), el("td", "who", w("role", ev.role)));
    const cell = el("td", "result"); cell.appendChild(el("span", "verdict " + tone, verdict)); row.appendChild(cell);
    const said = details(e);
    row.appendChild(el("td", said === "–" ? "details empty" : "details", said));
    const clipCell = el("td", "clip-cell"), clip = S.clips[e.id];
    if (clip) { const b = el("button", "clip", t("play")); b.type = "button"; b.onclick = () => playClip(clip, e); clipCell.appendChild(b); }
    row.appendChild(clipCell);
    return row;
  });
  $("events").replaceChildren(...rows);
  $("count").textContent = !rows.length ? t("none") : t("count", S.events.length) + (S.events.length > rows.length ? t("newest", rows.length) : "");
}

function health(c) {
  if (c.online) return ["online", w("camera_state", "online") + " · " + t("fps", Math.round(c.fps)), c.dropped_frames ? t("skipped", c.dropped_frames) : ""];
  if (c.error === "starting" || c.error === "reloading settings") return ["starting", w("camera_state", c.error), ""];
  if (c.error === "the video has ended" || c.error === "the stream ended") return ["ended", w("camera_state", "the stream ended"), ""];
  const since = c.last_frame_at || S.downSince[c.name];
  const why = /^runner stopped/.test(c.error || "") ? t("restarting") : /^no frame/.test(c.error || "") ? t("noFrames") : c.error === "service stopped" ? t("stopped") : t("fault");
  return ["offline", since ? t("offlineSince", clockText(since)) : w("camera_state", "offline"), why];
}

function renderCameras() {
  const box = $("cameras");
  for (const c of S.cameras) {
    let figure = $("camera-" + c.name);
    if (!figure) {
      figure = el("figure"); figure.id = "camera-" + c.name;
      const img = el("img"); img.alt = ""; img.onclick = () => openViewer(c.name);
      figure.append(img, el("figcaption")); box.appendChild(figure);
      pull(c.name);
    }
    figure.querySelector("img").title = t("enlarge");
    const [state, text, note] = health(c), caption = figure.querySelector("figcaption");
    caption.className = state; figure.className = state;  // online / starting / ended / offline
    caption.replaceChildren(el("span", "name", cameraName(c.name)), el("span", "health " + state, text));
    if (note) { const n = el("span", "note", note); if (state === "offline") n.title = c.error || ""; caption.appendChild(n); }
    if (c.clips_paused) caption.appendChild(el("span", "paused", "⚠ " + c.clips_paused));
  }
}

function renderAlerts() {
  const box = $("alerts"), now = Date.now() / 1000, lines = [];
  const recent = S.outcomes.filter(o => o.event.type === "greeting_missed" && now - o.event.end < ALERT_WINDOW_S && !S.dismissed.has(o.id));
  for (const o of recent.slice(-3).reverse()) {
    const line = el("div", "alert missed", "⚠ " + t("missedAlert", clockText(o.event.start), cameraName(o.camera)));
    if (S.clips[o.id]) { const b = el("button", "clip", t("play")); b.type = "button"; b.onclick = () => playClip(S.clips[o.id], o); line.appendChild(b); }
    const ok = el("button", "dismiss", t("dismiss")); ok.type = "button"; ok.onclick = () => { S.dismissed.add(o.id); renderAlerts(); };
    line.appendChild(ok); lines.push(line);
  }
  for (const c of S.cameras) { const [state, text, why] = health(c); if (state === "offline") lines.push(el("div", "alert camera-down", "⚠ " + t("downAlert", cameraName(c.name), text + (why ? " · " + why : "")))); }
  for (const p of S.problems) lines.push(el("div", "alert problem", "⚠ " + Object.entries(S.site.cameras).reduce((s, [id, name]) => s.replaceAll("camera " + id + ":", name + ":"), p)));
  box.replaceChildren(...lines);
}

function applyText() {
  document.documentElement.lang = S.lang === "zh" ? "zh-CN" : "en";
  document.title = t("title");
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  $("sound").textContent = S.audio ? t("soundOn") : t("soundOff");
  $("language").textContent = t("language");
  fillSelect("type", EVENT_TYPES.map(k => [k, w("event", k)]));
  fillSelect("post", (S.today ? S.today.posts : []).map(p => [p.post, p.name]));
  fillSelect("camera", Object.keys(S.site.cameras).map(id => [id, cameraName(id)]));
  renderFigures(); renderCameras(); renderEvents(); renderAlerts();
}

function fillSelect(name, options) {
  const select = document.querySelector("#filters select[name=" + name + "]"), kept = select.value;
  select.replaceChildren(new Option(t("all"), ""), ...options.map(([value, text]) => new Option(text, value)));
  select.value = options.some(([value]) => value === kept) ? kept : "";
}

// The filters go to /api/events as its own parameters; times are of the site's day.
function query() {
  const form = new FormData($("filters")), p = new URLSearchParams(), day = S.today;
  const at = hm => day.start + (Number(hm.slice(0, 2)) * 60 + Number(hm.slice(3, 5))) * 60;
  p.set("since", form.get("from") ? at(form.get("from")) : day.start);
  p.set("until", form.get("to") ? at(form.get("to")) + 60 : day.end);
  for (const name of ["type", "post", "camera"]) if (form.get(name)) p.set(name, form.get(name));
  return p;
}

async function json(url) { const r = await api(url); if (!r.ok) throw new Error(url + ": " + r.status); return r.json(); }

async function loadEvents() {
  const asked = ++S.asked;  // a filter changed meanwhile: only the latest answer is shown
  const day = S.today, [events, outcomes, clips] = await Promise.all([
    json("/api/events?limit=10000&" + query()),
    json("/api/events?limit=10000&type=greeting&type=greeting_missed&since=" + day.start + "&until=" + day.end),
    json("/api/clips?limit=1000&since=" + day.start + "&until=" + day.end),
  ]);
  if (asked !== S.asked) return;
  S.events = events; S.outcomes = outcomes; S.clips = {};
  for (const clip of clips) if (clip.event_id) S.clips[clip.event_id] = clip;
  renderEvents(); renderAlerts();
}

async function loadToday() {
  S.today = await json("/api/today");
  fillSelect("post", S.today.posts.map(p => [p.post, p.name]));
  renderFigures();
}

// Every few seconds: anything new today? Then the figures, the list, the clips and the alerts.
async function poll() {
  if (S.loading) return;
  S.loading = true;
  try {
    if (Date.now() / 1000 >= S.today.end) { await loadToday(); S.lastId = 0; }
    const fresh = await json("/api/events?limit=1000&since=" + S.today.start + "&after_id=" + S.lastId);
    for (const e of fresh) S.lastId = Math.max(S.lastId, e.id);
    const missed = fresh.filter(e => e.event.type === "greeting_missed" && !S.alerted.has(e.id));
    for (const e of missed) S.alerted.add(e.id);
    if (missed.length) beep();
    if (fresh.length || ++S.idle % 4 === 0) { await loadToday(); await loadEvents(); }
  } catch (error) { console.warn(error); } finally { S.loading = false; }
}

async function pollCameras() {
  try { S.cameras = await json("/api/cameras"); } catch { return; }
  const now = Date.now() / 1000;
  for (const c of S.cameras) {
    const down = health(c)[0] === "offline";
    if (down && !S.wasDown.has(c.name)) { S.wasDown.add(c.name); S.downSince[c.name] = S.downSince[c.name] || now; beep(); }
    if (!down) { S.wasDown.delete(c.name); delete S.downSince[c.name]; }
  }
  const h = await fetch("/health").then(r => r.json()).catch(() => ({}));
  S.problems = h.problems || [];
  renderCameras(); renderAlerts();
}

// A camera's live view: its latest picture, fetched again as soon as one is shown.
async function pull(name) {
  let wait = 250;
  if (document.hidden) wait = 1000;
  else try {
    const r = await api("/api/cameras/" + encodeURIComponent(name) + "/snapshot.jpg");
    if (r.ok) {
      const url = URL.createObjectURL(await r.blob()), old = S.frames[name];
      S.frames[name] = url;
      $("camera-" + name).querySelector("img").src = url;
      if (S.viewing === name) $("viewer-img").src = url;
      if (old) setTimeout(() => URL.revokeObjectURL(old), 1000);
    } else wait = 1000;  // no picture yet
  } catch { wait = 2000; }
  setTimeout(() => pull(name), wait);
}

function openViewer(name) {
  S.viewing = name; $("viewer-title").textContent = cameraName(name);
  if (S.frames[name]) $("viewer-img").src = S.frames[name];
  $("viewer").showModal();
}

function playClip(clip, e) {
  $("player-title").textContent = clockText(e.event.start) + " · " + cameraName(e.camera) + " · " + w("event", e.event.type);
  $("player-page").href = withToken("/clips?clip=" + clip.id);
  $("player-video").src = withToken("/api/clips/" + clip.id + "/video");
  $("player").showModal();
  $("player-video").play().catch(() => {});
}

// A short two-tone chime; browsers allow sound only after the manager pressed the button.
function beep() {
  const a = S.audio; if (!a) return;
  for (const [freq, at] of [[880, 0], [660, 0.18]]) {
    const osc = a.createOscillator(), gain = a.createGain();
    osc.frequency.value = freq; gain.gain.value = 0.15;
    osc.connect(gain).connect(a.destination); osc.start(a.currentTime + at); osc.stop(a.currentTime + at + 0.15);
  }
}

async function startDashboard() {
  // The shared bar's language switch (and its links) when page.html has it; else our own.
  if (!$("etq-lang")) $("language").hidden = false;
  $("language").onclick = () => { S.lang = S.lang === "zh" ? "en" : "zh"; localStorage.setItem("etiquette-lang", S.lang); applyText(); };
  window.addEventListener("etiquette-language", e => { e.preventDefault(); S.lang = e.detail; applyText(); });
  $("sound").onclick = () => { S.audio = S.audio || new AudioContext(); S.audio.resume(); beep(); applyText(); };
  $("viewer-close").onclick = () => $("viewer").close();
  $("viewer").addEventListener("close", () => { S.viewing = null; });
  $("fullscreen").onclick = () => $("viewer-img").requestFullscreen().catch(() => {});
  $("player-close").onclick = () => $("player").close();
  $("player").addEventListener("close", () => { $("player-video").pause(); $("player-video").removeAttribute("src"); });
  $("filters").addEventListener("change", () => loadEvents().catch(console.warn));
  $("filters").addEventListener("reset", () => setTimeout(() => loadEvents().catch(console.warn)));
  try { S.site = await json("/api/site"); } catch (error) { console.warn(error); }
  S.lang = typeof pageLanguage === "function" ? pageLanguage() : localStorage.getItem("etiquette-lang") || S.site.language || "zh";
  await loadToday();
  applyText();
  await pollCameras();
  const first = await json("/api/events?limit=10000&since=" + S.today.start);
  for (const e of first) { S.lastId = Math.max(S.lastId, e.id); S.alerted.add(e.id); }  // no chime for the past
  await loadToday(); await loadEvents();  // after lastId: what comes later is polled as new
  setInterval(poll, 3000); setInterval(pollCameras, 2000);
}
window.startDashboard = startDashboard;
})();
