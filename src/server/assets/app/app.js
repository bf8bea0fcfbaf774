// carecircle's web app: audit (回头看), review (规划审查) and compare (整改对比) over the service's own API.
// It judges nothing itself: every verdict comes from the server. Chinese first, English on a switch.
import * as maplibregl from "./vendor/maplibre-gl/maplibre-gl.mjs";

// ---------- words ----------
const WORDS = {
  "app.title": ["养老服务设施布局核查", "Elderly-care facility layout checks"],
  "tab.audit": ["回头看", "Audit"],
  "tab.review": ["规划审查", "Plan review"],
  "tab.compare": ["整改对比", "Compare runs"],
  dataset: ["数据集", "Dataset"],
  "rulesets.legend": ["规则集（核查与审查共用）", "Rulesets (for checks and reviews)"],
  "review.save": ["下载方案 GeoJSON", "Download the proposal (GeoJSON)"],
  mode: ["模式", "Mode"],
  "mode.audit": ["回头看（只计已建成设施）", "audit (built facilities only)"],
  "mode.review": ["规划审查（含规划设施）", "review (planned facilities count)"],
  as_of: ["核查日期", "As of"],
  ledger: ["台账层级", "Ledger level"],
  "ledger.none": ["不分", "none"],
  "ledger.street": ["街道（乡镇）", "street (township)"],
  "ledger.community": ["社区（村）", "community (village)"],
  token: ["令牌", "Token"],
  "audit.run": ["运行核查", "Run a check"],
  "audit.run_button": ["运行核查", "Run the check"],
  "audit.kept": ["已保存的核查", "Kept runs"],
  open: ["打开", "Open"],
  filter: ["按街道或社区筛选", "Filter by street or community"],
  find: ["按编号查找对象", "Find a subject by id"],
  "find.button": ["查看", "Show"],
  "filter.all": ["全部", "all"],
  "rules.caption": ["规则结果", "Rules"],
  findings: ["问题清单", "Findings"],
  "review.title": ["规划审查", "Plan review"],
  "review.drop": ["把方案 GeoJSON 拖到这里，或在下面选择文件", "Drop the proposal GeoJSON here, or choose the file below"],
  "review.draw": ["在地图上绘制", "Draw on the map"],
  households: ["户数", "Households"],
  kind: ["类型", "Kind"],
  "kind.new": ["新建", "new"],
  "kind.existing": ["已建成", "existing"],
  "review.draw_area": ["画小区（单击加点，双击或回车结束）", "Draw an area (click corners; double-click or Enter ends)"],
  tier: ["层级", "Tier"],
  status_: ["状态", "Status"],
  "status.planned": ["规划", "planned"],
  "status.building": ["在建", "building"],
  "status.operating": ["运营中", "operating"],
  floor_area: ["建筑面积（平方米）", "Floor area (m²)"],
  "review.draw_facility": ["放设施（单击地图）", "Place a facility (click the map)"],
  "review.clear": ["清空方案", "Clear the proposal"],
  "review.run": ["审查", "Review"],
  "compare.title": ["整改对比", "Compare two runs"],
  "compare.old": ["较早的核查", "Earlier run"],
  "compare.new": ["较新的核查", "Later run"],
  "compare.run": ["对比", "Compare"],
};
const TIERS = {
  regional_center: ["区域性养老服务中心", "regional centre", "中", "#6a3d9a"],
  daycare_center: ["日间照料中心", "day-care centre", "日", "#1f78b4"],
  station: ["社区居家养老服务站", "community station", "站", "#33a02c"],
  happiness_court: ["农村幸福院", "happiness court", "幸", "#b15928"],
  institution: ["养老机构", "institution", "院", "#e31a1c"],
  canteen: ["长者食堂", "canteen", "食", "#ff7f00"],
  medical: ["医疗机构", "medical", "医", "#666666"],
};
let lang = localStorage.getItem("carecircle.lang") === "en" ? "en" : "zh";
const t = (key) => (WORDS[key] ? WORDS[key][lang === "zh" ? 0 : 1] : key);
const one = (zh, en) => (lang === "zh" ? zh : en);

// ---------- the API ----------
const api = (path) => new URL("../" + path, location.href).href;
async function call(path, options = {}) {
  const response = await fetch(api(path), options);
  const text = await response.text();
  let body;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = { error: text };
  }
  if (!response.ok) {
    const why = (body && (body.detail || body.error || body.title || body.message)) || response.statusText;
    throw new Error(`${response.status}: ${why}`);
  }
  return body;
}
const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c.nodeType ? c : String(c));
  return e;
};
function status(text, error = false) {
  $("status").textContent = text;
  $("status").className = error ? "error" : "";
}
const fmt = (x) => (x === null || x === undefined ? "—" : typeof x === "number" ? (Math.round(x * 10) / 10).toLocaleString(lang === "zh" ? "zh-CN" : "en") : x);
const passText = (pass) => (pass ? el("span", { class: "pass" }, "✓ ", one("通过", "pass")) : el("span", { class: "fail" }, "✗ ", one("不通过", "fail")));

// ---------- state ----------
const state = {
  config: null,
  rules: {}, // rule id -> its /rules entry
  collections: [], // { id, layer, family } of the dataset
  run: null, // check.json of the open run
  runId: null,
  unit: "", // filter
  proposal: { type: "FeatureCollection", features: [] },
  verdict: null,
  comparison: null,
  view: "audit",
};
window.carecircle = { state };

// ---------- map ----------
const style = { version: 8, sources: {}, layers: [{ id: "paper", type: "background", paint: { "background-color": "#f4f1ea" } }] };
const map = new maplibregl.Map({ container: "map", style, center: [119.48, 25.985], zoom: 11, attributionControl: false, fadeDuration: 0 });
map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-left");
map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
map.addControl(new maplibregl.AttributionControl({ compact: true, customAttribution: "carecircle" }));
window.carecircle.map = map;
const mapReady = new Promise((resolve) => map.on("load", resolve));

