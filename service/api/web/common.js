// Shared by every page: the token the page was opened with (?token=) and two ways to use it.
// The token travels in the Authorization header; the API takes it in the URL only for what a
// browser loads by itself (pages, images, audio, video, event streams, sockets, downloads).
const params = new URLSearchParams(location.search);
const token = params.get("token") || "";
function withToken(url) { return url + (url.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token); }
function api(url, options = {}) {
  return fetch(url, { ...options, headers: { ...(options.headers || {}), Authorization: "Bearer " + token } });
}
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
