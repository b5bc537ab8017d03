// Shared by every page: the token the page was opened with (?token=) and two ways to use it.
// The token travels in the Authorization header; the API takes it in the URL only for what a
// browser loads by itself (pages, images, audio, video, event streams, sockets, downloads).
const params = new URLSearchParams(location.search);
const token = params.get("token") || "";
function withToken(url) { return url + (url.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token); }
function api(url, options = {}) {
  return fetch(url, { ...options, headers: { ...(options.headers || {}), Authorization: "Bearer " + token } });
}