function image(size, draw) {
  const c = document.createElement("canvas");
  c.width = c.height = size;
  const g = c.getContext("2d");
  draw(g, size);
  return g.getImageData(0, 0, size, size);
}
function addImages() {
  for (const [tier, [, , glyph, colour]] of Object.entries(TIERS)) {
    map.addImage(`tier-${tier}`, image(40, (g, s) => {
      g.fillStyle = colour;
      g.strokeStyle = "#fff";
      g.lineWidth = 3;
      g.beginPath();
      g.arc(s / 2, s / 2, s / 2 - 3, 0, 2 * Math.PI);
      g.fill();
      g.stroke();
      g.fillStyle = "#fff";
      g.font = "bold 22px 'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif";
      g.textAlign = "center";
      g.textBaseline = "middle";
      g.fillText(glyph, s / 2, s / 2 + 1);
    }), { pixelRatio: 2 });
  }
  const hatch = (name, colour) =>
    map.addImage(name, image(16, (g, s) => {
      g.strokeStyle = colour;
      g.lineWidth = 3;
      g.beginPath();
      g.moveTo(0, s);
      g.lineTo(s, 0);
      g.moveTo(-s / 2, s / 2);
      g.lineTo(s / 2, -s / 2);
      g.moveTo(s / 2, s * 1.5);
      g.lineTo(s * 1.5, s / 2);
      g.stroke();
    }));
  hatch("hatch-red", "rgba(200,30,30,0.85)");
  hatch("hatch-purple", "rgba(110,40,160,0.8)");
}

// Appended after new URL(), which would escape the braces of the template.
const tileUrl = (id) => api(`collections/${encodeURIComponent(id)}/tiles/WebMercatorQuad/`) + "{z}/{y}/{x}";
function dropSources(prefix) {
  for (const layer of map.getStyle().layers.filter((l) => l.source && l.source.startsWith(prefix))) map.removeLayer(layer.id);
  for (const source of Object.keys(map.getStyle().sources)) if (source.startsWith(prefix)) map.removeSource(source);
}
function removeLayers(prefix) {
  for (const layer of map.getStyle().layers.filter((l) => l.id.startsWith(prefix))) map.removeLayer(layer.id);
}
const vector = (id) => ({ type: "vector", tiles: [tileUrl(id)], minzoom: 0, maxzoom: 22 });

/** The dataset's layers as the base map: admin units, roads, residential areas, facilities. */
async function showDataset() {
  const name = state.dataset;
  const all = (await call("collections")).collections.filter((c) => c.id.startsWith(name + ".") && !c.id.startsWith("check-"));
  state.collections = await Promise.all(
    all.map(async (c) => {
      const rest = c.id.slice(name.length + 1);
      const layer = rest.replace(/-(points|lines|polygons)$/, "");
      const set = await call(`collections/${encodeURIComponent(c.id)}/tiles/WebMercatorQuad`);
      return { id: c.id, layer, family: set.layers[0].geometryType, bbox: c.extent && c.extent.spatial && c.extent.spatial.bbox[0] };
    }),
  );
  await mapReady;
  removeLayers("cmp:");
  dropSources("run:");
  dropSources("ds:");
  const order = ["admin_units", "roads", "residential_areas", "facilities"];
  for (const layer of order) {
    for (const c of state.collections.filter((c) => c.layer === layer)) {
      const src = `ds:${c.id}`;
      map.addSource(src, vector(c.id));
      const common = { source: src, "source-layer": c.id };
      if (layer === "admin_units") {
        map.addLayer({ id: `${src}:line`, type: "line", ...common, paint: { "line-color": "#4a4a6a", "line-width": ["match", ["get", "level"], "district", 3, "street", 2, "township", 2, 0.8], "line-dasharray": [3, 2] } });
      } else if (layer === "roads") {
        map.addLayer({ id: `${src}:line`, type: "line", ...common, paint: { "line-color": "#b4aa98", "line-width": 1.2 } });
      } else if (layer === "residential_areas" && c.family === "polygons") {
        map.addLayer({ id: `${src}:fill`, type: "fill", ...common, paint: { "fill-color": "#8cc084", "fill-opacity": 0.6 } });
        map.addLayer({ id: `${src}:line`, type: "line", ...common, paint: { "line-color": "#2f6b2a", "line-width": 1 } });
      } else if (layer === "residential_areas") {
        map.addLayer({ id: `${src}:circle`, type: "circle", ...common, paint: { "circle-color": "#8cc084", "circle-radius": 5, "circle-stroke-color": "#2f6b2a", "circle-stroke-width": 1 } });
      } else if (layer === "facilities") {
        // Below zoom 13 a city's facilities are dots in their tier's colour; closer, each shows its tier's glyph.
        const colours = ["match", ["get", "tier"], ...Object.entries(TIERS).flatMap(([k, v]) => [k, v[3]]), "#666666"];
        map.addLayer({ id: `${src}:dot`, type: "circle", ...common, maxzoom: 13, paint: { "circle-color": colours, "circle-radius": ["interpolate", ["linear"], ["zoom"], 8, 1.5, 13, 4], "circle-stroke-color": "#fff", "circle-stroke-width": 0.5 } });
        map.addLayer({ id: `${src}:icon`, type: "symbol", ...common, minzoom: 13, layout: { "icon-image": ["concat", "tier-", ["get", "tier"]], "icon-allow-overlap": true, "icon-size": 1 } });
      }
    }
  }
  const areas = state.collections.find((c) => c.layer === "admin_units") || state.collections[0];
  if (areas && areas.bbox) map.fitBounds([[areas.bbox[0], areas.bbox[1]], [areas.bbox[2], areas.bbox[3]]], { padding: 30, duration: 0 });
  legend();
}
const datasetLayers = (layer) => state.collections.filter((c) => c.layer === layer).flatMap((c) => map.getStyle().layers.filter((l) => l.source === `ds:${c.id}`).map((l) => l.id));

