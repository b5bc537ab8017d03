// Drawing on the calibration picture: the SVG's units are the raw image's pixels and k turns
// screen pixels into them; labels move aside until they are clear of those drawn before.
const NS = "http://www.w3.org/2000/svg";
function node(name, attributes, parent = svg) {
  const el = document.createElementNS(NS, name);
  for (const [key, value] of Object.entries(attributes)) el.setAttribute(key, value);
  parent.appendChild(el); return el;
}
let taken = [];  // the boxes of labels drawn so far: a new label moves until it is clear of them
function label(x, y, text, color, k, dodge = false) {
  const el = node("text", { x, y, fill: color, "font-size": 13 * k }); el.textContent = text;
  const tries = dodge ? [[0, 0], [0, 18], [0, -16], [-1, 0], [-1, 18], [0, 34], [0, -32], [-1, -16], [0, 50], [0, -48]] : [[0, 0]];
  let box = el.getBBox();
  for (const [flip, down] of tries) {
    const left = flip ? x - box.width - 18 * k : x;
    el.setAttribute("x", left); el.setAttribute("y", y + down * k);
    box = el.getBBox();
    if (!taken.some(b => b.x < box.x + box.width && box.x < b.x + b.width && b.y < box.y + box.height && box.y < b.y + b.height)) break;
  }
  taken.push({ x: box.x, y: box.y, width: box.width, height: box.height });
  return el;
}
function line(points, color, width, extra = {}) {
  return node("polyline", { points: points.map(p => p.join(",")).join(" "), fill: "none", stroke: color,
    "stroke-width": width, "vector-effect": "non-scaling-stroke", ...extra });
}
