// Shared by every page (web/page.html loads it after /web/vocabulary.js, before the page's own
// script). What a page may use:
//   token, params          the token: ?token= in the address first (an old link; it is then kept
//                          and taken out of the address), else the one /signin kept in the
//                          browser (localStorage); and the address's query as it was opened
//   api(url, options)      fetch() with the token in the Authorization header; it waits for the
//                          site (/api/site) first, so siteTime() is right when the data arrives
//   withToken(url)         url + ?token=, only for what the browser loads by itself (<img>,
//                          <audio>, <video>, EventSource, WebSocket, download links)
//   problemText(answer)    a failed answer (or a fetch error) as a person reads it: a Chinese
//                          sentence with the English beside it, never raw JSON (async)
//   siteTime(epochSeconds, style)  style "time" | "date" | "datetime": "09:30:05",
//                          "2026-12-04", "2026-12-04 09:30:05" in the branch's time zone
//                          (/api/site; the browser's may differ), the zone shown in the bar
//   siteEpoch(day, clock)  the epoch seconds of "YYYY-MM-DD" "HH:MM[:SS]" at the branch, e.g.
//                          from <input type=date> and <input type=time>
//   pageLanguage()         "zh" | "en": the bar's switch (localStorage "etiquette-lang"), else
//                          the site's language, else Chinese
//   signedIn               a promise of {me: {name, role}, site} once the token is checked
//                          (null when there is none); the bar is drawn by then
//   word(category, key, lang), quantity(value, unit, lang)  the catalogue's words
// The bar's language switch fires "etiquette-language" on window (detail: the language): a page
// that redraws itself calls event.preventDefault(); any other page is reloaded in it.
// Everything else lives in ETQ, so that no page's own names are taken.
const params = new URLSearchParams(location.search);
const ETQ = {
  TOKEN: "etiquette-token", LANG: "etiquette-lang", SITE: "etiquette-site",
  access: document.body.dataset.access || "token",  // "token": the page needs a sign-in
  signingIn: location.pathname === "/signin",  // that page handles ?token= itself
  leaving: false,
  site: (() => { try { return JSON.parse(localStorage.getItem("etiquette-site")); } catch { return null; } })(),
  // Each page, who may open it, and its name (zh, en) and line on the home page.
  PAGES: [
    { path: "/dashboard", roles: ["admin", "viewer"], name: ["实时看板", "Dashboard"], about: ["摄像头实时画面与今天的事件", "Live cameras and today's events"] },
    { path: "/clips", roles: ["admin", "viewer"], name: ["辅导片段", "Coaching clips"], about: ["播放、标记培训用、导出片段", "Play, keep for training, export"] },
    { path: "/report", roles: ["admin", "viewer"], name: ["班后报告", "Shift report"], about: ["一个班次的报告，PDF / CSV 下载", "A shift's report, PDF / CSV downloads"] },
    { path: "/calibrate", roles: ["admin"], name: ["摄像头标定", "Camera calibration"], about: ["地面标记、门线和区域", "Floor marks, door line and zones"] },
    { path: "/docs", roles: ["admin"], name: ["接口文档", "API docs"], about: ["HTTP 接口说明（Swagger UI；另见 /redoc）", "The HTTP API (Swagger UI; also /redoc)"], inUrl: true },
    { path: "/earpiece", roles: ["earpiece"], name: ["迎宾提示", "Earpiece"], about: ["客户进门时的语音提示", "Spoken prompts when a customer arrives"] },
  ],
};
if (ETQ.signingIn && params.get("out")) {  // signing out: this browser forgets the token
  localStorage.removeItem(ETQ.TOKEN); localStorage.removeItem(ETQ.SITE);
}
const token = (ETQ.signingIn ? "" : params.get("token")) || localStorage.getItem(ETQ.TOKEN) || "";
if (params.has("token") && !ETQ.signingIn) {  // out of the address bar (and history) at once
  const rest = new URLSearchParams(params); rest.delete("token");
  history.replaceState(null, "", location.pathname + (rest.toString() ? "?" + rest : "") + location.hash);
}

function withToken(url) { return url + (url.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token); }
function api(url, options = {}) {
  if (ETQ.leaving) return new Promise(() => {});  // on the way to /signin: nothing to show
  const send = () => fetch(url, { ...options, headers: { ...(options.headers || {}), Authorization: "Bearer " + token } });
  return ETQ.ready.then(send, send);
}
function pageLanguage() {
  const chosen = localStorage.getItem(ETQ.LANG);
  return chosen === "en" || chosen === "zh" ? chosen : (ETQ.site && ETQ.site.language) || "zh";
}
ETQ.say = (zh, en) => (pageLanguage() === "en" ? en : zh);