/** A run's findings drawn over the dataset: uncovered areas hatched red, failing units outlined red. */
function showRunOnMap() {
  dropSources("run:");
  if (!state.run) return;
  const radius = Object.values(state.rules).filter((r) => r.kind === "service_radius").map((r) => r.id);
  for (const family of ["polygons", "points"]) {
    const id = `check-${state.runId}.findings-${family}`;
    if (!state.runCollections.includes(id)) continue;
    const src = `run:${id}`;
    map.addSource(src, vector(id));
    const common = { source: src, "source-layer": id };
    if (family === "polygons") {
      const isRadius = ["in", ["get", "rule"], ["literal", radius]];
      map.addLayer({ id: `${src}:uncovered`, type: "fill", ...common, filter: ["all", ["==", ["get", "layer"], "residential_areas"], isRadius], paint: { "fill-pattern": "hatch-red" } });
      map.addLayer({ id: `${src}:uncovered-line`, type: "line", ...common, filter: ["all", ["==", ["get", "layer"], "residential_areas"], isRadius], paint: { "line-color": "#b3261e", "line-width": 2.5 } });
      map.addLayer({ id: `${src}:area-other`, type: "line", ...common, filter: ["all", ["==", ["get", "layer"], "residential_areas"], ["!", isRadius]], paint: { "line-color": "#e07b00", "line-width": 2.5, "line-dasharray": [2, 1] } });
      map.addLayer({ id: `${src}:unit-fill`, type: "fill", ...common, filter: ["==", ["get", "layer"], "admin_units"], paint: { "fill-color": "#b3261e", "fill-opacity": 0.07 } }, firstDatasetLayer("residential_areas"));
      map.addLayer({ id: `${src}:unit-line`, type: "line", ...common, filter: ["==", ["get", "layer"], "admin_units"], paint: { "line-color": "#b3261e", "line-width": 2, "line-dasharray": [1, 1] } });
    } else {
      map.addLayer({ id: `${src}:ring`, type: "circle", ...common, paint: { "circle-radius": 13, "circle-color": "rgba(0,0,0,0)", "circle-stroke-color": "#b3261e", "circle-stroke-width": 3 } }, firstDatasetLayer("facilities"));
    }
  }
  runVisibility();
  legend();
}
/** A run's findings show in the audit view only: review and compare draw their own. */
function runVisibility() {
  for (const l of map.getStyle().layers.filter((l) => l.id.startsWith("run:")))
    map.setLayoutProperty(l.id, "visibility", state.view === "audit" ? "visible" : "none");
}
function firstDatasetLayer(layer) {
  return datasetLayers(layer)[0];
}

/** The subject picked, its counted facilities and the lines to them. */
function showExplanation(features) {
  const data = { type: "FeatureCollection", features };
  if (map.getSource("explain")) {
    map.getSource("explain").setData(data);
    return;
  }
  map.addSource("explain", { type: "geojson", data });
  map.addLayer({ id: "explain:fill", type: "fill", source: "explain", filter: ["==", ["get", "role"], "subject"], paint: { "fill-color": "#1565c0", "fill-opacity": 0.15 } });
  map.addLayer({ id: "explain:outline", type: "line", source: "explain", filter: ["==", ["get", "role"], "subject"], paint: { "line-color": "#1565c0", "line-width": 3 } });
  map.addLayer({ id: "explain:reach", type: "line", source: "explain", filter: ["==", ["get", "role"], "reach"], paint: { "line-color": "#1565c0", "line-width": 2, "line-dasharray": [2, 2] } });
  map.addLayer({ id: "explain:facility", type: "circle", source: "explain", filter: ["==", ["get", "role"], "facility"], paint: { "circle-radius": 15, "circle-color": "rgba(0,0,0,0)", "circle-stroke-color": "#1565c0", "circle-stroke-width": 3 } });
}

function legend() {
  const box = $("legend");
  box.replaceChildren(el("strong", {}, one("图例", "Legend")));
  const row = (style, text) => box.append(el("div", {}, el("i", { style }), text));
  const hatch = "background: repeating-linear-gradient(-45deg, #c81e1e 0 3px, transparent 3px 7px);";
  if (state.view === "compare" && state.comparison) {
    row("border: 3px solid #1a6b2f; background: #fff;", one("已整改（实线绿框）", "fixed (solid green)"));
    row("border: 3px dashed #b3261e; background: #fff;", one("新增问题（红色虚线）", "new (dashed red)"));
    row("border: 3px dotted #e07b00; background: #fff;", one("仍未整改（橙色点线）", "still failing (dotted orange)"));
    return;
  }
  row("background: #8cc084;", one("居住区", "residential area"));
  if (state.run && state.view === "audit") {
    row(hatch + "border-color:#b3261e;", one("未覆盖（红色斜线）", "not covered (red hatching)"));
    row("border: 2px dashed #e07b00; background: #fff;", one("其他规则不达标（橙色虚框）", "fails another rule (dashed orange)"));
    row("border: 2px dotted #b3261e; background: rgba(179,38,30,.07);", one("行政区划不达标（红色点线）", "admin unit fails (dotted red)"));
    row("border-radius: 50%; border: 3px solid #b3261e; background: #fff;", one("设施不达标（红圈）", "facility fails (red ring)"));
  }
  if (state.view === "review" && state.proposal.features.length)
    row("background: repeating-linear-gradient(-45deg, #6e28a0 0 3px, transparent 3px 7px);", one("方案（紫色斜线），虚线圈为服务半径", "proposal (purple hatching); dashed circle: service radius"));
  for (const [, [zh, en, glyph, colour]] of Object.entries(TIERS))
    box.append(el("div", {}, el("i", { style: `background:${colour}; border-radius: 50%; color: #fff; text-align: center; font-size: .7rem; line-height: .9rem;` }, glyph), one(zh, en)));
}

// ---------- the page ----------
function translate() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  for (const e of document.querySelectorAll("[data-t]")) e.textContent = t(e.dataset.t);
  $("lang").textContent = lang === "zh" ? "English" : "中文";
  $("lang").lang = lang === "zh" ? "en" : "zh-CN";
  fillTiers();
  if (state.run) renderRun();
  if (state.verdict) renderVerdict();
  if (state.comparison) renderComparison();
  renderProposalSummary();
  legend();
}
function fillTiers() {
  const keep = $("draw-tier").value || "station";
  $("draw-tier").replaceChildren(...Object.entries(TIERS).slice(0, 4).map(([key, [zh, en]]) => el("option", { value: key }, one(zh, en))));
  $("draw-tier").value = keep;
}

function selectView(view) {
  state.view = view;
  for (const v of ["audit", "review", "compare"]) {
    $(v).hidden = v !== view;
    $(`tab-${v}`).setAttribute("aria-selected", String(v === view));
    $(`tab-${v}`).tabIndex = v === view ? 0 : -1;
  }
  $("detail").hidden = true;
  $("rulesets").hidden = view === "compare";
  if (map.getSource("explain")) showExplanation([]);
  runVisibility();
  if (map.getSource("proposal")) map.setLayoutProperty("proposal:fill", "visibility", view === "review" ? "visible" : "none");
  for (const id of ["proposal:line", "proposal:reach", "proposal:point"]) if (map.getLayer(id)) map.setLayoutProperty(id, "visibility", view === "review" ? "visible" : "none");
  showCompareOnMap();
  legend();
}

