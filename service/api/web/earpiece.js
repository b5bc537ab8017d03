// The staff earpiece: a phone at a staff post speaks the greeting prompts. Loaded before
// common.js (api, withToken, word): startEarpiece() runs once that is there. Its names stay
// inside this function: page scripts share one global scope with common.js.
(() => {
const TEXT = {
  zh: {
    title: "迎宾提示", other: "English", post: "岗位", allPosts: "全部岗位", enable: "点击开启声音",
    soundOn: "声音已开启", test: "试听", connecting: "正在连接…", online: "已连接",
    lost: "连接中断，正在重新连接…", lostAlert: "与服务器的连接中断：提示暂时收不到",
    cameraOff: (name, why) => `摄像头离线：${name}` + (why ? `（${why}）` : ""), cameras: "摄像头：",
    empty: "还没有提示：有客户进门时，会在这里显示并播报。", customer: "客户",
    justNow: "刚刚", seconds: (n) => `${n} 秒前`, minutes: (n) => `${n} 分钟前`, hours: (n) => `${n} 小时前`,
    wakeOn: "屏幕将保持常亮。",
    wakeNone: "此浏览器不能保持屏幕常亮（需要 HTTPS 或较新的浏览器）：请在手机设置中关闭自动锁屏。",
    wakeRefused: "浏览器拒绝保持屏幕常亮（可能开着省电模式）：请在手机设置中关闭自动锁屏。",
    noSound: "请先点一下“点击开启声音”，否则提示不会播报。",
  },
  en: {
    title: "Greeting prompts", other: "中文", post: "Post", allPosts: "All posts", enable: "Tap to enable sound",
    soundOn: "Sound on", test: "Test sound", connecting: "Connecting…", online: "Connected",
    lost: "Connection lost, reconnecting…", lostAlert: "Connection to the server lost: no prompts meanwhile",
    cameraOff: (name, why) => `Camera offline: ${name}` + (why ? ` (${why})` : ""), cameras: "Cameras: ",
    empty: "No prompts yet: they appear here and are spoken when a customer comes in.", customer: "Customer",
    justNow: "just now", seconds: (n) => `${n} s ago`, minutes: (n) => `${n} min ago`, hours: (n) => `${n} h ago`,
    wakeOn: "The screen is kept on.",
    wakeNone: "This browser cannot keep the screen on (it needs HTTPS or a newer browser): turn off auto-lock in the phone's settings.",
    wakeRefused: "The browser refused to keep the screen on (battery saver?): turn off auto-lock in the phone's settings.",
    noSound: "Tap “Tap to enable sound” first, or prompts are not spoken.",
  },
};
// A refused token is shown in both languages: whoever holds the phone can read it.
const REFUSED = {
  4401: ["这个链接的令牌无效或已被收回，请向网点管理员要新的链接。", "This link's token is unknown or was revoked: ask the branch administrator for a new link."],
  4403: ["这个令牌不能接收迎宾提示。", "This token may not receive greeting prompts."],
};
const ENGLISH_PROMPT = { prompt: "Customer at the door: please greet", warning: "Greeting late: please attend" };
// Prompts other than the door greeting's, in English (the Chinese text comes with the message).
const ENGLISH_BY_TYPE = { queue_prompt: "Queue at the counters: please divert customers", opening_prompt: "Opening soon: posts still empty" };
function englishText(m) { return ENGLISH_BY_TYPE[m.type] || ENGLISH_PROMPT[m.kind]; }
const PING_MS = 5000, SILENT_MS = 15000; // the server beats every 5 s: three missed = dead
const LOST_GRACE_MS = 3000, LOST_REPEAT_MS = 30000, RETRY_MAX_MS = 5000;
const FRESH_S = 10; // older prompts (replayed, or missed long ago) are listed, not spoken
const KEEP = 10, LAST_KEY = "etiquette-earpiece-last";

// window.etiquette: what the browser tests read.
const ear = window.etiquette = { received: [], shown: [], played: [], tones: [], connections: 0, socket: null, state: "connecting" };
const $ = (id) => document.getElementById(id);
let lang = "zh", site = { names: {}, cameras: {} }, soundOn = false, audio = null, clock = 0;
let heard = 0, pinged = 0, retryMs = 1000, retryTimer = null, lostSince = null, lostToned = 0;
let cameras = [], cameraAlerted = {}, promptAudio = null, entries = [], wake = "", wakeLock = null;
const seen = new Set();
let lastIds = {};
try { lastIds = JSON.parse(localStorage.getItem(LAST_KEY) || "{}") || {}; } catch { lastIds = {}; }

function t(key, ...args) { const v = TEXT[lang][key]; return typeof v === "function" ? v(...args) : v; }
function serverNow() { return Date.now() / 1000 + clock; }
function postName(post) { return post ? site.names[post] || post : t("allPosts"); }
function cameraName(camera) { return site.cameras[camera] || camera; }
function two(n) { return String(n).padStart(2, "0"); }
function clockTime(epoch) {
  if (typeof siteTime === "function") {
    try { const text = siteTime(epoch, "time"); if (text) return text; } catch { /* older common.js */ }
  }
  // The branch's time, whatever the phone's zone: /api/site gives its offset now.
  const d = new Date((epoch + (site.utc_offset_min || 0) * 60) * 1000);
  return two(d.getUTCHours()) + ":" + two(d.getUTCMinutes()) + ":" + two(d.getUTCSeconds());
}
function ago(epoch) {
  const s = Math.max(0, Math.round(serverNow() - epoch));
  return s < 5 ? t("justNow") : s < 60 ? t("seconds", s) : s < 3600 ? t("minutes", Math.floor(s / 60)) : t("hours", Math.floor(s / 3600));
}

// Sound: the prompt's voice in an <audio>, alerts as tones made here (no files to load).
function audioContext() {
  if (!audio && window.AudioContext) audio = new AudioContext();
  if (audio && audio.state === "suspended") audio.resume();
  return audio;
}
function tone(reason) {
  const context = soundOn && audioContext();
  if (!context) return;
  const start = context.currentTime + 0.05, oscillator = context.createOscillator(), gain = context.createGain();
  const pitches = reason === "test" ? [660, 880] : [880, 440, 880, 440]; // alerts: a falling two-tone
  pitches.forEach((hz, i) => oscillator.frequency.setValueAtTime(hz, start + i * 0.25));
  gain.gain.setValueAtTime(0.0001, start);
  gain.gain.exponentialRampToValueAtTime(0.4, start + 0.03);
  gain.gain.setValueAtTime(0.4, start + pitches.length * 0.25 - 0.05);
  gain.gain.exponentialRampToValueAtTime(0.0001, start + pitches.length * 0.25);
  oscillator.connect(gain).connect(context.destination);
  oscillator.onended = () => ear.tones.push(reason);
  oscillator.start(start);
  oscillator.stop(start + pitches.length * 0.25 + 0.02);
}
function say(url, id) {
  const player = $("player");
  player.src = withToken(url);
  player.play().then(() => ear.played.push(id)).catch(() => {});
}
function enableSound() {
  soundOn = true;
  audioContext();
  keepAwake(); // some browsers grant it only after a tap
  render();
}

// The connection: one socket at a time; a reconnect asks only for what came after the
// last event this post has (kept across reloads), so nothing is listed or spoken twice.
function connect() {
  clearTimeout(retryTimer);
  if (ear.socket) drop(ear.socket);
  const post = $("post").value, query = new URLSearchParams({ status: "1" });
  if (post) query.set("post", post);
  if (lastIds[post] != null) query.set("after_id", lastIds[post]);
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(withToken(`${scheme}://${location.host}/ws/live?${query}`));
  let opened = false;
  ear.socket = socket;
  socket.onopen = () => {
    opened = true; ear.connections++; heard = pinged = Date.now(); retryMs = 1000; lostSince = null;
    ear.state = "online"; render();
  };
  socket.onmessage = (raw) => { if (socket === ear.socket) { heard = Date.now(); receive(JSON.parse(raw.data), post); } };
  socket.onclose = (event) => { if (socket === ear.socket) { ear.socket = null; closed(event.code, opened); } };
}
function drop(socket) { socket.onclose = socket.onmessage = null; try { socket.close(); } catch { /* closing already */ } }
async function closed(code, opened) {
  if (REFUSED[code]) return refuse(code);
  if (!opened) {
    // A refused handshake reaches a page as a bare failure: ask the API whether it is the token.
    try {
      const answer = await api("/api/me");
      if (answer.status === 401 || answer.status === 403) return refuse(answer.status === 401 ? 4401 : 4403);
    } catch { /* the server is away */ }
    if (ear.socket) return; // meanwhile another post was picked: that connection stands
  }
  lost();
}
function lost() {
  if (ear.state === "refused") return;
  ear.state = "lost";
  if (lostSince === null) lostSince = Date.now();
  retryTimer = setTimeout(connect, retryMs);
  retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  render();
}
function refuse(code) {
  ear.state = "refused"; ear.refused = code;
  clearTimeout(retryTimer);
  if (ear.socket) { drop(ear.socket); ear.socket = null; }
  tone("refused");
  render();
}
function remember(post, id) {
  if (id == null || (lastIds[post] != null && lastIds[post] >= id)) return;
  lastIds[post] = id;
  localStorage.setItem(LAST_KEY, JSON.stringify(lastIds));
}
function receive(message, post) {
  if (message.kind === "status") {
    clock = message.at - Date.now() / 1000; // the phone's clock may be off; the server's is not
    promptAudio = message.prompt_audio_url;
    cameras = message.cameras;
    for (const camera of cameras) {
      const off = !camera.online && camera.error !== "starting";
      if (off && !cameraAlerted[camera.name]) tone("camera");
      cameraAlerted[camera.name] = off;
    }
    return render();
  }
  remember(post, message.event_id);
  if (message.kind !== "prompt" && message.kind !== "warning") return;
  // The same prompt seen again (another post's stream, a reconnect): known by its id and time.
  const key = `${message.event_id ?? ""}|${message.camera}|${message.type}|${message.captured_at}`;
  if (seen.has(key)) return;
  seen.add(key); ear.shown.push(key); ear.received.push(message);
  entries = [{ key, message }, ...entries].sort((a, b) => b.message.captured_at - a.message.captured_at).slice(0, KEEP);
  render();
  if (soundOn && message.audio_url && serverNow() - message.published_at < FRESH_S) say(message.audio_url, message.event_id ?? message.captured_at);
}

async function keepAwake() {
  if (!("wakeLock" in navigator)) { wake = "wakeNone"; return render(); }
  if (wakeLock && !wakeLock.released) return;
  try {
    wakeLock = await navigator.wakeLock.request("screen");
    wake = "wakeOn";
    wakeLock.addEventListener("release", () => { if (document.visibilityState === "visible") keepAwake(); });
  } catch { wake = "wakeRefused"; }
  render();
}

// Rendered each second: only changes are written (an open post picker must not flicker).
function setText(element, text) { if (element.textContent !== text) element.textContent = text; }
function render() {
  document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
  for (const element of document.querySelectorAll("[data-t]")) setText(element, t(element.dataset.t));
  setText($("lang"), t("other"));
  for (const option of $("post").options) if (option.value) setText(option, postName(option.value));
  $("enable").textContent = t(soundOn ? "soundOn" : "enable");
  $("enable").className = soundOn ? "on" : "";
  const status = $("status");
  if (ear.state === "refused") {
    const [zh, en] = REFUSED[ear.refused];
    status.className = "refused";
    if (status.dataset.refused !== String(ear.refused)) { // drawn once: the link stays clickable
      status.dataset.refused = ear.refused;
      status.replaceChildren(...[zh, en].map((text) => Object.assign(document.createElement("span"), { textContent: text })));
      if (typeof ETQ !== "undefined") { // a sign-in page exists: a new token is one tap away
        status.append(Object.assign(document.createElement("a"), { href: "/signin?next=%2Fearpiece", textContent: "重新登录 · Sign in again" }));
      }
    }
  } else {
    status.className = ear.state === "online" ? "online" : "offline";
    status.textContent = ear.state === "online" ? `${t("online")} · ${postName($("post").value)}` : t(ear.state === "lost" ? "lost" : "connecting");
  }
  const alerts = [];
  if (ear.state === "lost" && lostSince !== null && Date.now() - lostSince >= LOST_GRACE_MS) alerts.push(t("lostAlert"));
  for (const camera of cameras) {
    if (cameraAlerted[camera.name]) alerts.push(t("cameraOff", camera.display_name || camera.name, word("camera_state", camera.error, lang)));
  }
  $("alert").hidden = alerts.length === 0;
  $("alert").replaceChildren(...alerts.map((text) => Object.assign(document.createElement("p"), { textContent: text })));
  // What the last status said of the cameras; nothing while it cannot be known.
  const states = cameras.map((c) => `${c.display_name || c.name} ${word("camera_state", c.online ? "online" : c.error || "offline", lang)}`);
  $("cameras").textContent = ear.state === "online" && states.length ? t("cameras") + states.join("、") : "";
  $("wake").textContent = ear.state === "refused" ? "" : [soundOn ? "" : t("noSound"), wake ? t(wake) : ""].filter(Boolean).join(" ");
  $("wake").className = wake === "wakeOn" && soundOn ? "note" : "note bad";
  renderPrompts();
}
function renderPrompts() {
  const [newest, ...older] = entries;
  $("empty").hidden = Boolean(newest) || ear.state === "refused";
  $("latest").hidden = !newest;
  if (newest) {
    const m = newest.message, latest = $("latest");
    latest.dataset.key = newest.key;
    latest.className = m.kind;
    latest.querySelector(".text").textContent = lang === "en" ? englishText(m) : m.text || word("event", m.type, lang);
    latest.querySelector(".where").textContent = [t("customer"), postName(m.post), cameraName(m.camera)].join(" · ");
    latest.querySelector(".ago").textContent = `${ago(m.captured_at)} · ${clockTime(m.captured_at)}`;
  }
  $("older").replaceChildren(...older.map(({ key, message: m }) => {
    const item = document.createElement("li");
    item.dataset.key = key; item.className = m.kind;
    for (const [name, text] of [["time", clockTime(m.captured_at)], ["text", lang === "en" ? englishText(m) : m.text], ["ago", ago(m.captured_at)]]) {
      item.appendChild(Object.assign(document.createElement("span"), { className: name, textContent: text }));
    }
    return item;
  }));
}

// Each second: ping the server, notice a silent one, sound the lost alert, age the times.
function tick() {
  const socket = ear.socket, now = Date.now();
  if (socket && socket.readyState === WebSocket.OPEN) {
    if (now - heard > SILENT_MS) { drop(socket); ear.socket = null; lost(); }
    else if (now - pinged >= PING_MS) { socket.send('{"kind":"ping"}'); pinged = now; }
  }
  if (ear.state === "lost" && lostSince !== null && now - lostSince >= LOST_GRACE_MS && now - lostToned >= LOST_REPEAT_MS) {
    lostToned = now; tone("connection");
  }
  render();
}

function installable() {
  // page.html has no block in <head>: the home-screen links are added here.
  const add = (tag, attributes) => document.head.appendChild(Object.assign(document.createElement(tag), attributes));
  add("link", { rel: "manifest", href: "/earpiece.webmanifest" });
  add("link", { rel: "apple-touch-icon", href: "/web/earpiece-192.png" });
  add("meta", { name: "theme-color", content: "#111111" });
  add("meta", { name: "apple-mobile-web-app-capable", content: "yes" });
}

function language() {
  if (typeof pageLanguage === "function") return pageLanguage(); // the bar's switch
  return localStorage.getItem("etiquette-lang") || (site && site.language) || "zh";
}

async function startEarpiece() {
  installable();
  lang = language();
  const [siteAnswer, postsAnswer] = await Promise.all([api("/api/site"), api("/api/posts")]);
  if (postsAnswer.status === 401 || postsAnswer.status === 403) return refuse(postsAnswer.status === 401 ? 4401 : 4403);
  if (siteAnswer.ok) site = await siteAnswer.json();
  lang = language();
  for (const post of postsAnswer.ok ? await postsAnswer.json() : []) {
    $("post").appendChild(Object.assign(document.createElement("option"), { value: post, textContent: postName(post) }));
  }
  const saved = localStorage.getItem("etiquette-post");
  if (saved !== null && [...$("post").options].some((o) => o.value === saved)) $("post").value = saved;
  $("post").onchange = () => {
    localStorage.setItem("etiquette-post", $("post").value);
    if (ear.state === "refused") return render();
    if (ear.socket) drop(ear.socket);
    ear.socket = null; ear.state = "connecting";
    connect(); render();
  };
  $("enable").onclick = enableSound;
  $("test").onclick = () => { enableSound(); tone("test"); if (promptAudio) setTimeout(() => say(promptAudio, "test"), 700); };
  // The navigation bar's switch when the page has one (it asks the page to redraw), else ours.
  $("lang").hidden = Boolean(document.getElementById("etq-lang"));
  $("lang").onclick = () => { lang = lang === "zh" ? "en" : "zh"; localStorage.setItem("etiquette-lang", lang); render(); };
  window.addEventListener("etiquette-language", (event) => { event.preventDefault(); lang = event.detail; render(); });
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") keepAwake(); });
  keepAwake();
  connect();
  setInterval(tick, 1000);
  render();
}

window.startEarpiece = startEarpiece;
})();
