// The live check: the annotated live view under the drawings, and each person's feet with
// their distance to the door line, as the running camera (the saved file) places them.
let live = null, seen = [];
function drawPeople(k) {
  if (!live) return;
  seen.forEach((p, i) => {
    node("circle", { cx: p.feet_px[0], cy: p.feet_px[1], r: 6 * k, fill: "#00e5ff", stroke: "#000", "stroke-width": 1, "vector-effect": "non-scaling-stroke" });
    const near = p.door_m == null ? "" : " · " + fmt(p.door_m) + (lang === "zh" ? " 米" : " m");
    label(p.feet_px[0] + 9 * k, p.feet_px[1] + 4 * k, `${personName(i)}${near}`, "#00e5ff", k, true);
  });
}
function personName(i) { return (lang === "zh" ? "人" : "P") + (i + 1); }
function renderPeople() {
  const list = $("live-people"); list.innerHTML = "";
  $("live-note").textContent = edited.marks || edited.zones.size ? t("liveUnsaved") : "";
  if (!seen.length) { const item = document.createElement("li"); item.textContent = t("liveNobody"); list.appendChild(item); return; }
  seen.forEach((p, i) => { const item = document.createElement("li"); item.textContent = `${personName(i)}: ${t("livePerson", p)}`; list.appendChild(item); });
}
async function liveTick() {
  const name = cameraSelect.value;
  const [view, people] = await Promise.all([api(`/api/cameras/${name}/snapshot.jpg?t=${Date.now()}`), api(`/api/cameras/${name}/people`)]);
  if (!live || name !== cameraSelect.value) return;
  if (view.ok) {
    const previous = image.src;
    image.src = URL.createObjectURL(await view.blob());
    if (previous.startsWith("blob:")) URL.revokeObjectURL(previous);
  }
  if (people.ok) seen = ((await people.json()).people || []).sort((a, b) => a.track_id - b.track_id);
  renderPeople(); draw();
}
function stopLive() {
  if (!live) return;
  clearInterval(live); live = null; seen = [];
  $("live").hidden = true; $("live-check").dataset.t = "liveCheck"; $("live-check").textContent = t("liveCheck");
  $("live-check").classList.remove("active"); loadSnapshot();
}
$("live-check").onclick = () => {
  if (live) return stopLive();
  if (!size) return;
  live = setInterval(liveTick, 400); liveTick();
  $("live").hidden = false; $("live-check").dataset.t = "liveStop"; $("live-check").textContent = t("liveStop");
  $("live-check").classList.add("active");
};