async function loadRuns() {
  const { checks } = await call("checks");
  state.runs = checks.filter((c) => c.dataset === state.dataset).sort((a, b) => b.id - a.id);
  const label = (c) => `#${c.id} · ${c.as_of} · ${c.mode} · ${c.rulesets.join("+")} · ${c.findings} ${one("条问题", "findings")}`;
  const options = () => state.runs.map((c) => el("option", { value: c.id }, label(c)));
  $("runs").replaceChildren(...options());
  // Compare offers the runs by the day they judged (then the order made): by default the earlier day is
  // 旧 and the later 新, whichever was run first.
  const byDay = [...state.runs].sort((a, b) => a.as_of.localeCompare(b.as_of) || a.id - b.id);
  const dayOptions = () => byDay.map((c) => el("option", { value: c.id }, label(c)));
  $("compare-old").replaceChildren(...dayOptions());
  $("compare-new").replaceChildren(...dayOptions());
  if (byDay.length > 1) {
    $("compare-old").value = byDay[byDay.length - 2].id;
    $("compare-new").value = byDay[byDay.length - 1].id;
  }
}

async function openRun(id) {
  status(one("正在打开核查…", "Opening the run…"));
  const [run, summary] = await Promise.all([call(`checks/${id}`), call("checks")]);
  state.run = run;
  state.runId = Number(id);
  const kept = summary.checks.find((c) => c.id === Number(id));
  state.runLinks = kept ? kept.links : [];
  state.runCollections = state.runLinks.filter((l) => l.rel === "collection").map((l) => l.href.split("/collections/")[1]);
  state.unit = "";
  if (state.dataset !== run.request.dataset) {
    state.dataset = run.request.dataset;
    $("dataset").value = state.dataset;
    await showDataset();
  }
  renderRun();
  showRunOnMap();
  $("run").hidden = false;
  status(one(`已打开核查 #${id}`, `Run #${id} opened`));
}

function renderRun() {
  const run = state.run;
  $("run-title").textContent = `${one("核查", "Run")} #${state.runId} · ${run.dataset} · ${one("核查日期", "as of")} ${run.as_of} · ${run.mode}`;
  // Rulesets asked for but not yet in force on the day judged were not applied: say so, by name.
  const skipped = (run.not_in_force || []).map((r) => `${r.ruleset}（${one(`${r.effective} 起施行`, `in force from ${r.effective}`)}）`);
  document.querySelectorAll("#not-in-force").forEach((e) => e.remove());
  if (skipped.length) {
    $("run-title").after(el("p", { id: "not-in-force", class: "warnings", role: "note" },
      one("未适用（核查日期时尚未施行）：", "Not applied (not yet in force on the day judged): "), skipped.join("、")));
  }
  const dl = [
    ["report.html", one("报告", "report")],
    ["findings.xlsx", one("台账 Excel", "ledger (Excel)")],
    ["findings.csv", "CSV"],
    ["findings", "GeoJSON"],
  ];
  $("run-downloads").replaceChildren(one("下载：", "Download: "), ...dl.map(([path, text]) => el("a", { href: api(`checks/${state.runId}/${path}`), download: path === "report.html" ? null : `check-${state.runId}-${path === "findings" ? "findings.geojson" : path}` }, text)));
  // The filter: streets and communities of the run.
  const levels = { street: 1, township: 1, community: 2, village: 2 };
  // A run that judged nothing (every ruleset not yet in force) places no finding in any unit.
  const units = (run.admin_units || []).filter((u) => levels[u.level]);
  $("unit-filter").replaceChildren(el("option", { value: "" }, t("filter.all")), ...units.map((u) => el("option", { value: u.code }, `${levels[u.level] === 2 ? "　" : ""}${u.name}`)));
  $("unit-filter").value = state.unit;
  // Rules.
  const head = el("tr", {}, ...[["规则", "Rule"], ["结果", "Result"], ["达标率", "Rate"], ["不达标", "Failed"], ["条款与原文", "Clause and quote"]].map(([zh, en]) => el("th", { scope: "col" }, one(zh, en))));
  $("rule-table").tHead.replaceChildren(head);
  const inUnit = (f) => !state.unit || (f.units && Object.values(f.units).includes(state.unit)) || f.id === state.unit;
  const rows = run.summary.map((s) => {
    const r = state.rules[s.rule] || {};
    const failed = run.findings.filter((f) => f.rule === s.rule && inUnit(f)).length;
    return el("tr", { "data-rule": s.rule },
      el("td", {}, r.title || s.rule, el("div", { class: "quote" }, s.rule)),
      el("td", {}, passText(s.pass)),
      el("td", { class: "num" }, s.rate === null || s.rate === undefined ? "—" : `${(s.rate * 100).toFixed(1)}%`, el("div", { class: "quote" }, `${one("目标", "target")} ${(s.target * 100).toFixed(0)}%`)),
      el("td", { class: "num" }, state.unit ? `${failed}` : `${s.failed} / ${s.checked}`),
      el("td", {}, `${r.document || ""} ${r.clause || ""}`, el("div", { class: "quote" }, r.quote ? `“${r.quote}”` : "")));
  });
  $("rule-table").tBodies[0].replaceChildren(...rows);
  // Findings.
  const shown = run.findings.filter(inUnit);
  $("findings-list").replaceChildren(...shown.map((f) => {
    const r = state.rules[f.rule] || {};
    return el("li", {}, el("button", { type: "button", "data-id": f.id, onclick: () => explain({ layer: f.layer, id: f.id }) },
      el("span", { class: "fail" }, "✗ "), `${f.name || f.id} (${f.id}) — ${r.title || f.rule}: ${fmt(f.measured)} / ${fmt(f.required)} ${f.unit || ""}`));
  }));
  if (!shown.length) $("findings-list").replaceChildren(el("li", {}, one("无问题", "No findings")));
  // The ledger per unit.
  const ledger = (run.by_unit || []).filter((u) => !state.unit || u.code === state.unit);
  $("ledger").replaceChildren();
  if (ledger.length) {
    const table = el("table", { id: "ledger-table" }, el("caption", {}, one("分单位台账", "Ledger per unit")),
      el("thead", {}, el("tr", {}, ...[["单位", "Unit"], ["规则", "Rule"], ["核查", "Checked"], ["不达标", "Failed"], ["达标率", "Rate"]].map(([zh, en]) => el("th", { scope: "col" }, one(zh, en))))),
      el("tbody", {}, ...ledger.map((u) => el("tr", {}, el("td", {}, u.name), el("td", {}, (state.rules[u.rule] || {}).title || u.rule), el("td", { class: "num" }, u.checked), el("td", { class: "num" }, u.failed), el("td", { class: "num" }, u.rate === null ? "—" : `${(u.rate * 100).toFixed(1)}%`)))));
    $("ledger").append(table);
  }
}