// What people read for an id (VOCABULARY comes from /web/vocabulary.js) and a number with its unit.
function word(category, key, lang) {
  const pair = (typeof VOCABULARY === "undefined" ? {} : VOCABULARY[category] || {})[key];
  return key == null ? "" : pair ? pair[lang === "en" ? 1 : 0] : String(key);
}
function quantity(value, unit, lang) {
  if (value == null || !Number.isFinite(Number(value))) return "–";
  const digits = UNIT_DIGITS[unit] ?? 1, suffix = UNITS[unit] || [" " + unit, " " + unit];
  return Number(value).toFixed(digits) + suffix[lang === "en" ? 1 : 0];
}

// Times at the branch: its IANA zone when it has one (summer time included), else its offset.
ETQ.zone = () => {
  const name = ETQ.site && ETQ.site.time_zone;
  if (!name || !(name.includes("/") || name === "UTC")) return null;
  try { new Intl.DateTimeFormat("en", { timeZone: name }); return name; } catch { return null; }
};
ETQ.parts = (seconds) => {
  let when = new Date(seconds * 1000), timeZone = ETQ.zone() || undefined;
  if (!timeZone && ETQ.site) { when = new Date(when.getTime() + ETQ.site.utc_offset_min * 60000); timeZone = "UTC"; }
  const format = new Intl.DateTimeFormat("en-GB", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  return Object.fromEntries(format.formatToParts(when).map(part => [part.type, part.value]));
};
function siteTime(epochSeconds, style = "datetime") {
  const seconds = Number(epochSeconds);
  if (epochSeconds == null || epochSeconds === "" || !Number.isFinite(seconds)) return "–";
  const p = ETQ.parts(seconds), date = `${p.year}-${p.month}-${p.day}`, time = `${p.hour}:${p.minute}:${p.second}`;
  return style === "time" ? time : style === "date" ? date : date + " " + time;
}
ETQ.offsetAt = (seconds) => {  // the branch's offset from UTC at that moment, in seconds
  const p = ETQ.parts(seconds);
  return Date.UTC(+p.year, p.month - 1, +p.day, +p.hour, +p.minute, +p.second) / 1000 - Math.floor(seconds);
};
function siteEpoch(day, clock = "00:00") {
  const [y, m, d] = day.split("-").map(Number), [hh, mm, ss = 0] = clock.split(":").map(Number);
  const wall = Date.UTC(y, m - 1, d, hh, mm, ss) / 1000;
  const guess = wall - ETQ.offsetAt(wall);
  return wall - ETQ.offsetAt(guess);  // twice: the offset may change between the two
}

// Refusals as people read them. The service sends the sentences for a refused token (zh, en);
// the rest are said here from the status and the English detail.
ETQ.roles = (roles, lang) => roles.map(r => word("role", r, lang)).join(lang === "en" ? " or " : "或");
ETQ.needsRole = (needed, role) =>
  `这里需要${ETQ.roles(needed, "zh")}的令牌；当前登录的是${ETQ.roles([role], "zh")} / ` +
  `This needs ${ETQ.article(ETQ.roles(needed, "en"))} token; you are signed in as ${ETQ.roles([role], "en")}`;
ETQ.article = (words) => (/^[aeiou]/i.test(words) ? "an " : "a ") + words;
async function problemText(answer) {
  if (!(answer instanceof Response)) return "无法连接服务，请检查网络 / Cannot reach the service; check the network";
  let body = null;
  try { body = await answer.clone().json(); } catch { body = null; }
  if (body && body.zh && body.en) return body.zh + " / " + body.en;
  const detail = !body || body.detail == null ? "" : Array.isArray(body.detail)
    ? body.detail.map(d => (d.loc ? d.loc.slice(1).join(".") + ": " : "") + d.msg).join("; ")
    : typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
  if (body && body.zh) return body.zh + " / " + detail;  // e.g. the calibration API's refusals
  if (answer.status === 401) return "登录已失效或令牌无效，请重新登录 / Your sign-in is no longer valid or the token is wrong; sign in again";
  if (answer.status === 404) return "找不到这个内容 / Not found" + (detail ? ": " + detail : "");
  return `请求未能完成（${answer.status}） / The request could not be completed (${answer.status})` + (detail ? ": " + detail : "");
}

// Signing in: a page that needs a token and has none goes to /signin, and back here after.
ETQ.here = () => location.pathname + location.search;
ETQ.leave = (why) => {
  ETQ.leaving = true;
  location.replace("/signin?" + (why ? "why=" + why + "&" : "") + "next=" + encodeURIComponent(ETQ.here()));
};
ETQ.fetchJson = async (url) => {
  const answer = await fetch(url, { headers: { Authorization: "Bearer " + token } });
  return { status: answer.status, body: answer.ok ? await answer.json() : null };
};
ETQ.check = async () => {
  if (!token) { if (ETQ.access === "token") ETQ.leave(""); return null; }
  const [me, site] = await Promise.all([ETQ.fetchJson("/api/me"), ETQ.fetchJson("/api/site")]);
  if (me.status === 401) {  // revoked, expired or mistyped: forget it, sign in again
    if (localStorage.getItem(ETQ.TOKEN) === token) localStorage.removeItem(ETQ.TOKEN);
    if (ETQ.access === "token" && !ETQ.signingIn) ETQ.leave("expired");
    return null;
  }
  if (!me.body) return null;
  if (site.body) { ETQ.site = site.body; localStorage.setItem(ETQ.SITE, JSON.stringify(site.body)); }
  if (params.get("token") === token) localStorage.setItem(ETQ.TOKEN, token);  // a link's token, now checked
  return { me: me.body, site: ETQ.site };
};

// The bar: the branch, this role's pages, the time zone, the language switch, sign-out.
ETQ.pageLink = (entry) => (entry.inUrl ? withToken(entry.path) : entry.path);
ETQ.drawBar = (session) => {
  const lang = pageLanguage(), $ = (id) => document.getElementById(id);
  document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
  $("etq-site").textContent = session && session.site ? session.site.site : ETQ.say("服务礼仪监测", "Service etiquette");
  const links = session ? ETQ.PAGES.filter(p => p.roles.includes(session.me.role)) : [];
  $("etq-links").replaceChildren(...links.map(entry => {
    const link = document.createElement("a");
    link.href = ETQ.pageLink(entry); link.textContent = entry.name[lang === "en" ? 1 : 0];
    if (entry.path === location.pathname) link.setAttribute("aria-current", "page");
    return link;
  }));
  const zone = session && session.site ? session.site.time_zone : "";
  const offset = session && session.site ? session.site.utc_offset_min : 0;
  const utc = "UTC" + (offset < 0 ? "−" : "+") + String(Math.floor(Math.abs(offset) / 60)).padStart(2, "0") + ":" + String(Math.abs(offset) % 60).padStart(2, "0");
  $("etq-zone").textContent = zone ? ETQ.say("时区 ", "Time zone ") + zone + (zone.startsWith("UTC") ? "" : " (" + utc + ")") : "";
  $("etq-lang").textContent = lang === "en" ? "中文" : "English";
  $("etq-signout").hidden = !session;
  $("etq-signout").textContent = ETQ.say("退出登录", "Sign out");
  const entry = ETQ.PAGES.find(p => p.path === location.pathname);
  const problem = $("etq-problem");
  // A page of another role says which role it needs (an error page has said it already).
  problem.hidden = !(ETQ.access === "token" && session && entry && !entry.roles.includes(session.me.role));
  if (!problem.hidden) {  // a token of another role: say which one this page needs
    problem.textContent = ETQ.needsRole(entry.roles, session.me.role);
    const again = document.createElement("a");
    again.href = "/signin?next=" + encodeURIComponent(ETQ.here()); again.textContent = "换个令牌登录 / Sign in with another token";
    problem.append(again);
  }
};
document.getElementById("etq-lang").addEventListener("click", () => {
  const lang = pageLanguage() === "en" ? "zh" : "en";
  localStorage.setItem(ETQ.LANG, lang);
  const redrawn = !window.dispatchEvent(new CustomEvent("etiquette-language", { detail: lang, cancelable: true }));
  if (redrawn) signedIn.then(ETQ.drawBar); else location.reload();
});

ETQ.drawBar(null);  // the language as kept, until the token is checked
const signedIn = ETQ.check().catch(() => null).then(session => { if (!ETQ.leaving) ETQ.drawBar(session); return session; });
ETQ.ready = signedIn;  // api() waits for the site's zone and language
