// The calibration page's lens step (optional, first): chessboard views captured from the
// camera or uploaded, where in the picture views are still missing, the fit's error and
// verdict, and saving the lens (the server refits the floor from its marks with it).
// Everything is inside one function: calibrate.js's names stay its own. It reads calibrate.js's
// `lang` and fills TEXT with its own words; the server's sentences come as {zh, en}.
(() => {
  Object.assign(TEXT.zh, {
    lensStep: "0 镜头（可选）",
    lensIntro: "用打印的棋盘格测出镜头的变形，地面位置和人的角度会更准（广角镜头尤其需要）。不做也可以，直接从第 1 步开始。",
    lensHelpTitle: "怎么做？",
    lensHelp: "<b>准备：</b>打印一张棋盘格（例如 8x8 个方格，就是 7x7 个内角点：四个方格相交的点），贴在硬纸板或平板上，一定要平；用尺子量一个方格的边长（毫米）。两个人做最方便：一人拿棋盘，一人点按钮（或用平板）。<br><b>拍：</b>把棋盘拿到摄像头前，整个棋盘都要在画面里，拿稳不动，点「从摄像头拍一张」。每拍一张换个位置：画面的四个角、四条边和中间都要有；棋盘前后左右倾斜 20 到 40 度，远近也变一变。一共拍 10 到 20 张。也可以上传这个摄像头拍的原大小照片。<br><b>看结果：</b>格子图里橙色的格子还没有棋盘，把棋盘拿到那里再拍。误差（RMS）小于 0.5 像素很好，超过 1 像素不能保存：删掉误差最大的几张（模糊、反光、棋盘弯了）再拍。<br><b>保存：</b>镜头参数写进这个摄像头的标定文件；已有的地面标记会按新镜头重新拟合，摄像头用新的标定重新运行，上一版保留可以恢复。",
    lensBoard: "棋盘格内角点（列x行）",
    lensSquare: "方格边长（毫米）",
    lensCapture: "从摄像头拍一张",
    lensUpload: "上传照片",
    lensSave: "保存镜头标定",
    lensClear: "清空全部视角",
    lensConfirmClear: "删除全部棋盘格视角？",
    lensViewsTitle: (n) => `棋盘格视角（${n} 张）`,
    lensNoViews: "还没有棋盘格视角。",
    lensCapturing: "正在拍…",
    lensUploading: (i, n) => `正在上传第 ${i} / ${n} 张…`,
    lensAdded: (n) => `已加入第 ${n} 张。`,
    lensUploadDone: (ok, bad) => `已加入 ${ok} 张${bad ? `，${bad} 张没有加入：` : "。"}`,
    lensFitting: "正在计算镜头参数…（视角多时要几秒）",
    lensNeedViews: (n, min) => `再拍 ${min - n} 张就能算出镜头参数（至少 ${min} 张，最好 10 到 20 张）。`,
    lensRms: (f) => `误差（RMS）${f.rms_px.toFixed(2)} 像素，用了 ${f.views_used} 张；焦距 ${Math.round(f.fx)} 像素。`,
    lensVerdict: { good: "很好，可以保存。", fair: "可以保存，但最好按下面的建议再补几张：", poor: "不够准，不能保存：" },
    lensCoverageAll: "画面各处都有棋盘格了。",
    lensCoverageTitle: "画面覆盖（橙色：还没拍到）",
    lensCurrent: (c) => `摄像头现在的镜头标定：焦距 ${Math.round(c.fx)} 像素${c.rms_px != null ? `，误差 ${c.rms_px.toFixed(2)} 像素` : ""}${c.views ? `（${c.views} 张）` : ""}。`,
    lensNoLens: "摄像头现在还没有镜头标定。",
    lensSaving: "正在保存…",
    lensSaved: (r) => `已保存镜头标定（误差 ${r.rms_px.toFixed(2)} 像素）。${r.floor_refitted ? `地面已按新镜头重新拟合：误差 ${fmt(r.fit_error_cm)} 厘米${r.height_m != null ? `，摄像头高度 ${r.height_m} 米，俯角 ${r.tilt_deg}°` : ""}。` : ""}摄像头已用新的标定重新运行。上一版已保留，可以恢复。`,
    lensCamera: "摄像头",
    lensLeftOut: "未计入",
    lensDelete: "删除这张",
    lensSaveWhy: (min) => `至少要有 ${min} 张视角、误差不超过 1 像素才能保存。`,
  });
  Object.assign(TEXT.en, {
    lensStep: "0 Lens (optional)",
    lensIntro: "A printed chessboard measures how the lens bends the picture, so floor positions and body angles come out more exactly (wide-angle lenses need it most). It can be skipped: start at step 1.",
    lensHelpTitle: "How?",
    lensHelp: "<b>Prepare:</b> print a chessboard (e.g. 8x8 squares, which has 7x7 inner corners: the points where four squares meet) and glue it to stiff card or a board: it must be flat. Measure one square with a ruler (mm). It is easiest with two people: one holds the board, one presses the button (or use a tablet).<br><b>Capture:</b> hold the board in front of the camera, all of it in the picture, keep it still and press Capture from camera. Move it for every view: the four corners, the four edges and the middle of the picture; tilt it 20 to 40 degrees forward, back, left and right, nearer and farther. 10 to 20 views in all. Photos this camera took at its own size can be uploaded too.<br><b>Read the result:</b> orange cells in the grid have no board yet: hold the board there and capture again. An error (RMS) under 0.5 px is very good; over 1 px cannot be saved: delete the views with the largest error (blurred, glare, a bent board) and capture more.<br><b>Save:</b> the lens goes into this camera's file; the floor marks already there are refitted with it, the camera runs with the new calibration, and the previous file is kept and can be restored.",
    lensBoard: "Board inner corners (cols x rows)",
    lensSquare: "Square size (mm)",
    lensCapture: "Capture from camera",
    lensUpload: "Upload photos",
    lensSave: "Save lens",
    lensClear: "Clear all views",
    lensConfirmClear: "Delete all chessboard views?",
    lensViewsTitle: (n) => `Chessboard views (${n})`,
    lensNoViews: "No chessboard views yet.",
    lensCapturing: "Capturing…",
    lensUploading: (i, n) => `Uploading ${i} of ${n}…`,
    lensAdded: (n) => `View ${n} added.`,
    lensUploadDone: (ok, bad) => `${ok} added${bad ? `; ${bad} not added:` : "."}`,
    lensFitting: "Fitting the lens… (a few seconds with many views)",
    lensNeedViews: (n, min) => `${min - n} more views and the lens is fitted (at least ${min}; 10 to 20 are best).`,
    lensRms: (f) => `Error (RMS) ${f.rms_px.toFixed(2)} px over ${f.views_used} views; focal length ${Math.round(f.fx)} px.`,
    lensVerdict: { good: "Very good: it can be saved.", fair: "It can be saved, but better add a few views as advised:", poor: "Not exact enough to save:" },
    lensCoverageAll: "Every part of the picture has a chessboard view.",
    lensCoverageTitle: "Picture coverage (orange: no board yet)",
    lensCurrent: (c) => `The camera's lens now: focal length ${Math.round(c.fx)} px${c.rms_px != null ? `, error ${c.rms_px.toFixed(2)} px` : ""}${c.views ? ` (${c.views} views)` : ""}.`,
    lensNoLens: "The camera has no lens calibration yet.",
    lensSaving: "Saving…",
    lensSaved: (r) => `Lens saved (error ${r.rms_px.toFixed(2)} px). ${r.floor_refitted ? `The floor was refitted with it: ${fmt(r.fit_error_cm)} cm${r.height_m != null ? `, camera height ${r.height_m} m, tilt ${r.tilt_deg}°` : ""}. ` : ""}The camera runs with the new calibration. The previous file was kept and can be restored.`,
    lensCamera: "camera",
    lensLeftOut: "left out",
    lensDelete: "Delete this view",
    lensSaveWhy: (min) => `Saving needs at least ${min} views and an error of at most 1 px.`,
  });

  const el = (id) => document.getElementById(id);
  const words = (key, ...args) => { const v = TEXT[lang][key]; return typeof v === "function" ? v(...args) : v; };
  const base = () => `/api/cameras/${encodeURIComponent(el("camera").value)}/lens`;
  let state = null, fitting = false, busy = false;
  // What the step says, kept as {zh, en} (or a function of the language) to redraw on a switch.
  let message = null, result = null;

  function noteOf(answer) {
    if (answer && typeof answer.zh === "string") return { zh: answer.zh, en: answer.detail };
    const text = answer && typeof answer.detail === "string" ? answer.detail : "";
    return { zh: TEXT.zh.failed + text, en: TEXT.en.failed + text };
  }
  function show(id, shown) {
    const box = el(id); box.innerHTML = "";
    if (!shown) { box.className = ""; return; }
    box.className = shown.cls;
    for (const line of shown.lines) {
      const item = document.createElement("div");
      item.textContent = typeof line === "function" ? line() : line[lang];
      box.appendChild(item);
    }
  }
  async function call(url, options = {}) {
    try {
      const response = await api(url, options);
      const answer = await response.json().catch(() => ({}));
      return { ok: response.ok, answer };
    } catch (error) {
      return { ok: false, answer: { detail: String(error), zh: TEXT.zh.failed + String(error) } };
    }
  }
  const boardQuery = () => `board=${encodeURIComponent(el("lens-board").value.trim())}&square_mm=${encodeURIComponent(el("lens-square").value.trim())}`;

  function renderCoverage() {
    const map = el("lens-coverage"), coverage = state?.coverage;
    map.innerHTML = "";
    if (!coverage) return;
    const [width, height] = state.image_size || [4, 3];
    map.style.aspectRatio = `${width} / ${height}`;
    map.style.gridTemplateColumns = `repeat(${coverage.columns}, 1fr)`;
    const last = state.views[state.views.length - 1];
    const behind = last && figures.get(figureKey(last))?.querySelector("img").src;
    map.style.backgroundImage = behind ? `url("${behind}")` : "none";
    const most = Math.max(1, ...coverage.counts.flat());
    for (const row of coverage.counts) for (const count of row) {
      const cell = document.createElement("div");
      cell.className = count ? "seen" : "missing";
      if (count) cell.style.background = `rgba(46, 125, 50, ${0.25 + 0.45 * count / most})`;
      cell.textContent = count || "";
      map.appendChild(cell);
    }
    const advice = coverage.advice;
    show("lens-coverage-note", !state.views.length ? null
      : advice ? { cls: "warn", lines: [advice] } : { cls: "ok", lines: [() => words("lensCoverageAll")] });
  }

  // A view's figure is kept while it is listed: its picture is loaded once, not on every answer.
  const figures = new Map();
  const figureKey = (view) => `${el("camera").value}/${view.id}/${view.version}`;
  async function loadPicture(img, view) {  // with the token in the header, not the URL
    const response = await api(`${base()}/pictures/${view.id}.jpg`).catch(() => null);
    if (!response?.ok) return;
    img.src = URL.createObjectURL(await response.blob()); img.alt = `#${view.number}`;
    if (state?.views.at(-1)?.id === view.id) renderCoverage();  // the grid's background
  }
  function forget(card) { const src = card.querySelector("img").src; if (src.startsWith("blob:")) URL.revokeObjectURL(src); }
  function figureOf(view) {
    const key = figureKey(view);
    if (figures.has(key)) return figures.get(key);
    const card = document.createElement("figure");
    card.dataset.id = view.id;
    const picture = document.createElement("img");
    loadPicture(picture, view);
    const remove = document.createElement("button");
    remove.className = "remove"; remove.textContent = "✕";
    remove.onclick = () => removeView(view.id);
    const caption = document.createElement("figcaption");
    caption.innerHTML = `<b></b> <span class="error-px"></span>`;
    caption.querySelector("b").textContent = `#${view.number}`;
    card.append(picture, remove, caption);
    figures.set(key, card);
    return card;
  }
  function renderViews() {
    const list = el("lens-views"), views = state?.views || [];
    el("lens-views-title").textContent = words("lensViewsTitle", views.length);
    if (!views.length) { list.innerHTML = ""; figures.forEach(forget); figures.clear(); const none = document.createElement("p"); none.textContent = words("lensNoViews"); list.appendChild(none); return; }
    const cards = views.map(view => {
      const card = figureOf(view), errorText = card.querySelector(".error-px");
      errorText.textContent = view.left_out ? words("lensLeftOut") : view.error_px == null ? "–" : `${view.error_px.toFixed(2)} px`;
      errorText.className = "error-px " + (view.left_out || view.error_px > 1 ? "bad" : view.error_px > 0.5 ? "poor" : view.error_px != null ? "good" : "");
      card.title = view.source === "camera" ? words("lensCamera") : view.label;
      const remove = card.querySelector(".remove");
      remove.title = words("lensDelete"); remove.setAttribute("aria-label", `${words("lensDelete")} #${view.number}`);
      return card;
    });
    list.replaceChildren(...cards);
    for (const [key, card] of figures) if (!cards.includes(card)) { forget(card); figures.delete(key); }
  }

  function renderFit() {
    const fit = state?.fit, count = state?.views.length || 0, min = state?.min_views || 5;
    if (fitting) show("lens-fit", { cls: "", lines: [() => words("lensFitting")] });
    else if (!fit) show("lens-fit", count ? { cls: "", lines: [() => words("lensNeedViews", count, min)] } : null);
    else {
      // The coverage advice has a line of its own under the fit: not twice.
      const covered = state.coverage.advice?.en, advice = fit.advice.filter(a => a.en !== covered);
      show("lens-fit", { cls: "", lines: [] });
      const lines = [[fit.rms_px <= 0.5 ? "ok" : fit.rms_px <= 1 ? "warn" : "error", words("lensRms", fit)],
        [{ good: "ok", fair: "warn", poor: "error" }[fit.verdict], words("lensVerdict")[fit.verdict]],
        ...advice.map(a => ["warn", "• " + a[lang]])];
      for (const [cls, text] of lines) {
        const line = document.createElement("div"); line.className = cls; line.textContent = text;
        el("lens-fit").appendChild(line);
      }
    }
    el("lens-save").disabled = !fit || fit.verdict === "poor" || busy;
    el("lens-save").title = el("lens-save").disabled ? words("lensSaveWhy", min) : "";
    const current = state?.camera_lens;
    el("lens-current").textContent = current ? words("lensCurrent", current) : state ? words("lensNoLens") : "";
  }

  function render() {
    renderViews(); renderCoverage(); renderFit(); show("lens-message", message); show("lens-result", result);
    for (const id of ["lens-capture", "lens-clear"]) el(id).disabled = busy;
    el("lens-files").disabled = busy;
  }

  async function load(withFit = true) {
    const camera = el("camera").value;
    if (!camera) return;
    if (withFit && (state?.views.length || 0) >= (state?.min_views || 5)) { fitting = true; renderFit(); }
    const { ok, answer } = await call(base());
    fitting = false;
    if (camera !== el("camera").value) return;
    if (!ok) { message = { cls: "error", lines: [noteOf(answer)] }; render(); return; }
    state = answer;
    if (state.board && state.views.length) {
      el("lens-board").value = `${state.board.columns}x${state.board.rows}`;
      el("lens-square").value = state.board.square_mm;
    }
    render();
  }

  async function adding(work) {
    busy = true; result = null; render();
    try { await work(); } finally { busy = false; }
    render(); await load();
  }

  el("lens-capture").onclick = () => adding(async () => {
    message = { cls: "", lines: [() => words("lensCapturing")] }; show("lens-message", message);
    const { ok, answer } = await call(`${base()}/capture?${boardQuery()}`, { method: "POST" });
    if (ok) {
      state = answer.state; const n = answer.view.number; message = { cls: "ok", lines: [() => words("lensAdded", n)] };
      el("reload").click();  // the big picture shows the frame just captured
    } else message = { cls: "error", lines: [noteOf(answer)] };
  });

  el("lens-files").onchange = () => adding(async () => {
    const files = [...el("lens-files").files];
    el("lens-files").value = "";
    let added = 0;
    const refused = [];
    for (const [index, file] of files.entries()) {
      message = { cls: "", lines: [() => words("lensUploading", index + 1, files.length)] }; show("lens-message", message);
      const url = `${base()}/views?${boardQuery()}&filename=${encodeURIComponent(file.name)}`;
      const { ok, answer } = await call(url, { method: "POST", headers: { "Content-Type": file.type || "image/jpeg" }, body: file });
      if (ok) { added += 1; state = answer.state; renderViews(); renderCoverage(); }
      else { const note = noteOf(answer); refused.push({ zh: `${file.name}：${note.zh}`, en: `${file.name}: ${note.en}` }); }
    }
    message = { cls: refused.length ? "warn" : "ok", lines: [() => words("lensUploadDone", added, refused.length), ...refused] };
  });

  async function removeView(id) {
    busy = true; render();
    const { ok, answer } = await call(`${base()}/views/${id}`, { method: "DELETE" });
    busy = false;
    message = ok ? null : { cls: "error", lines: [noteOf(answer)] };
    if (ok) state = answer;
    render(); await load();
  }

  el("lens-clear").onclick = async () => {
    if (!state?.views.length || !confirm(words("lensConfirmClear"))) return;
    const { ok, answer } = await call(`${base()}/clear`, { method: "POST" });
    message = ok ? null : { cls: "error", lines: [noteOf(answer)] };
    if (ok) state = answer;
    render();
  };

  el("lens-save").onclick = async () => {
    busy = true; result = { cls: "", lines: [() => words("lensSaving")] }; render();
    const { ok, answer } = await call(`${base()}/save`, { method: "POST" });
    busy = false;
    if (ok) {
      const warnings = (answer.warnings || []).map(w => ({ zh: "⚠ " + w.zh, en: "⚠ " + w.en }));
      result = { cls: warnings.length ? "warn" : "ok", lines: [() => words("lensSaved", answer), ...warnings] };
      // The floor step shows the file as saved now (its floor refitted with the new lens).
      if (typeof loadCurrent === "function") loadCurrent(false);
    } else result = { cls: "error", lines: [noteOf(answer)] };
    render(); await load(false);
  };

  const style = document.createElement("style");
  style.textContent = `
    #step-lens .row label { flex-direction: column; }
    #lens-board { width: 5rem; } #lens-square { width: 5rem; }
    #lens-upload { display: inline-block; font-size: .95rem; padding: .35rem .6rem; margin: .15rem .1rem; border: 1px solid #767676; border-radius: 3px; background: #efefef; cursor: pointer; }
    #lens-upload:has(input:disabled) { opacity: .5; cursor: default; }
    #lens-files { position: absolute; width: 1px; height: 1px; opacity: 0; }
    #lens-overview { display: flex; flex-wrap: wrap; gap: .6rem; align-items: flex-start; margin: .4rem 0; }
    #lens-map { flex: 0 1 220px; min-width: 180px; font-size: .8rem; color: #555; }
    #lens-coverage { display: grid; width: 100%; background: #ddd center / cover no-repeat; border: 1px solid #999; }
    #lens-coverage div { border: 1px solid #fff8; display: flex; align-items: center; justify-content: center; font: bold 11px system-ui, sans-serif; color: #fff; text-shadow: 0 0 2px #000; }
    #lens-coverage .missing { background: repeating-linear-gradient(45deg, #ff9800cc 0 6px, #ffb74dcc 6px 12px); }
    #lens-summary { flex: 1 1 200px; font-size: .9rem; line-height: 1.4; }
    #lens-summary > div { margin-bottom: .3rem; }
    #lens-views { display: grid; grid-template-columns: repeat(auto-fill, minmax(84px, 1fr)); gap: .35rem; margin: .3rem 0; }
    #lens-views figure { position: relative; margin: 0; background: #f4f4f4; border-radius: .3rem; overflow: hidden; }
    #lens-views img { display: block; width: 100%; aspect-ratio: 4 / 3; object-fit: cover; background: #ddd; }
    #lens-views img:not([src]) { visibility: hidden; }  /* a grey box until it has loaded */
    #lens-views figure:has(img:not([src])) { background: #ddd; }
    #lens-views figcaption { display: flex; justify-content: space-between; gap: .2rem; padding: .1rem .3rem; font-size: .8rem; white-space: nowrap; }
    #lens-views .remove { position: absolute; top: 2px; right: 2px; padding: .05rem .35rem; margin: 0; font-size: .8rem; background: #fffd; border: 1px solid #888; border-radius: 3px; }
    #lens-message, #lens-result, #lens-coverage-note { font-size: .9rem; line-height: 1.4; margin: .3rem 0; }
    #lens-views-title { font-size: .9rem; font-weight: bold; margin: .4rem 0 .1rem; }
    #lens-current { color: #555; }`;
  document.head.appendChild(style);

  // calibrate.js switches the language by setting <html lang>: redraw this step's sentences.
  new MutationObserver(render).observe(document.documentElement, { attributes: true, attributeFilter: ["lang"] });
  el("camera").addEventListener("change", () => { state = null; message = result = null; render(); load(); });
  document.addEventListener("DOMContentLoaded", () => {
    const waiting = setInterval(() => {  // calibrate.js lists the cameras first
      if (!el("camera").value) return;
      clearInterval(waiting); load();
    }, 200);
  });
})();