/** A layer's feature by its id (an admin unit's code), or null. Looked up with a CQL2 filter rather than
 * the item's URL, so a miss is an empty page, not a 404 in the browser's console. */
async function fetchFeature(layer, id) {
  const c = state.collections.find((c) => c.layer === layer);
  if (!c) return null;
  const key = layer === "admin_units" ? "code" : "id";
  const filter = encodeURIComponent(`${key}='${id.replaceAll("'", "''")}'`);
  const page = await call(`collections/${encodeURIComponent(c.id)}/items?limit=1&filter=${filter}`).catch(() => null);
  return (page && page.features && page.features[0]) || null;
}
/** Every position of a geometry. */
function positions(geometry) {
  const points = [];
  const walk = (c) => (typeof c[0] === "number" ? points.push(c) : c.forEach(walk));
  walk(geometry.coordinates);
  return points;
}
/** Fits the map to geometries. */
function fitTo(geometries, options) {
  const b = new maplibregl.LngLatBounds();
  for (const g of geometries) if (g) for (const p of positions(g)) b.extend(p);
  if (!b.isEmpty()) map.fitBounds(b, { duration: 0, ...options });
}
function centre(geometry) {
  const points = positions(geometry);
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2];
}
function metres(a, b) {
  const r = 6371008.8;
  const rad = Math.PI / 180;
  const dLat = (b[1] - a[1]) * rad;
  const dLon = (b[0] - a[0]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * r * Math.asin(Math.sqrt(h));
}

/** Shows why a subject passed or failed in the open run, and draws its counted facilities. */
async function explain(subject, known = null) {
  const box = $("detail");
  box.hidden = false;
  box.setAttribute("aria-busy", "true");
  const findings = state.run ? state.run.findings.filter((f) => f.id === subject.id && f.layer === subject.layer) : [];
  const feature = findings[0] ? { type: "Feature", geometry: findings[0].geometry, properties: {} } : known || (await fetchFeature(subject.layer, subject.id));
  const name = (findings[0] && findings[0].name) || (feature && feature.properties && feature.properties.name) || subject.id;
  box.replaceChildren(el("h3", {}, `${name} (${subject.id})`));
  const drawn = [];
  if (feature && feature.geometry) drawn.push({ type: "Feature", geometry: feature.geometry, properties: { role: "subject" } });
  if (!state.run) {
    box.append(el("p", {}, one("先运行或打开一次核查，才能看到它的结果。", "Run or open a check to see how this subject fares.")));
  } else if (!findings.length) {
    box.append(el("p", { class: "pass" }, "✓ ", one(`核查 #${state.runId} 中它没有问题。`, `No finding for it in run #${state.runId}.`)));
  }
  const from = feature && feature.geometry ? centre(feature.geometry) : null;
  for (const f of findings) {
    const r = state.rules[f.rule] || {};
    const rows = [
      [one("规则", "Rule"), `${r.title || f.rule}`],
      [one("结果", "Result"), passText(false)],
      [one("实测", "Measured"), `${fmt(f.measured)} ${f.unit || ""}`],
      [one("要求", "Required"), `${fmt(f.required)} ${f.unit || ""}`],
      [one("说明", "Message"), f.message],
      [one("条款", "Clause"), `${r.document || ""} ${r.clause || ""}`],
      [one("原文", "Quote"), r.quote ? `“${r.quote}”` : "—"],
    ];
    const table = el("table", { class: "finding" }, el("tbody", {}, ...rows.map(([k, v]) => el("tr", {}, el("th", { scope: "row" }, k), el("td", {}, v)))));
    box.append(table);
    if (f.facilities && f.facilities.length) {
      const list = el("ul", { class: "counted" });
      box.append(el("div", {}, one("计入的设施（≈ 为地图按小区中心估算的直线距离）：", "Facilities counted (≈: straight-line distance from the area's centre, estimated on the map):")), list);
      for (const id of f.facilities) {
        const fac = await fetchFeature("facilities", id);
        if (!fac) {
          list.append(el("li", {}, id));
          continue;
        }
        const at = fac.geometry.type === "Point" ? fac.geometry.coordinates : centre(fac.geometry);
        const d = from ? metres(from, at) : null;
        const tier = TIERS[fac.properties.tier];
        // The engine's own figure is "measured" above; this one is the map's estimate from the area's centre.
        list.append(el("li", {}, `${fac.properties.name} (${id}) · ${tier ? one(tier[0], tier[1]) : fac.properties.tier} · ${fac.properties.floor_area_m2 ?? "—"} m² · ${d === null ? "" : `≈ ${Math.round(d)} m`}`));
        drawn.push({ type: "Feature", geometry: { type: "Point", coordinates: at }, properties: { role: "facility" } });
        if (from) drawn.push({ type: "Feature", geometry: { type: "LineString", coordinates: [from, at] }, properties: { role: "reach" } });
      }
    }
  }
  showExplanation(drawn);
  box.setAttribute("aria-busy", "false");
  box.focus();
}

// ---------- review ----------
let drawing = null; // { kind: "area", corners: [] } or { kind: "facility" }
function renderProposalSummary() {
  const fs = state.proposal.features;
  const areas = fs.filter((f) => /小区|residential/.test(f.properties.layer || "")).length;
  $("proposal-summary").textContent = fs.length ? one(`方案：${areas} 个小区，${fs.length - areas} 处设施`, `Proposal: ${areas} areas, ${fs.length - areas} facilities`) : one("还没有方案。", "No proposal yet.");
}
function showProposal(reach = []) {
  const data = { type: "FeatureCollection", features: [...state.proposal.features, ...reach, ...(drawing && drawing.corners && drawing.corners.length ? [{ type: "Feature", properties: { draft: true }, geometry: { type: "LineString", coordinates: drawing.corners } }] : [])] };
  if (!map.getSource("proposal")) {
    map.addSource("proposal", { type: "geojson", data });
    map.addLayer({ id: "proposal:fill", type: "fill", source: "proposal", filter: ["all", ["==", ["geometry-type"], "Polygon"], ["!", ["has", "reach"]]], paint: { "fill-pattern": "hatch-purple" } });
    map.addLayer({ id: "proposal:line", type: "line", source: "proposal", filter: ["!", ["has", "reach"]], paint: { "line-color": "#6e28a0", "line-width": 2.5 } });
    map.addLayer({ id: "proposal:reach", type: "line", source: "proposal", filter: ["has", "reach"], paint: { "line-color": "#6e28a0", "line-width": 2, "line-dasharray": [3, 2] } });
    map.addLayer({ id: "proposal:point", type: "circle", source: "proposal", filter: ["==", ["geometry-type"], "Point"], paint: { "circle-radius": 8, "circle-color": "#6e28a0", "circle-stroke-color": "#fff", "circle-stroke-width": 2 } });
  } else map.getSource("proposal").setData(data);
  renderProposalSummary();
  legend();
}
function setProposal(collection, origin) {
  if (!collection || collection.type !== "FeatureCollection" || !Array.isArray(collection.features)) {
    status(one(`${origin}：不是 GeoJSON FeatureCollection`, `${origin}: not a GeoJSON FeatureCollection`), true);
    return;
  }
  state.proposal = collection;
  state.verdict = null;
  $("verdict").hidden = true;
  showProposal();
  fitTo(collection.features.map((f) => f.geometry), { padding: 120, maxZoom: 16 });
  status(one(`已读入方案 ${origin}`, `Proposal ${origin} read`));
}
async function readProposalFile(file) {
  try {
    setProposal(JSON.parse(await file.text()), file.name);
  } catch (e) {
    status(`${file.name}: ${e.message}`, true);
  }
}
function circle(at, radius) {
  const ring = [];
  for (let i = 0; i <= 64; i++) {
    const a = (i / 64) * 2 * Math.PI;
    const dy = (radius * Math.sin(a)) / 111320;
    const dx = (radius * Math.cos(a)) / (111320 * Math.cos((at[1] * Math.PI) / 180));
    ring.push([at[0] + dx, at[1] + dy]);
  }
  return { type: "Feature", properties: { reach: true }, geometry: { type: "LineString", coordinates: ring } };
}
async function runReview() {
  if (!state.proposal.features.length) {
    status(one("先拖入方案文件或在地图上绘制。", "Drop a proposal file or draw one first."), true);
    return;
  }
  status(one("审查中…", "Reviewing…"));
  try {
    state.verdict = await call("review", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ dataset: state.dataset, rulesets: selectedRulesets(), proposal: state.proposal }) });
  } catch (e) {
    status(e.message, true);
    return;
  }
  renderVerdict();
  // The proposal's reach: each planned facility's service radius, as the radius rules require it.
  const radii = state.verdict.rules.filter((r) => r.kind === "service_radius" && r.required).map((r) => r.required);
  const radius = radii.length ? Math.min(...radii) : null;
  const reach = radius ? state.proposal.features.filter((f) => f.geometry && f.geometry.type === "Point").map((f) => circle(f.geometry.coordinates, radius)) : [];
  showProposal(reach);
  fitTo(reach.map((r) => r.geometry), { padding: 40 });
  status(one("审查完成", "Review done"));
}
function renderVerdict() {
  const v = state.verdict;
  const box = $("verdict");
  box.hidden = false;
  box.replaceChildren(
    el("h2", {}, one("规划审查意见", "Plan review verdict")),
    el("div", { class: `verdict-head ${v.pass ? "pass" : "fail"}`, id: "verdict-head" }, v.pass ? "✓ " : "✗ ", v.pass ? one("通过", "PASS") : one("不通过", "FAIL"), " ", el("small", {}, v.pass ? one("PASS", "通过") : one("FAIL", "不通过"))),
    el("p", {}, `${one("数据集", "Dataset")}：${v.dataset} · ${one("核查日期", "as of")} ${v.as_of} · ${one("打印日期", "printed")} ${new Date().toISOString().slice(0, 10)}`),
    el("table", { class: "rules", id: "verdict-table" },
      el("thead", {}, el("tr", {}, ...[["规则", "Rule"], ["结果", "Result"], ["实测", "Measured"], ["要求", "Required"], ["条款与原文", "Clause and quote"]].map(([zh, en]) => el("th", { scope: "col" }, one(zh, en))))),
      el("tbody", {}, ...v.rules.map((r) => el("tr", {},
        el("td", {}, (state.rules[r.rule] || {}).title || r.rule, ...(r.findings || []).map((f) => el("div", { class: "quote" }, f.message))),
        el("td", {}, passText(r.pass)),
        el("td", { class: "num" }, `${fmt(r.measured)} ${r.unit || ""}`),
        el("td", { class: "num" }, `${fmt(r.required)} ${r.unit || ""}`),
        el("td", {}, `${r.document || ""} ${r.clause || ""}`, el("div", { class: "quote" }, r.quote ? `“${r.quote}”` : "")))))),
    el("button", { type: "button", class: "no-print", id: "print", onclick: () => window.print() }, one("打印审查意见（一页）", "Print the verdict (one page)")),
  );
}
function startDrawing(kind) {
  drawing = kind === "area" ? { kind, corners: [] } : { kind };
  document.body.classList.add("drawing");
  map.doubleClickZoom.disable();
  status(kind === "area" ? one("单击地图加点；双击或回车结束，Esc 取消。", "Click corners on the map; double-click or Enter ends, Esc cancels.") : one("单击地图放置设施，Esc 取消。", "Click the map to place the facility; Esc cancels."));
  $("map").focus();
}
function stopDrawing() {
  drawing = null;
  // A changed proposal has no verdict yet.
  state.verdict = null;
  $("verdict").hidden = true;
  document.body.classList.remove("drawing");
  setTimeout(() => map.doubleClickZoom.enable(), 0);
  showProposal();
}
function finishArea() {
  const corners = drawing.corners;
  if (corners.length < 3) {
    status(one("小区至少需要三个点。", "An area needs at least three corners."), true);
    return;
  }
  const n = state.proposal.features.filter((f) => f.properties.layer === "小区").length + 1;
  state.proposal.features.push({ type: "Feature", properties: { layer: "小区", id: `DRAWN-${n}`, name: one(`绘制小区${n}`, `Drawn area ${n}`), households: Number($("draw-households").value), kind: $("draw-kind").value }, geometry: { type: "Polygon", coordinates: [[...corners, corners[0]]] } });
  stopDrawing();
  status(one("已加入小区", "Area added"));
}

// ---------- compare ----------
async function runCompare() {
  const old = $("compare-old").value;
  const now = $("compare-new").value;
  if (!old || !now) {
    status(one("需要两次核查。", "Two runs are needed."), true);
    return;
  }
  status(one("对比中…", "Comparing…"));
  try {
    state.comparison = await call(`checks/${now}/compare/${old}?by=street`);
    state.comparison.ids = { old, now };
  } catch (e) {
    status(e.message, true);
    return;
  }
  renderComparison();
  showCompareOnMap();
  status(one("对比完成", "Compared"));
}
function renderComparison() {
  const c = state.comparison;
  const box = $("comparison");
  box.hidden = false;
  const count = (list) => list.length;
  const th = (pairs) => el("tr", {}, ...pairs.map(([zh, en]) => el("th", { scope: "col" }, one(zh, en))));
  const cols = [["规则", "Rule"], ["已整改", "Fixed"], ["新增", "New"], ["仍未整改", "Still failing"]];
  const ids = (list) => (list.length ? el("div", { class: "quote ids" }, list.slice(0, 30).join("、") + (list.length > 30 ? one(` 等 ${list.length} 个`, ` … ${list.length} in all`) : "")) : null);
  // A rule one run did not judge (not yet in force, or not asked for) has no fixed or new findings: its
  // failures are not new because the earlier run could not have found them.
  const onlyOne = {
    new_only: ["仅新记录（旧记录时未生效）", "in the later run only (not in force at the earlier)"],
    old_only: ["仅旧记录（新记录未判定）", "in the earlier run only (not judged by the later)"],
  };
  const counts = (r) => onlyOne[r.judged]
    ? [el("td", { colspan: 3, class: "only-one" }, one(...onlyOne[r.judged]))]
    : [el("td", { class: "num" }, count(r.fixed), ids(r.fixed)), el("td", { class: "num" }, count(r.new), ids(r.new)), el("td", { class: "num" }, count(r.still_failing), ids(r.still_failing))];
  const unitCounts = (r) => onlyOne[r.judged]
    ? [el("td", { colspan: 3, class: "only-one" }, one(...onlyOne[r.judged]))]
    : [el("td", { class: "num" }, count(r.fixed)), el("td", { class: "num" }, count(r.new)), el("td", { class: "num" }, count(r.still_failing))];
  const warnings = (c.warnings || []).map((w) => el("li", {}, w));
  box.replaceChildren(
    el("p", {}, `#${c.ids.old} (${c.old.as_of}) → #${c.ids.now} (${c.new.as_of})`),
    warnings.length ? el("ul", { id: "compare-warnings", class: "warnings", role: "alert" }, ...warnings) : "",
    el("p", { class: "downloads" }, one("下载：", "Download: "), ...[["csv", "CSV"], ["xlsx", "Excel"], ["html", one("报告", "report")]].map(([f, text]) => el("a", { href: api(`checks/${c.ids.now}/compare/${c.ids.old}?by=street&format=${f}`) }, text))),
    el("table", { id: "compare-table" }, el("caption", {}, one("分规则", "Per rule")), el("thead", {}, th(cols)),
      el("tbody", {}, ...c.rules.map((r) => el("tr", { "data-judged": r.judged }, el("td", {}, (state.rules[r.rule] || {}).title || r.rule), ...counts(r))))),
    el("table", { id: "compare-units" }, el("caption", {}, one("分街道", "Per street")), el("thead", {}, th([["街道", "Street"], ...cols])),
      el("tbody", {}, ...(c.by_unit || []).flatMap((u) => u.rules.filter((r) => r.fixed.length + r.new.length + r.still_failing.length).map((r) => el("tr", {}, el("td", {}, u.name), el("td", {}, (state.rules[r.rule] || {}).title || r.rule), ...unitCounts(r)))))),
  );
}
function showCompareOnMap() {
  removeLayers("cmp:");
  if (state.view !== "compare" || !state.comparison) return;
  // Only rules both runs judged: a rule the earlier run did not judge has nothing new or fixed to show.
  const gather = (key) => [...new Set(state.comparison.rules.filter((r) => r.judged === "both").flatMap((r) => r[key]))];
  const styles = { fixed: ["#1a6b2f", [1, 0]], new: ["#b3261e", [2, 1]], still_failing: ["#e07b00", [0.4, 1.2]] };
  for (const [key, [colour, dash]] of Object.entries(styles)) {
    const list = gather(key);
    for (const c of state.collections.filter((c) => ["residential_areas", "admin_units", "facilities"].includes(c.layer))) {
      const prop = c.layer === "admin_units" ? "code" : "id";
      const filter = ["in", ["get", prop], ["literal", list]];
      const common = { source: `ds:${c.id}`, "source-layer": c.id, filter };
      if (c.family === "points") map.addLayer({ id: `cmp:${key}:${c.id}`, type: "circle", ...common, paint: { "circle-radius": 12, "circle-color": "rgba(0,0,0,0)", "circle-stroke-color": colour, "circle-stroke-width": 3 } });
      else map.addLayer({ id: `cmp:${key}:${c.id}`, type: "line", ...common, paint: { "line-color": colour, "line-width": c.layer === "admin_units" ? 2.5 : 3.5, "line-dasharray": dash } });
    }
  }
  legend();
}

// ---------- wiring ----------
const selectedRulesets = () => [...document.querySelectorAll("#rulesets input:checked")].map((i) => i.value);

async function start() {
  translate();
  try {
    state.config = await call("app/config.json");
  } catch (e) {
    status(e.message, true);
    return;
  }
  const rules = await call("rules");
  for (const rs of rules.rulesets) for (const r of rs.rules) state.rules[r.id] = r;
  $("rulesets").append(...state.config.rulesets.map((r, i) => el("label", {}, el("input", { type: "checkbox", value: r.id, checked: i === 0 }), `${r.id}（${r.document}）`)));
  $("token-label").hidden = !state.config.token_required;
  $("token").value = sessionStorage.getItem("carecircle.token") || "";
  $("dataset").replaceChildren(...state.config.datasets.map((d) => el("option", { value: d }, d)));
  state.dataset = state.config.datasets.includes("demo") ? "demo" : state.config.datasets[0];
  $("dataset").value = state.dataset;
  await mapReady;
  addImages();
  if (state.config.basemap) {
    map.addSource("basemap", { type: "raster", tiles: [state.config.basemap], tileSize: 256 });
    map.addLayer({ id: "basemap", type: "raster", source: "basemap" }, "paper");
    map.moveLayer("paper", "basemap");
    map.setPaintProperty("paper", "background-opacity", 0);
  }
  await showDataset();
  await loadRuns();
  document.body.dataset.ready = "true";
  status(one("就绪", "Ready"));
}

$("lang").addEventListener("click", () => {
  lang = lang === "zh" ? "en" : "zh";
  localStorage.setItem("carecircle.lang", lang);
  translate();
  if (state.config) loadRuns();
});
for (const view of ["audit", "review", "compare"]) $(`tab-${view}`).addEventListener("click", () => selectView(view));
document.querySelector("nav").addEventListener("keydown", (e) => {
  const views = ["audit", "review", "compare"];
  const at = views.indexOf(state.view);
  const next = e.key === "ArrowRight" ? views[(at + 1) % 3] : e.key === "ArrowLeft" ? views[(at + 2) % 3] : null;
  if (next) {
    selectView(next);
    $(`tab-${next}`).focus();
  }
});
$("dataset").addEventListener("change", async () => {
  state.dataset = $("dataset").value;
  state.run = null;
  $("run").hidden = true;
  await showDataset();
  showRunOnMap();
  await loadRuns();
});
$("check-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const token = $("token").value.trim();
  if (state.config.token_required && !token) {
    status(one("运行核查需要令牌。", "Running a check needs the token."), true);
    $("token").focus();
    return;
  }
  sessionStorage.setItem("carecircle.token", token);
  const body = { dataset: state.dataset, rulesets: selectedRulesets(), mode: $("mode").value };
  if ($("as-of").value) body.as_of = $("as-of").value;
  if ($("by").value) body.by = $("by").value;
  status(one("核查中…", "Checking…"));
  try {
    const made = await call("checks", { method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    await loadRuns();
    $("runs").value = made.id;
    await openRun(made.id);
  } catch (err) {
    status(err.message.startsWith("401") ? one("令牌不对或缺失。", "The token is wrong or missing.") + ` (${err.message})` : err.message, true);
  }
});
$("open-form").addEventListener("submit", (e) => {
  e.preventDefault();
  if ($("runs").value) openRun($("runs").value).catch((err) => status(err.message, true));
});
$("unit-filter").addEventListener("change", async () => {
  state.unit = $("unit-filter").value;
  renderRun();
  if (state.unit) {
    const unit = await fetchFeature("admin_units", state.unit);
    if (unit) {
      fitTo([unit.geometry], { padding: 30, duration: 300 });
      showExplanation([{ type: "Feature", geometry: unit.geometry, properties: { role: "subject" } }]);
    }
  }
});
// Any subject by its id, so every finding (and every pass) is reachable without a mouse.
$("find-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const id = $("find-id").value.trim();
  if (!id) return;
  for (const layer of ["residential_areas", "facilities", "admin_units"]) {
    const feature = await fetchFeature(layer, id);
    if (feature) {
      fitTo([feature.geometry], { padding: 80, maxZoom: 16 });
      await explain({ layer, id }, feature);
      return;
    }
  }
  status(one(`没有编号为 ${id} 的小区、设施或行政区划。`, `No residential area, facility or admin unit has the id ${id}.`), true);
});
$("compare-form").addEventListener("submit", (e) => {
  e.preventDefault();
  runCompare();
});
$("proposal-file").addEventListener("change", (e) => e.target.files[0] && readProposalFile(e.target.files[0]));
$("drop").addEventListener("dragover", (e) => {
  e.preventDefault();
  $("drop").classList.add("over");
});
$("drop").addEventListener("dragleave", () => $("drop").classList.remove("over"));
$("drop").addEventListener("drop", (e) => {
  e.preventDefault();
  $("drop").classList.remove("over");
  if (e.dataTransfer.files[0]) readProposalFile(e.dataTransfer.files[0]);
});
$("drop").addEventListener("keydown", (e) => (e.key === "Enter" || e.key === " ") && $("proposal-file").click());
$("draw-area").addEventListener("click", () => startDrawing("area"));
$("draw-facility").addEventListener("click", () => startDrawing("facility"));
$("draw-clear").addEventListener("click", () => setProposal({ type: "FeatureCollection", features: [] }, one("空方案", "empty")));
$("run-review").addEventListener("click", runReview);
// A drawn proposal lives only in the page: saved, it goes in the case file and can be dropped in again.
$("proposal-save").addEventListener("click", () => {
  const blob = new Blob([JSON.stringify(state.proposal, null, 1)], { type: "application/geo+json" });
  const a = el("a", { href: URL.createObjectURL(blob), download: "proposal.geojson" });
  document.body.append(a);
  a.click();
  a.remove();
});
document.addEventListener("keydown", (e) => {
  if (!drawing) return;
  if (e.key === "Escape") stopDrawing();
  if (e.key === "Enter" && drawing.kind === "area") finishArea();
});
map.on("dblclick", (e) => {
  if (drawing && drawing.kind === "area") {
    e.preventDefault();
    finishArea();
  }
});
map.on("click", (e) => {
  const at = [e.lngLat.lng, e.lngLat.lat];
  if (drawing) {
    if (drawing.kind === "area") {
      drawing.corners.push(at);
      showProposal();
    } else {
      const n = state.proposal.features.filter((f) => f.properties.layer === "设施").length + 1;
      const areas = state.proposal.features.filter((f) => f.properties.layer === "小区").map((f) => f.properties.id);
      state.proposal.features.push({ type: "Feature", properties: { layer: "设施", id: `DRAWN-F${n}`, name: one(`绘制设施${n}`, `Drawn facility ${n}`), tier: $("draw-tier").value, status: $("draw-status").value, floor_area_m2: Number($("draw-area-m2").value), serves: areas }, geometry: { type: "Point", coordinates: at } });
      stopDrawing();
      status(one("已加入设施", "Facility added"));
    }
    return;
  }
  const layers = map.getStyle().layers.map((l) => l.id).filter((id) => id.startsWith("run:") || id.startsWith("ds:"));
  const hits = map.queryRenderedFeatures(e.point, { layers });
  const rank = (f) => (f.layer.id.startsWith("run:") ? 0 : f.layer.id.includes(".facilities") ? 1 : f.layer.id.includes(".residential_areas") ? 2 : f.layer.id.includes(".admin_units") ? 3 : 9);
  const hit = hits.filter((f) => rank(f) < 9).sort((a, b) => rank(a) - rank(b))[0];
  if (!hit) return;
  const p = hit.properties;
  const source = hit.layer.id.startsWith("run:") ? p.layer : state.collections.find((c) => hit.layer.id.startsWith(`ds:${c.id}:`)).layer;
  explain({ layer: source, id: source === "admin_units" && p.code ? p.code : p.id }).catch((err) => status(err.message, true));
});
map.on("mousemove", (e) => {
  if (drawing) return;
  const layers = map.getStyle().layers.map((l) => l.id).filter((id) => id.startsWith("run:") || id.includes(".facilities") || id.includes(".residential_areas"));
  map.getCanvas().style.cursor = map.queryRenderedFeatures(e.point, { layers }).length ? "pointer" : "";
});

start().catch((e) => status(e.message, true));
