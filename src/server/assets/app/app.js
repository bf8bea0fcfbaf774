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
  find: ["按编号或名称查找", "Find by id or name"],
  "find.button": ["查找", "Find"],
  "find.placeholder": ["如 R011、新港社区、S20", "e.g. R011, 新港社区, S20"],
  "token.hint": ["各标签页共用，关闭浏览器即清除", "shared by this browser's tabs until it closes"],
  "sign.title": ["登录", "Sign in"],
  "sign.hint": ["请输入管理员发给你的个人令牌（cc_ 开头）。", "Enter the personal token your administrator gave you (it starts cc_)."],
  "sign.token": ["个人令牌", "Personal token"],
  "sign.sso": ["统一身份认证登录", "Sign in with single sign-on"],
  "sign.in": ["登录", "Sign in"],
  "sign.out": ["退出", "Sign out"],
  "print.audit": ["打印核查结果（A4）", "Print the result (A4)"],
  "print.compare": ["打印对比结果（A4）", "Print the comparison (A4)"],
  "export.map": ["导出地图 PNG", "Export the map (PNG)"],
  layers: ["图层", "Layers"],
  legend: ["图例", "Legend"],
  "review.file": ["选择方案文件（GeoJSON）…", "Choose the proposal file (GeoJSON)…"],
  "review.undo": ["撤销上一点", "Undo the last corner"],
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
  "status.built": ["已建成", "built"],
  "status.accepted": ["已验收", "accepted"],
  "status.handed_over": ["已移交", "handed over"],
  "status.closed": ["已关闭", "closed"],
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
/** A request the server refused (status 4xx/5xx) or could not be reached for (status 0). */
class ApiError extends Error {
  constructor(status, detail, tokenSent = false) {
    super(detail);
    this.status = status;
    this.detail = detail;
    this.tokenSent = tokenSent;
  }
}
async function call(path, options = {}) {
  // Signed in: every request says who it is (a change needs the header; the cookie counts for reads only).
  const held = token.get();
  if (held && !(options.headers && options.headers.Authorization)) options = { ...options, headers: { ...(options.headers || {}), Authorization: `Bearer ${held}` } };
  let response;
  try {
    response = await fetch(api(path), options);
  } catch (e) {
    offline(true);
    throw new ApiError(0, e.message);
  }
  offline(false);
  if (options.onHeaders) options.onHeaders(response.headers);
  const text = await response.text();
  let body;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = { detail: text };
  }
  if (!response.ok) {
    const why = (body && (body.detail || body.error || body.title || body.message)) || response.statusText;
    const sent = !!(options.headers && options.headers.Authorization && options.headers.Authorization !== "Bearer ");
    throw new ApiError(response.status, why, sent);
  }
  return body;
}
/** What went wrong, as a sentence for the people using the app; the server's own words go beside it. */
function sentence(e) {
  if (!(e instanceof ApiError)) return [one("页面出错：", "The page failed: ") + e.message, ""];
  const said = {
    0: ["无法连接服务器，请检查网络；恢复后再试。", "The server cannot be reached: check the network and try again."],
    400: ["请求或数据有误，服务器没有处理：", "The server refused the request or its data: "],
    401: e.tokenSent ? ["令牌不正确：请核对后重新输入。", "The token is wrong: check it and enter it again."] : ["这项操作需要令牌：请在“令牌”一栏输入。", "This needs the token: enter it in the Token field."],
    403: e.tokenSent ? ["你的角色不能做这项操作，请联系管理员：", "Your role may not do this: ask your administrator. "] : ["服务器不允许从这个页面做这项操作。", "The server does not allow this from this page."],
    404: ["没有找到所要的内容：", "Not found: "],
    408: ["上传太慢，服务器已停止等待，请重试。", "The upload was too slow and the server stopped waiting: try again."],
    413: ["文件或请求太大：", "The file or request is too large: "],
    415: ["服务器不接受这种格式：", "The server does not take this format: "],
    503: ["服务器正忙，请稍候再试。", "The server is busy: try again in a moment."],
    507: ["服务器磁盘已满，结果没有保存：请联系管理员。", "The server's disk is full and nothing was kept: tell the administrator."],
  }[e.status] || ["服务器内部出错：请联系管理员。", "The server failed: tell the administrator."];
  return [one(...said), e.status === 0 ? "" : e.detail];
}
/** One banner while the server cannot be reached; it goes when a request gets through again. */
let retry = null;
function offline(on) {
  const banner = document.getElementById("offline");
  if (!banner || banner.hidden === !on) return;
  banner.hidden = !on;
  banner.textContent = on ? one("无法连接 carecircle 服务器。页面内容保持不变；连上后此提示自动消失。", "The carecircle server cannot be reached. What is shown stays; this goes when it is back.") : "";
  clearInterval(retry);
  if (on) retry = setInterval(() => fetch(api("app/config.json")).then((r) => r.ok && offline(false)).catch(() => {}), 5000);
}
/** The sign-in: a session cookie, so every tab of this browser shares it until the browser closes. */
const token = {
  get: () => {
    const m = document.cookie.match(/(?:^|; )carecircle_token=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : "";
  },
  set: (value) => {
    document.cookie = `carecircle_token=${encodeURIComponent(value)}; path=/; SameSite=Strict${location.protocol === "https:" ? "; Secure" : ""}${value ? "" : "; max-age=0"}`;
  },
};
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
function status(text, error = false, detail = "") {
  const box = document.getElementById("status");
  box.replaceChildren(text);
  if (detail) box.append(el("details", { class: "server-said" }, el("summary", {}, one("服务器原文", "The server said")), detail));
  box.className = error ? "error" : "";
}
/** Says what went wrong, in a sentence; a lost connection shows the banner only. */
function failed(e) {
  const [text, detail] = sentence(e);
  status(text, true, detail);
}
const fmt = (x) => (x === null || x === undefined ? "—" : typeof x === "number" ? (Math.round(x * 10) / 10).toLocaleString(lang === "zh" ? "zh-CN" : "en") : x);
/** Units and modes in the reader's words, never the file keys. */
const UNITS = { m: ["米", "m"], m2: ["平方米", "m²"], count: ["处", ""], m2_per_1000: ["平方米/千人", "m² per 1 000"], beds_per_1000: ["张/千名老人", "beds per 1 000 elderly"], share: ["", ""], days: ["天", "days"], households: ["户", "households"] };
const unitWord = (u) => (UNITS[u] ? one(...UNITS[u]) : u || "");
const figureWith = (x, u) => (x === null || x === undefined ? "—" : u === "share" ? `${(x * 100).toFixed(1)}%` : `${fmt(x)} ${unitWord(u)}`.trim());
const MODES = { audit: ["回头看", "audit"], review: ["规划审查", "plan review"] };
const modeWord = (m) => (MODES[m] ? one(...MODES[m]) : m);
const LEVELS = { district: ["区县", "district"], street: ["街道", "street"], township: ["乡镇", "township"], community: ["社区", "community"], village: ["村", "village"] };
const levelWord = (l) => (LEVELS[l] ? one(...LEVELS[l]) : l);
const LAYERS = { residential_areas: ["居住区", "residential area"], facilities: ["设施", "facility"], admin_units: ["行政区划", "admin unit"], pools: ["集中配建", "pool"] };
const layerWord = (l) => (LAYERS[l] ? one(...LAYERS[l]) : l);
/** A time the server wrote in UTC, in the reader's local time. */
const localTime = (iso) => (iso ? new Date(iso).toLocaleString(lang === "zh" ? "zh-CN" : "en-GB", { dateStyle: "medium", timeStyle: "short" }) : "");
const today = () => new Date().toLocaleDateString(lang === "zh" ? "zh-CN" : "en-GB");
/** The server's bilingual message ("中文 — English") in the reader's language. */
const messageText = (m) => {
  if (!m) return "";
  const at = m.search(/\s?— (?=[A-Za-z0-9])/);
  return at < 0 ? m : lang === "zh" ? m.slice(0, at) : m.slice(m.indexOf("— ", at) + 2);
};
/** A rule's title as people read it (its id is a file key). */
const ruleTitle = (id) => (state.rules[id] && state.rules[id].title) || id;
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
// The drawing buffer is kept so that printing and the PNG export can copy the map as drawn.
const map = new maplibregl.Map({ container: "map", style, center: [119.48, 25.985], zoom: 11, attributionControl: false, fadeDuration: 0, canvasContextAttributes: { preserveDrawingBuffer: true } });
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
/** Draws the dataset's layers; `keepView` leaves the map where it is (after a save). */
async function showDataset(keepView = false) {
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
  removeLayers("label:");
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
  // Place names: residential areas and facilities from their tiles, admin units at one point each.
  const text = (size) => ({ "text-field": ["get", "name"], "text-font": LABEL_FONT, "text-size": size, "text-max-width": 8 });
  const halo = { "text-color": "#1d2733", "text-halo-color": "rgba(255,255,255,0.9)", "text-halo-width": 1.6 };
  for (const c of state.collections.filter((c) => c.layer === "residential_areas"))
    map.addLayer({ id: `label:${c.id}`, type: "symbol", source: `ds:${c.id}`, "source-layer": c.id, minzoom: 14, layout: { ...text(11), "text-offset": c.family === "points" ? [0, 1] : [0, 0] }, paint: { ...halo, "text-color": "#24501f" } });
  for (const c of state.collections.filter((c) => c.layer === "facilities"))
    map.addLayer({ id: `label:${c.id}`, type: "symbol", source: `ds:${c.id}`, "source-layer": c.id, minzoom: 15, layout: { ...text(11), "text-offset": [0, 1.5], "text-anchor": "top" }, paint: halo });
  const units = state.collections.find((c) => c.layer === "admin_units");
  if (units) {
    const page = await call(`collections/${encodeURIComponent(units.id)}/items?limit=10000`);
    const points = page.features.filter((f) => f.geometry && f.properties.name).map((f) => ({ type: "Feature", properties: { name: f.properties.name, level: f.properties.level }, geometry: { type: "Point", coordinates: labelPoint(f.geometry) } }));
    map.addSource("ds:labels", { type: "geojson", data: { type: "FeatureCollection", features: points } });
    const big = ["match", ["get", "level"], "district", 17, "street", 15, "township", 15, 12];
    map.addLayer({ id: "label:ds:units", type: "symbol", source: "ds:labels", filter: ["!=", ["get", "level"], "district"], layout: { ...text(big), "symbol-sort-key": ["match", ["get", "level"], "street", 0, "township", 0, 1] }, paint: { ...halo, "text-color": "#3a3a5a" } });
    // Communities and villages from zoom 12.5, streets and townships from the city's view.
    map.setFilter("label:ds:units", ["any", ["in", ["get", "level"], ["literal", ["street", "township"]]], [">=", ["zoom"], 12.5]]);
  }
  const areas = state.collections.find((c) => c.layer === "admin_units") || state.collections[0];
  state.home = areas && areas.bbox ? [[areas.bbox[0], areas.bbox[1]], [areas.bbox[2], areas.bbox[3]]] : null;
  if (state.home && !keepView) fitMap(state.home, { padding: 30 });
  legend();
  layerSwitcher();
}
/** The browser's own CJK font draws every label (no glyph server: the app works on an intranet). */
const LABEL_FONT = ["Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "sans-serif"];
/** A point inside a polygon for its label: the middle of the widest span across it at mid-height. */
function labelPoint(geometry) {
  const polygons = geometry.type === "MultiPolygon" ? geometry.coordinates : geometry.type === "Polygon" ? [geometry.coordinates] : null;
  if (!polygons) return centre(geometry);
  const size = (p) => { const xs = p[0].map((c) => c[0]); const ys = p[0].map((c) => c[1]); return (Math.max(...xs) - Math.min(...xs)) * (Math.max(...ys) - Math.min(...ys)); };
  const polygon = polygons.reduce((a, b) => (size(b) > size(a) ? b : a));
  const ys = polygon[0].map((c) => c[1]);
  const y = (Math.min(...ys) + Math.max(...ys)) / 2;
  const xs = [];
  for (const ring of polygon) for (let i = 1; i < ring.length; i++) {
    const [a, b] = [ring[i - 1], ring[i]];
    if ((a[1] <= y) !== (b[1] <= y)) xs.push(a[0] + ((y - a[1]) / (b[1] - a[1])) * (b[0] - a[0]));
  }
  xs.sort((a, b) => a - b);
  let best = null;
  for (let i = 0; i + 1 < xs.length; i += 2) if (!best || xs[i + 1] - xs[i] > best[1] - best[0]) best = [xs[i], xs[i + 1]];
  return best ? [(best[0] + best[1]) / 2, y] : centre(geometry);
}
/** What the map shows is remembered, so that a resize or a print refits to the same place. */
function fitMap(bounds, options = {}) {
  state.fitted = { bounds, options };
  const legendWidth = $("legend-box").offsetWidth || 0;
  const p = options.padding ?? 30;
  map.fitBounds(bounds, { duration: 0, ...options, padding: { top: p, bottom: p, left: p, right: Math.min(p + legendWidth, map.getContainer().offsetWidth / 3) } });
}
window.addEventListener("resize", () => {
  clearTimeout(state.resizing);
  state.resizing = setTimeout(() => {
    map.resize();
    if (state.fitted) fitMap(state.fitted.bounds, state.fitted.options);
  }, 150);
});

/** The layer switcher: each group of the map shown or hidden, remembered for the browser session. */
const GROUPS = [
  ["labels", ["地名", "place names"], (id) => id.startsWith("label:")],
  ["admin", ["行政区划", "admin units"], (id) => id.startsWith("ds:") && id.includes(".admin_units")],
  ["roads", ["道路", "roads"], (id) => id.startsWith("ds:") && id.includes(".roads")],
  ["areas", ["居住区", "residential areas"], (id) => id.startsWith("ds:") && id.includes(".residential_areas")],
  ["facilities", ["设施", "facilities"], (id) => id.startsWith("ds:") && id.includes(".facilities")],
  ["results", ["核查结果", "check results"], (id) => id.startsWith("run:") || id.startsWith("cmp:")],
  ["basemap", ["底图", "base map"], (id) => id === "basemap"],
];
const hidden = new Set(JSON.parse(sessionStorage.getItem("carecircle.hidden") || "[]"));
function layerSwitcher() {
  const present = GROUPS.filter(([, , match]) => map.getStyle().layers.some((l) => match(l.id)));
  $("layer-list").replaceChildren(...present.map(([key, words]) => el("label", {}, el("input", { type: "checkbox", value: key, checked: !hidden.has(key), onchange: (e) => {
    if (e.target.checked) hidden.delete(key);
    else hidden.add(key);
    sessionStorage.setItem("carecircle.hidden", JSON.stringify([...hidden]));
    applyVisibility();
  } }), one(...words))));
  applyVisibility();
}
/** Every layer's visibility, from the view (a run's results show in the audit view only) and the switcher. */
function applyVisibility() {
  for (const l of map.getStyle().layers) {
    const group = GROUPS.find(([, , match]) => match(l.id));
    let on = !group || !hidden.has(group[0]);
    if (l.id.startsWith("run:")) on = on && state.view === "audit";
    if (l.id.startsWith("proposal:")) on = state.view === "review";
    map.setLayoutProperty(l.id, "visibility", on ? "visible" : "none");
  }
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
  layerSwitcher();
  legend();
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
  box.replaceChildren();
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
  for (const e of document.querySelectorAll("[data-tp]")) e.placeholder = t(e.dataset.tp);
  if (map.loaded()) layerSwitcher();
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

function selectView(view, push = true) {
  state.view = view;
  for (const v of ["audit", "review", "compare"]) {
    $(v).hidden = v !== view;
    $(`tab-${v}`).setAttribute("aria-selected", String(v === view));
    $(`tab-${v}`).tabIndex = v === view ? 0 : -1;
  }
  $("detail").hidden = true;
  state.subject = null;
  $("rulesets").hidden = view === "compare";
  if (map.getSource("explain")) showExplanation([]);
  showCompareOnMap();
  applyVisibility();
  legend();
  if (push) remember();
}

// ---------- state people can share: the URL ----------
/** The view, dataset, open run, filter, subject and comparison, as the URL's fragment. */
function fragment() {
  const p = new URLSearchParams();
  p.set("view", state.view);
  if (state.dataset) p.set("dataset", state.dataset);
  if (state.runId) p.set("run", state.runId);
  if (state.unit) p.set("unit", state.unit);
  if (state.subject) p.set("subject", `${state.subject.layer}:${state.subject.id}`);
  if (state.comparison) {
    p.set("old", state.comparison.ids.old);
    p.set("new", state.comparison.ids.now);
  }
  return "#" + p.toString();
}
let restoring = false;
/** A new history entry for what is shown now (Back returns to what was shown before). */
function remember() {
  if (restoring) return;
  const next = fragment();
  if (next !== location.hash) history.pushState(null, "", next);
}
/** Shows what the URL's fragment names: on opening a link, and on Back and Forward. */
async function restore() {
  const p = new URLSearchParams(location.hash.slice(1));
  restoring = true;
  try {
    const dataset = p.get("dataset");
    if (dataset && dataset !== state.dataset && state.config.datasets.includes(dataset)) {
      state.dataset = dataset;
      $("dataset").value = dataset;
      state.run = null;
      state.runId = null;
      $("run").hidden = true;
      await showDataset();
      await loadRuns();
    }
    const view = ["audit", "review", "compare"].includes(p.get("view")) ? p.get("view") : "audit";
    selectView(view, false);
    const run = p.get("run");
    if (run && Number(run) !== state.runId) {
      if (state.runs.some((r) => String(r.id) === run)) {
        $("runs").value = run;
        await openRun(run);
      } else status(one(`没有编号为 #${run} 的核查（可能属于另一个数据集，或已删除）。`, `There is no run #${run} (it may belong to another dataset).`), true);
    }
    const unit = p.get("unit") || "";
    if (state.run && unit !== state.unit) await filterUnit(unit);
    const [old, now] = [p.get("old"), p.get("new")];
    if (old && now && (!state.comparison || state.comparison.ids.old !== old || state.comparison.ids.now !== now)) {
      $("compare-old").value = old;
      $("compare-new").value = now;
      await runCompare();
    } else if (!old && state.comparison) {
      state.comparison = null;
      $("comparison").hidden = true;
      showCompareOnMap();
    }
    const subject = p.get("subject");
    if (subject && view === "audit") {
      const at = subject.indexOf(":");
      await explain({ layer: subject.slice(0, at), id: subject.slice(at + 1) }, null, true);
    }
  } finally {
    restoring = false;
  }
}
window.addEventListener("popstate", () => restore().catch(failed));

async function loadRuns() {
  const { checks } = await call("checks");
  state.runs = checks.filter((c) => c.dataset === state.dataset).sort((a, b) => b.id - a.id);
  const options = () => state.runs.map((c) => el("option", { value: c.id }, runLabel(c)));
  $("runs").replaceChildren(...options());
  // Compare offers the runs by the day they judged (then the order made): by default the earlier day is
  // 旧 and the later 新, whichever was run first.
  const byDay = [...state.runs].sort((a, b) => a.as_of.localeCompare(b.as_of) || a.id - b.id);
  const dayOptions = () => byDay.map((c) => el("option", { value: c.id }, runLabel(c)));
  $("compare-old").replaceChildren(...dayOptions());
  $("compare-new").replaceChildren(...dayOptions());
  if (byDay.length > 1) {
    $("compare-old").value = byDay[byDay.length - 2].id;
    $("compare-new").value = byDay[byDay.length - 1].id;
  }
}
/** The rulesets a run applied, and those it was asked for but did not (not yet in force that day). */
function applied(rulesets, notInForce) {
  const skipped = (notInForce || []).map((n) => n.ruleset);
  return { applied: rulesets.filter((r) => !skipped.includes(r)), skipped };
}
function runLabel(c) {
  const { applied: used, skipped } = applied(c.rulesets, c.not_in_force);
  const rest = skipped.length ? one(`（未适用 ${skipped.join("、")}）`, ` (not applied: ${skipped.join(", ")})`) : "";
  const voided = c.voided ? one("【已作废】", "[VOID] ") : "";
  return `${voided}#${c.id} · ${c.as_of} · ${modeWord(c.mode)} · ${used.join("+") || one("无规则生效", "no rule in force")}${rest} · ${c.findings} ${one("条问题", "findings")}`;
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
  state.subject = null;
  if (state.dataset !== run.request.dataset) {
    state.dataset = run.request.dataset;
    $("dataset").value = state.dataset;
    await showDataset();
  }
  renderRun();
  showRunOnMap();
  $("run").hidden = false;
  $("detail").hidden = true;
  const void_ = kept?.voided;
  status(void_
    ? one(`已打开核查 #${id}。此核查已于 ${void_.at.slice(0, 10)} 由 ${void_.by} 作废：${void_.reason}`, `Run #${id} opened. It was voided on ${void_.at.slice(0, 10)} by ${void_.by}: ${void_.reason}`)
    : one(`已打开核查 #${id}`, `Run #${id} opened`), !!void_);
  remember();
}

function renderRun() {
  const run = state.run;
  const { applied: used, skipped } = applied(run.request.rulesets || run.rulesets.map((r) => r.id), run.not_in_force);
  $("run-title").textContent = `${one("核查", "Run")} #${state.runId} · ${run.dataset} · ${one("核查日期", "as of")} ${run.as_of} · ${modeWord(run.mode)} · ${used.join("、") || one("无规则生效", "no rule in force")}`;
  $("run-meta").textContent = one(`运行于 ${localTime(run.created)} · 台账：${run.request.by ? levelWord(run.request.by) : "未建"}`, `made ${localTime(run.created)} · ledger: ${run.request.by ? levelWord(run.request.by) : "none"}`);
  // Rulesets asked for but not yet in force on the day judged were not applied: say so, by name.
  document.querySelectorAll("#not-in-force").forEach((e) => e.remove());
  if (skipped.length) {
    const when = (run.not_in_force || []).map((r) => `${r.ruleset}（${one(`${r.effective} 起施行`, `in force from ${r.effective}`)}）`);
    $("run-title").after(el("p", { id: "not-in-force", class: "warnings", role: "note" },
      one("未适用（核查日期时尚未施行）：", "Not applied (not yet in force on the day judged): "), when.join("、")));
  }
  const dl = [
    ["report.html", one("报告（新标签页）", "report (new tab)")],
    ["findings.xlsx", one("台账 Excel", "ledger (Excel)")],
    ["findings.csv", "CSV"],
    ["findings", "GeoJSON"],
  ];
  $("run-downloads").replaceChildren(one("下载：", "Download: "), ...dl.map(([path, text]) => el("a", path === "report.html" ? { href: api(`checks/${state.runId}/${path}`), target: "_blank", rel: "noopener" } : { href: api(`checks/${state.runId}/${path}`), download: `check-${state.runId}-${path === "findings" ? "findings.geojson" : path}` }, text)));
  // The filter: streets and communities of the run.
  const levels = { street: 1, township: 1, community: 2, village: 2 };
  // A run that judged nothing (every ruleset not yet in force) places no finding in any unit.
  const units = (run.admin_units || []).filter((u) => levels[u.level]);
  $("unit-filter").replaceChildren(el("option", { value: "" }, one("全部（全区）", "all (the whole district)")), ...units.map((u) => el("option", { value: u.code }, `${levels[u.level] === 2 ? "　" : ""}${u.name}`)));
  $("unit-filter").value = state.unit;
  // Rules: the whole run's figures, or with a filter the unit's own from the run's ledger.
  const unit = units.find((u) => u.code === state.unit);
  const ledgerOf = (rule) => (run.by_unit || []).find((u) => u.code === state.unit && u.rule === rule);
  const hasLedger = !unit || (run.by_unit || []).some((u) => u.code === state.unit);
  $("unit-note").hidden = !unit;
  if (unit) {
    $("unit-note").textContent = hasLedger
      ? one(`以下为${unit.name}的核查数、不达标数和达标率（本次核查的台账）。`, `The figures below are ${unit.name}'s own, from this run's ledger.`)
      : one(`本次核查的台账${run.request.by ? `按${levelWord(run.request.by)}` : "未建"}，没有${unit.name}的达标率：下表只列它的不达标对象数。要看它的达标率，请在“台账层级”选${levelWord(unit.level)}后重新核查。`, `This run's ledger ${run.request.by ? `is by ${levelWord(run.request.by)}` : "was not made"}: it has no rate for ${unit.name}, so only its failing subjects are counted. Run the check with the ledger by ${levelWord(unit.level)} for its rates.`);
  }
  const head = el("tr", {}, ...[["规则", "Rule"], ["结果", "Result"], ["达标率", "Rate"], ["不达标 / 核查", "Failed / checked"], ["条款与原文", "Clause and quote"]].map(([zh, en]) => el("th", { scope: "col" }, one(zh, en))));
  $("rule-table").tHead.replaceChildren(head);
  const inUnit = (f) => !state.unit || (f.units && Object.values(f.units).includes(state.unit)) || f.id === state.unit;
  let weighted = false;
  const rateCell = (rate, basis, subjectsRate, target) => {
    if (rate === null || rate === undefined) return el("td", { class: "num" }, "—");
    const byHouseholds = basis === "households";
    weighted ||= byHouseholds;
    return el("td", { class: "num" }, `${(rate * 100).toFixed(1)}%${byHouseholds ? " *" : ""}`,
      byHouseholds && subjectsRate !== null && subjectsRate !== undefined ? el("div", { class: "quote" }, one(`按小区 ${(subjectsRate * 100).toFixed(1)}%`, `by area ${(subjectsRate * 100).toFixed(1)}%`)) : null,
      target !== undefined ? el("div", { class: "quote" }, `${one("目标", "target")} ${(target * 100).toFixed(0)}%`) : null);
  };
  const rows = run.summary.map((s) => {
    const r = state.rules[s.rule] || {};
    let cells;
    if (!unit) {
      cells = [el("td", {}, passText(s.pass)), rateCell(s.rate, s.rate_basis, s.subjects_rate, s.target), el("td", { class: "num" }, `${s.failed} / ${s.checked}`)];
    } else if (hasLedger) {
      const u = ledgerOf(s.rule);
      cells = !u || !u.checked
        ? [el("td", {}, one("本单位无核查对象", "nothing checked here")), el("td", { class: "num" }, "—"), el("td", { class: "num" }, "0 / 0")]
        : [el("td", {}, passText(u.rate >= s.target)), rateCell(u.rate, u.rate_basis, u.subjects_rate, s.target), el("td", { class: "num" }, `${u.failed} / ${u.checked}`)];
    } else {
      const failedHere = run.findings.filter((f) => f.rule === s.rule && inUnit(f)).length;
      cells = [el("td", {}, "—"), el("td", { class: "num" }, "—"), el("td", { class: "num" }, `${failedHere} / —`)];
    }
    return el("tr", { "data-rule": s.rule },
      el("td", {}, r.title || s.rule, el("div", { class: "quote" }, r.document ? `${r.document} ${r.clause || ""}` : "")),
      ...cells,
      el("td", {}, el("div", { class: "quote" }, r.quote ? `“${r.quote}”` : "")));
  });
  $("rule-table").tBodies[0].replaceChildren(...rows);
  $("rate-note").hidden = !weighted;
  $("rate-note").textContent = one("* 服务半径类规则的达标率按户数加权：服务半径内住户占全部住户的比例；其下“按小区”为达标小区占比。两者不同，是因为各小区户数不同。", "* Radius rules weigh their rate by households: the share of households within reach; “by area” beneath it is the share of areas passing. They differ because areas differ in size.");
  // Findings.
  const shown = run.findings.filter(inUnit);
  $("findings-list").replaceChildren(...shown.map((f) => el("li", {}, el("button", { type: "button", "data-id": f.id, onclick: () => explain({ layer: f.layer, id: f.id }, null, true).catch(failed) },
    el("span", { class: "fail" }, "✗ "), `${f.layer === "pools" ? `${layerWord("pools")} ${f.id}` : f.name || f.id}（${f.id}）— ${ruleTitle(f.rule)}：${figureWith(f.measured, f.unit)} / ${one("要求", "required")} ${figureWith(f.required, f.unit)}`))));
  if (!shown.length) $("findings-list").replaceChildren(el("li", {}, one("无问题", "No findings")));
  // The ledger per unit.
  const ledger = (run.by_unit || []).filter((u) => !state.unit || u.code === state.unit);
  $("ledger").replaceChildren();
  if (ledger.length) {
    const table = el("table", { id: "ledger-table" }, el("caption", {}, one("分单位台账", "Ledger per unit")),
      el("thead", {}, el("tr", {}, ...[["单位", "Unit"], ["规则", "Rule"], ["核查", "Checked"], ["不达标", "Failed"], ["达标率", "Rate"]].map(([zh, en]) => el("th", { scope: "col" }, one(zh, en))))),
      el("tbody", {}, ...ledger.map((u) => el("tr", {}, el("td", {}, u.name), el("td", {}, ruleTitle(u.rule)), el("td", { class: "num" }, u.checked), el("td", { class: "num" }, u.failed), rateCell(u.rate, u.rate_basis, u.subjects_rate)))));
    $("ledger").append(table);
  }
}
async function filterUnit(code) {
  state.unit = code;
  state.subject = null;
  $("detail").hidden = true;
  $("unit-filter").value = code;
  renderRun();
  remember();
  if (code) {
    const unit = await fetchFeature("admin_units", code);
    if (unit) {
      fitTo([unit.geometry], { padding: 30 });
      showExplanation([{ type: "Feature", geometry: unit.geometry, properties: { role: "subject" } }]);
    }
  } else if (state.home) fitMap(state.home, { padding: 30 });
}

const quoted = (text) => `'${text.replaceAll("'", "''")}'`;
/** A layer's feature by its id (an admin unit's code), or null when there is none. Looked up with a CQL2
 * filter rather than the item's URL, so a miss is an empty page, not a 404 in the browser's console. A
 * server that cannot be reached or fails is an error, never "none". */
async function fetchFeature(layer, id) {
  const c = state.collections.find((c) => c.layer === layer);
  if (!c) return null;
  const key = layer === "admin_units" ? "code" : "id";
  const page = await call(`collections/${encodeURIComponent(c.id)}/items?limit=1&filter=${encodeURIComponent(`${key}=${quoted(id)}`)}`);
  return (page && page.features && page.features[0]) || null;
}
/** Units, areas and facilities whose id (code) is `text` or whose name holds it, ids first. */
async function search(text) {
  const found = [];
  for (const layer of ["admin_units", "residential_areas", "facilities"]) {
    for (const c of state.collections.filter((c) => c.layer === layer)) {
      const key = layer === "admin_units" ? "code" : "id";
      const like = quoted(`%${text.replace(/[%_]/g, "")}%`);
      const page = await call(`collections/${encodeURIComponent(c.id)}/items?limit=20&filter=${encodeURIComponent(`${key}=${quoted(text)} OR name LIKE ${like}`)}`);
      for (const f of page.features) found.push({ layer, id: f.properties[key], name: f.properties.name, feature: f, exact: f.properties[key] === text || f.properties.name === text });
    }
  }
  return found.sort((a, b) => b.exact - a.exact);
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
  if (!b.isEmpty()) fitMap(b.toArray(), options);
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

/** Shows why a subject passed or failed in the open run, and draws its counted facilities; with `pan`,
 * brings it into view. */
async function explain(subject, known = null, pan = false) {
  const box = $("detail");
  box.hidden = false;
  box.setAttribute("aria-busy", "true");
  state.subject = subject;
  remember();
  const findings = state.run ? state.run.findings.filter((f) => f.id === subject.id && f.layer === subject.layer) : [];
  const feature = findings[0] ? { type: "Feature", geometry: findings[0].geometry, properties: {} } : known || (await fetchFeature(subject.layer, subject.id));
  if (pan && feature && feature.geometry) fitTo([feature.geometry], { padding: 80, maxZoom: 16 });
  const name = (findings[0] && findings[0].name) || (feature && feature.properties && feature.properties.name) || subject.id;
  box.replaceChildren(el("h3", {}, `${name}（${layerWord(subject.layer)} ${subject.id}）`));
  if (EDITABLE.includes(subject.layer) && canEdit()) {
    box.append(el("p", { class: "actions no-print" }, el("button", { type: "button", id: "edit-open", onclick: () => editForm(subject, box).catch(failed) }, one("编辑台账信息", "Edit the ledger entry"))));
  }
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
      [one("实测", "Measured"), figureWith(f.measured, f.unit)],
      [one("要求", "Required"), figureWith(f.required, f.unit)],
      [one("说明", "Message"), messageText(f.message)],
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
        list.append(el("li", {}, `${fac.properties.name} (${id}) · ${tier ? one(tier[0], tier[1]) : fac.properties.tier} · ${fac.properties.floor_area_m2 ?? "—"} ${unitWord("m2")} · ${d === null ? "" : `≈ ${Math.round(d)} ${unitWord("m")}`}`));
        drawn.push({ type: "Feature", geometry: { type: "Point", coordinates: at }, properties: { role: "facility" } });
        if (from) drawn.push({ type: "Feature", geometry: { type: "LineString", coordinates: [from, at] }, properties: { role: "reach" } });
      }
    }
  }
  showExplanation(drawn);
  box.setAttribute("aria-busy", "false");
  box.focus();
}

// ---------- keeping the ledger (台账维护) ----------
const EDITABLE = ["facilities", "residential_areas"];
/** Whether the person may change the layers: where no accounts are kept (the server asks for its token
 * if it has one), or as an editor or administrator. The server decides; this only hides what it would refuse. */
function canEdit() {
  const who = state.config.signed_in;
  if (!state.config.accounts) return true;
  return !!who && ["editor", "admin"].includes(who.role);
}
/** The verdicts a write flips, as a list (pass → fail in red). */
function flipsList(verdicts) {
  const rules = verdicts.rules || [];
  const subjects = verdicts.subjects || [];
  if (!rules.length && !subjects.length) return el("p", { id: "edit-flips", class: "pass" }, one("不改变任何结论。", "No verdict changes."));
  const word = (v) => (v === null || v === undefined ? one("（无）", "(none)") : passText(v === "pass"));
  const title = (rule) => (state.rules[rule] || {}).title || rule;
  return el("ul", { id: "edit-flips", class: "findings" },
    ...rules.map((r) => el("li", {}, el("strong", {}, title(r.rule)), "：", word(r.before), " → ", word(r.after))),
    ...subjects.map((f) => el("li", {}, `${f.name || f.id}（${layerWord(f.layer)} ${f.id}）· ${title(f.rule)}：`, word(f.before), " → ", word(f.after))));
}
/** A form made from the layer's schema (its field table): change the fields, see what would flip, save. */
async function editForm(subject, box) {
  const c = state.collections.find((c) => c.layer === subject.layer);
  if (!c) return;
  const item = `collections/${encodeURIComponent(c.id)}/items/${encodeURIComponent(subject.id)}`;
  let tag = null;
  const [schema, feature] = await Promise.all([
    call(`collections/${encodeURIComponent(c.id)}/schema`),
    call(item, { onHeaders: (h) => (tag = h.get("ETag")) }),
  ]);
  const key = subject.layer === "admin_units" ? "code" : "id";
  const inputs = {};
  const rows = [];
  for (const [name, field] of Object.entries(schema.properties)) {
    if (name === key || name === "geometry") continue;
    const types = [].concat(field.type || []);
    const value = feature.properties[name];
    const id = `edit-${name}`;
    let input;
    if (field.enum) {
      // A value in the people's words, its key beside it (as files and the API write it).
      const word = (v) => (name === "tier" && TIERS[v] ? one(TIERS[v][0], TIERS[v][1]) : WORDS[`${name}.${v}`] ? t(`${name}.${v}`) : v);
      input = el("select", { id }, ...field.enum.filter((v) => v !== null).map((v) => el("option", { value: v, selected: v === value }, `${word(v)} (${v})`)));
    } else if (types.includes("boolean")) {
      input = el("select", { id }, el("option", { value: "", selected: value === null }, one("未知", "unknown")),
        el("option", { value: "true", selected: value === true }, one("是", "yes")), el("option", { value: "false", selected: value === false }, one("否", "no")));
    } else if (types.includes("integer") || types.includes("number")) {
      input = el("input", { id, type: "number", step: types.includes("integer") ? "1" : "any", value: value ?? "" });
    } else if (field.format === "date") {
      input = el("input", { id, type: "date", value: value ?? "" });
    } else {
      input = el("input", { id, type: "text", value: value ?? "" });
    }
    inputs[name] = { input, types, before: value };
    rows.push(el("label", {}, el("span", {}, field.title || name), " ", input));
  }
  /** The merge patch: only what changed, typed as the schema says. */
  const patch = () => {
    const changed = {};
    for (const [name, { input, types, before }] of Object.entries(inputs)) {
      const raw = input.value.trim();
      let v = raw;
      if (raw === "" && types.includes("null")) v = null;
      else if (types.includes("boolean")) v = raw === "true";
      else if (types.includes("integer")) v = Number.parseInt(raw, 10);
      else if (types.includes("number")) v = Number(raw);
      if (v !== before && !(Number.isNaN(v) && raw === "")) changed[name] = v;
    }
    return { properties: changed };
  };
  const result = el("div", { id: "edit-result", "aria-live": "polite" });
  const send = async (dryRun) => {
    const body = patch();
    if (!Object.keys(body.properties).length) {
      result.replaceChildren(el("p", {}, one("没有修改。", "Nothing changed.")));
      return;
    }
    const headers = { "Content-Type": "application/merge-patch+json" };
    if (tag && !dryRun) headers["If-Match"] = tag;
    const answer = await call(`${item}${dryRun ? "?dry-run=true" : ""}`, { method: "PATCH", headers, body: JSON.stringify(body), onHeaders: (h) => { if (!dryRun && h.get("ETag")) tag = h.get("ETag"); } });
    const said = dryRun
      ? one("保存后将改变的结论（尚未保存）：", "What saving would change (not saved yet):")
      : one(`已保存：版本 ${answer.version}，${answer.by}，${answer.at}。改变的结论：`, `Saved: version ${answer.version}, by ${answer.by}, at ${answer.at}. Verdicts changed:`);
    result.replaceChildren(el("p", { id: dryRun ? "edit-preview" : "edit-saved" }, said), flipsList(answer.verdicts));
    if (!dryRun) {
      for (const [name, entry] of Object.entries(inputs)) entry.before = answer.feature.properties[name] ?? null;
      status(one(`已保存 ${subject.id}（版本 ${answer.version}）`, `Saved ${subject.id} (version ${answer.version})`));
      // The layers drawn again from the new version (tests wait for data-map-idle).
      document.body.dataset.mapIdle = "false";
      await showDataset(true);
      map.once("idle", () => (document.body.dataset.mapIdle = "true"));
    }
  };
  const form = el("form", { id: "edit-form", class: "edit" },
    el("h4", {}, one("编辑台账信息", "Edit the ledger entry")),
    ...rows,
    el("p", { class: "actions" },
      el("button", { type: "button", id: "edit-preview-button", onclick: () => send(true).catch(failed) }, one("预览影响", "Preview the effect")),
      " ",
      el("button", { type: "submit", id: "edit-save" }, one("保存", "Save"))),
    result);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    send(false).catch(failed);
  });
  const open = $("edit-open");
  if (open) open.parentElement.replaceWith(form);
  else box.append(form);
  form.querySelector("input, select")?.focus();
}

// ---------- review ----------
let drawing = null; // { kind: "area", corners: [] } or { kind: "facility" }
const isArea = (f) => ["小区", "居住区", "residential_areas", "residential_area"].includes((f.properties || {}).layer);
const isFacility = (f) => ["设施", "facilities", "facility"].includes((f.properties || {}).layer);
function renderProposalSummary() {
  const fs = state.proposal.features;
  const areas = fs.filter(isArea).length;
  $("proposal-summary").textContent = fs.length ? one(`方案「${projectName()}」：${areas} 个小区，${fs.length - areas} 处设施`, `Proposal “${projectName()}”: ${areas} areas, ${fs.length - areas} facilities`) : one("还没有方案：请选择文件或在地图上绘制。", "No proposal yet: choose a file or draw one.");
  $("run-review").disabled = !fs.length;
}
/** The project's name for the verdict: its first residential area's, else the file's. */
function projectName() {
  const area = state.proposal.features.find((f) => isArea(f) && f.properties.name);
  return (area && area.properties.name) || state.proposalName || one("绘制的方案", "drawn proposal");
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
/** Drops the proposal and its verdict: a review can only judge what is shown. */
function clearProposal() {
  state.proposal = { type: "FeatureCollection", features: [] };
  state.proposalName = "";
  state.verdict = null;
  $("verdict").hidden = true;
  showProposal();
}
function setProposal(collection, name) {
  state.proposal = collection;
  state.proposalName = name;
  state.verdict = null;
  $("verdict").hidden = true;
  showProposal();
  fitTo(collection.features.map((f) => f.geometry), { padding: 120, maxZoom: 16 });
  status(one(`已读入方案 ${name}：${collection.features.length} 个要素。`, `Proposal ${name} read: ${collection.features.length} features.`));
}
/** Why a file cannot be a proposal, in words the reviewer can act on, or the proposal read from it. */
function proposalProblem(name, text) {
  const ext = (name.split(".").pop() || "").toLowerCase();
  const elsewhere = { kml: "KML", kmz: "KMZ", csv: "CSV", xls: "Excel", xlsx: "Excel", shp: "Shapefile", zip: one("压缩包", "zip"), dwg: "CAD", dxf: "CAD", gpkg: "GeoPackage" }[ext];
  if (elsewhere) return one(`${name} 是 ${elsewhere} 文件，网页只读 GeoJSON 方案。请在 GIS 软件中把方案另存为 GeoJSON（.geojson）后再选择。`, `${name} is a ${elsewhere} file; the app reads GeoJSON proposals only. Save the proposal as GeoJSON (.geojson) in a GIS and choose it again.`);
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {
    return one(`${name} 不是有效的 GeoJSON（文件内容无法按 JSON 读出）。请确认选的是方案的 GeoJSON 文件。`, `${name} is not valid GeoJSON (it cannot be read as JSON). Check that it is the proposal's GeoJSON file.`);
  }
  if (!doc || doc.type !== "FeatureCollection" || !Array.isArray(doc.features))
    return one(`${name} 不是 GeoJSON 要素集（FeatureCollection）。方案应是一个要素集，含小区和设施。`, `${name} is not a GeoJSON FeatureCollection; a proposal is one, holding its areas and facilities.`);
  if (!doc.features.length) return one(`${name} 里没有任何要素：方案至少要有一个小区或一处设施。`, `${name} holds no features: a proposal has at least one area or facility.`);
  const declared = doc.crs && doc.crs.properties && doc.crs.properties.name;
  if (declared && !/CRS84$|EPSG:{1,2}(4326|4490)$|EPSG\/0\/(4326|4490)$/i.test(declared))
    return one(`${name} 声明的坐标系是 ${declared}，网页只在地图上画经纬度坐标（EPSG:4326 或 4490）。请在 GIS 中转为 EPSG:4326 后再选择；命令行 carecircle review 可直接读它并自动换算。`, `${name} declares the CRS ${declared}; the app draws longitude/latitude (EPSG:4326 or 4490) only. Convert it to EPSG:4326 in a GIS, or review it with carecircle review, which converts it.`);
  const bad = doc.features.findIndex((f) => !f || !f.geometry || !["Point", "Polygon", "MultiPolygon"].includes(f.geometry.type));
  if (bad >= 0) return one(`${name} 的第 ${bad + 1} 个要素没有点或面几何：小区须为面，设施须为点或面。`, `Feature ${bad + 1} of ${name} has no point or polygon geometry: areas are polygons, facilities points or polygons.`);
  const outside = doc.features.findIndex((f) => positions(f.geometry).some(([x, y]) => !(Math.abs(x) <= 180 && Math.abs(y) <= 90)));
  if (outside >= 0) return one(`${name} 的第 ${outside + 1} 个要素坐标不是经纬度（文件也没有声明坐标系）。请在 GIS 中导出为 EPSG:4326 的 GeoJSON。`, `Feature ${outside + 1} of ${name} is not in longitude/latitude, and the file names no CRS. Export it as GeoJSON in EPSG:4326.`);
  const unknown = doc.features.findIndex((f) => !isArea(f) && !isFacility(f));
  if (unknown >= 0) return one(`${name} 的第 ${unknown + 1} 个要素没有说明是小区还是设施：请给它 layer 属性，值为“小区”或“设施”。`, `Feature ${unknown + 1} of ${name} does not say whether it is an area or a facility: give it a layer property, 小区 or 设施.`);
  return doc;
}
async function readProposalFile(file) {
  // Whatever happens next, the proposal shown before this file is gone: 审查 judges only what was read.
  clearProposal();
  const read = proposalProblem(file.name, await file.text());
  $("proposal-file").value = "";
  if (typeof read === "string") {
    status(read, true);
    return;
  }
  setProposal(read, file.name);
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
    status(one("先选择方案文件或在地图上绘制。", "Choose a proposal file or draw one first."), true);
    return;
  }
  status(one("审查中…", "Reviewing…"));
  $("run-review").disabled = true;
  try {
    state.verdict = await call("review", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ dataset: state.dataset, rulesets: selectedRulesets(), proposal: state.proposal }) });
    state.verdict.project = projectName();
  } catch (e) {
    state.verdict = null;
    $("verdict").hidden = true;
    failed(e);
    return;
  } finally {
    $("run-review").disabled = !state.proposal.features.length;
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
  const head = [["规则", "Rule"], ["结果", "Result"], ["实测", "Measured"], ["要求", "Required"], ["条款与原文", "Clause and quote"]];
  const gaps = v.rules.filter((r) => (r.existing_gaps || []).length);
  box.replaceChildren(
    el("h2", {}, one("规划审查意见", "Plan review verdict")),
    el("p", { class: "project" }, one("项目：", "Project: "), el("strong", {}, v.project || projectName())),
    el("div", { class: `verdict-head ${v.pass ? "pass" : "fail"}`, id: "verdict-head" }, v.pass ? "✓ " : "✗ ", one("本方案", "The proposal"), " ", v.pass ? one("通过", "PASSES") : one("不通过", "FAILS")),
    el("p", { class: "hint" }, one("结论只看本方案自身应满足的要求；周边原有的缺口另列于下，不影响结论。", "The verdict rests on what the proposal itself must meet; gaps its surroundings already have are listed below and do not decide it.")),
    el("p", {}, `${one("数据集", "Dataset")}：${v.dataset} · ${one("核查日期", "as of")} ${v.as_of} · ${one("规则集", "rulesets")}：${selectedRulesets().join("、")}`),
    el("table", { class: "rules", id: "verdict-table" }, el("caption", {}, one("本方案应满足的要求", "What the proposal must meet")),
      el("thead", {}, el("tr", {}, ...head.map(([zh, en]) => el("th", { scope: "col" }, one(zh, en))))),
      el("tbody", {}, ...v.rules.filter((r) => (r.subjects || []).length).map((r) => el("tr", {},
        el("td", {}, ruleTitle(r.rule), ...(r.findings || []).map((f) => el("div", { class: "quote" }, messageText(f.message)))),
        el("td", {}, passText(r.pass)),
        el("td", { class: "num" }, figureWith(r.measured, r.unit)),
        el("td", { class: "num" }, figureWith(r.required, r.unit)),
        el("td", {}, `${r.document || ""} ${r.clause || ""}`, el("div", { class: "quote" }, r.quote ? `“${r.quote}”` : "")))))),
    gaps.length
      ? el("table", { class: "rules", id: "existing-gaps" }, el("caption", {}, one("既有缺口（没有本方案时也存在，不因本方案产生）", "Existing gaps (there without the proposal as well; not caused by it)")),
          el("thead", {}, el("tr", {}, ...[["规则", "Rule"], ["单位", "Unit"], ["实测", "Measured"], ["要求", "Required"]].map(([zh, en]) => el("th", { scope: "col" }, one(zh, en))))),
          el("tbody", {}, ...gaps.flatMap((r) => r.existing_gaps.map((g) => el("tr", {}, el("td", {}, ruleTitle(r.rule)), el("td", {}, g.name), el("td", { class: "num" }, figureWith(g.measured, g.unit)), el("td", { class: "num" }, figureWith(g.required, g.unit)))))))
      : "",
    el("p", { class: "sign" }, `${one("审查人", "Reviewer")}：________________　${one("审查日期", "Date")}：________________　${one("打印日期", "Printed")}：${today()}`),
    el("p", { class: "no-print" }, el("button", { type: "button", id: "print", onclick: () => printView() }, one("打印审查意见（A4）", "Print the verdict (A4)"))),
  );
}
function startDrawing(kind) {
  drawing = kind === "area" ? { kind, corners: [] } : { kind };
  document.body.classList.add("drawing");
  map.doubleClickZoom.disable();
  $("draw-undo").disabled = kind !== "area";
  status(kind === "area" ? one("单击地图加点；双击或回车结束，退格键或“撤销上一点”删去最后一点，Esc 取消。", "Click corners on the map; double-click or Enter ends, Backspace or Undo removes the last corner, Esc cancels.") : one("单击地图放置设施，Esc 取消。", "Click the map to place the facility; Esc cancels."));
  $("map").focus();
}
function stopDrawing() {
  drawing = null;
  // A changed proposal has no verdict yet.
  state.verdict = null;
  $("verdict").hidden = true;
  $("draw-undo").disabled = true;
  document.body.classList.remove("drawing");
  setTimeout(() => map.doubleClickZoom.enable(), 0);
  showProposal();
}
function undoCorner() {
  if (drawing && drawing.corners && drawing.corners.length) {
    drawing.corners.pop();
    showProposal();
  }
}
function finishArea() {
  const corners = drawing.corners;
  if (corners.length < 3) {
    status(one("小区至少需要三个点。", "An area needs at least three corners."), true);
    return;
  }
  if (!state.proposal.features.length) state.proposalName = "";
  const n = state.proposal.features.filter(isArea).length + 1;
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
    failed(e);
    return;
  }
  renderComparison();
  showCompareOnMap();
  $("print-compare").hidden = false;
  status(one("对比完成", "Compared"));
  remember();
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
    el("p", { id: "compare-head" }, one(`旧：核查 #${c.ids.old}（${c.old.as_of}）→ 新：核查 #${c.ids.now}（${c.new.as_of}）`, `old: run #${c.ids.old} (${c.old.as_of}) → new: run #${c.ids.now} (${c.new.as_of})`)),
    warnings.length ? el("ul", { id: "compare-warnings", class: "warnings", role: "alert" }, ...warnings) : "",
    el("p", { class: "downloads" }, one("下载：", "Download: "), ...[["csv", "CSV"], ["xlsx", "Excel"], ["html", one("报告", "report")]].map(([f, text]) => el("a", { href: api(`checks/${c.ids.now}/compare/${c.ids.old}?by=street&format=${f}`) }, text))),
    el("table", { id: "compare-table" }, el("caption", {}, one("分规则", "Per rule")), el("thead", {}, th(cols)),
      el("tbody", {}, ...c.rules.map((r) => el("tr", { "data-judged": r.judged }, el("td", {}, ruleTitle(r.rule)), ...counts(r))))),
    el("table", { id: "compare-units" }, el("caption", {}, one("分街道", "Per street")), el("thead", {}, th([["街道", "Street"], ...cols])),
      el("tbody", {}, ...(c.by_unit || []).flatMap((u) => u.rules.filter((r) => r.fixed.length + r.new.length + r.still_failing.length).map((r) => el("tr", {}, el("td", {}, u.name), el("td", {}, ruleTitle(r.rule)), ...unitCounts(r)))))),
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
  layerSwitcher();
  legend();
}

// ---------- print and export ----------
/** A "nice" scale-bar length in metres for about `max` metres, and its label. */
function scaleBar(maxMetres) {
  const step = 10 ** Math.floor(Math.log10(maxMetres));
  const metres = [5, 2, 1].map((k) => k * step).find((m) => m <= maxMetres) || step;
  return { metres, label: metres >= 1000 ? `${metres / 1000} ${one("公里", "km")}` : `${metres} ${unitWord("m")}` };
}
const metresPerPixel = () => (40075016.686 * Math.cos((map.getCenter().lat * Math.PI) / 180)) / 2 ** (map.getZoom() + 9);
/** The printable sheet of the view shown: title, what was judged, the result, the map with legend, scale
 * bar and north arrow, and the day printed. */
function printSheet() {
  const sheet = $("print-sheet");
  const view = state.view;
  sheet.className = view;
  const titles = { audit: ["回头看核查结果", "Audit result"], review: ["规划审查意见", "Plan review verdict"], compare: ["整改对比结果", "Comparison of two runs"] };
  const parts = [el("h1", {}, `${one("养老服务设施布局核查", "Elderly-care facility layout checks")} · ${one(...titles[view])}`)];
  if (view === "audit" && state.run) {
    const run = state.run;
    const { applied: used, skipped } = applied(run.request.rulesets || run.rulesets.map((r) => r.id), run.not_in_force);
    parts.push(el("p", {}, `${one("数据集", "Dataset")}：${run.dataset} · ${one("核查日期", "As of")}：${run.as_of} · ${one("模式", "Mode")}：${modeWord(run.mode)} · ${one("核查编号", "Run")} #${state.runId}`));
    parts.push(el("p", {}, `${one("适用规则集", "Rulesets applied")}：${used.join("、") || "—"}${skipped.length ? one(`；未适用（尚未施行）：${skipped.join("、")}`, `; not applied (not yet in force): ${skipped.join(", ")}`) : ""}`));
    if (state.unit) parts.push(el("p", {}, `${one("筛选", "Filter")}：${$("unit-filter").selectedOptions[0].textContent.trim()}`));
    parts.push($("rule-table").cloneNode(true));
    if (!$("rate-note").hidden) parts.push($("rate-note").cloneNode(true));
  } else if (view === "review" && state.verdict) {
    parts.push($("verdict").cloneNode(true));
  } else if (view === "compare" && state.comparison) {
    parts.push($("comparison").cloneNode(true));
  } else {
    parts.push(el("p", {}, one("（尚无结果）", "(no result yet)")));
  }
  const bar = scaleBar(metresPerPixel() * 160);
  parts.push(el("figure", { class: "print-map" },
    el("img", { src: map.getCanvas().toDataURL("image/png"), alt: one("地图", "map") }),
    el("div", { class: "north", "aria-label": one("指北", "north") }, "▲", el("br"), one("北", "N")),
    // The bar's length is a share of the map's width, so it stays true however the sheet scales the map.
    el("div", { class: "scale-bar", style: `width:${((100 * bar.metres) / metresPerPixel() / map.getCanvas().clientWidth).toFixed(2)}%` }),
    el("div", { class: "scale", style: `left:calc(${((100 * bar.metres) / metresPerPixel() / map.getCanvas().clientWidth).toFixed(2)}% + 14px)` }, bar.label),
    el("figcaption", {}, $("legend").cloneNode(true))));
  parts.push(el("p", { class: "printed" }, `${one("打印日期", "Printed")}：${today()} · carecircle`));
  sheet.replaceChildren(...parts);
  for (const e of sheet.querySelectorAll("[id]")) e.removeAttribute("id");
  for (const e of sheet.querySelectorAll(".no-print, button")) e.remove();
}
function printView() {
  document.body.classList.add("printing");
  printSheet();
  window.print();
}
/** The map as shown, with its legend, scale bar and north arrow, as a PNG file. */
function exportMap() {
  const canvas = map.getCanvas();
  const ratio = canvas.width / canvas.clientWidth;
  const out = document.createElement("canvas");
  out.width = canvas.width;
  out.height = canvas.height;
  const g = out.getContext("2d");
  g.drawImage(canvas, 0, 0);
  g.scale(ratio, ratio);
  const font = `13px ${LABEL_FONT.map((f) => `"${f}"`).join(",")}`;
  g.font = font;
  g.fillStyle = "rgba(255,255,255,0.9)";
  g.fillRect(10, 10, 34, 44);
  g.fillStyle = "#1d2733";
  g.textAlign = "center";
  g.fillText("▲", 27, 28);
  g.fillText(one("北", "N"), 27, 46);
  const bar = scaleBar(metresPerPixel() * 160);
  const px = bar.metres / metresPerPixel();
  const y = canvas.clientHeight - 24;
  g.fillStyle = "rgba(255,255,255,0.9)";
  g.fillRect(8, y - 18, px + 70, 28);
  g.fillStyle = "#1d2733";
  g.fillRect(14, y, px, 4);
  g.textAlign = "left";
  g.fillText(bar.label, px + 20, y + 5);
  const rows = [...$("legend").querySelectorAll("div")];
  const w = 200;
  const x = canvas.clientWidth - w - 10;
  let top = canvas.clientHeight - rows.length * 18 - 40;
  g.fillStyle = "rgba(255,255,255,0.94)";
  g.fillRect(x, top, w, rows.length * 18 + 28);
  g.fillStyle = "#1d2733";
  g.fillText(one("图例", "Legend"), x + 8, (top += 18));
  for (const row of rows) {
    const swatch = row.querySelector("i");
    g.fillStyle = getComputedStyle(swatch).backgroundColor;
    g.fillRect(x + 8, top + 5, 20, 11);
    g.strokeStyle = getComputedStyle(swatch).borderTopColor;
    g.strokeRect(x + 8, top + 5, 20, 11);
    g.fillStyle = "#1d2733";
    g.fillText(row.textContent.trim(), x + 34, (top += 18));
  }
  out.toBlob((blob) => {
    const a = el("a", { href: URL.createObjectURL(blob), download: `carecircle-${state.view}-${new Date().toISOString().slice(0, 10)}.png` });
    document.body.append(a);
    a.click();
    a.remove();
  }, "image/png");
}

// ---------- single sign-on (OpenID Connect, authorization code with PKCE) ----------
const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const appUrl = () => `${location.origin}${location.pathname}`;

/** Goes to the identity provider's sign-in, keeping this tab's PKCE verifier and state for the way back. */
async function singleSignOn() {
  const oidc = state.config.oidc;
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const nonce = b64url(crypto.getRandomValues(new Uint8Array(16)));
  const sent = { verifier, state: b64url(crypto.getRandomValues(new Uint8Array(16))), hash: location.hash };
  sessionStorage.setItem("carecircle_pkce", JSON.stringify(sent));
  const to = new URL(oidc.authorization_endpoint);
  for (const [k, v] of Object.entries({
    response_type: "code", client_id: oidc.client_id, redirect_uri: appUrl(), scope: "openid profile",
    code_challenge: challenge, code_challenge_method: "S256", state: sent.state, nonce,
  })) to.searchParams.set(k, v);
  location.assign(to.toString());
}

/** Back from the identity provider with a code: exchanged (with the verifier) for the id token, which is
 *  then this browser's sign-in as a personal token would be. The code leaves the address bar at once. */
async function signedInBySso() {
  const params = new URLSearchParams(location.search);
  const code = params.get("code");
  if (!code && !params.get("error")) return;
  const sent = JSON.parse(sessionStorage.getItem("carecircle_pkce") || "null");
  sessionStorage.removeItem("carecircle_pkce");
  history.replaceState(null, "", appUrl() + (sent?.hash || ""));
  const refused = (why) => { $("signin-status").textContent = why; };
  if (!code) return refused(one(`统一身份认证未登录：${params.get("error")}`, `Single sign-on did not sign you in: ${params.get("error")}`));
  if (!sent || sent.state !== params.get("state")) return refused(one("登录响应与本页发出的请求不符，已忽略：请重新登录。", "The sign-in answer does not match the request this page sent, so it was ignored: sign in again."));
  const config = await call("app/config.json");
  const oidc = config.oidc;
  const answer = await fetch(oidc.token_endpoint, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: appUrl(), client_id: oidc.client_id, code_verifier: sent.verifier }),
  });
  const got = answer.ok ? await answer.json() : null;
  if (!got?.id_token) return refused(one("身份认证服务未发放令牌：请重新登录。", "The identity provider gave no token: sign in again."));
  token.set(got.id_token);
}

// ---------- wiring ----------
const selectedRulesets = () => [...document.querySelectorAll("#rulesets input:checked")].map((i) => i.value);

async function start() {
  translate();
  try {
    await signedInBySso();
    state.config = await call("app/config.json");
  } catch (e) {
    failed(e);
    return;
  }
  // Where accounts are kept, nothing is read before signing in; once in, the header says as whom.
  const who = state.config.signed_in;
  if (state.config.accounts && !who) {
    if (token.get()) $("signin-status").textContent = one("令牌无效或账户已停用：请重新输入。", "That token is not known, or its account is disabled: enter it again.");
    token.set("");
    $("sso").hidden = !state.config.oidc;
    $("signin-form").hidden = false;
    $("panel").hidden = true;
    $("signin-token").focus();
    return;
  }
  if (who) {
    const area = who.scope.length ? one(`，辖区 ${who.scope.join("、")}`, `, in ${who.scope.join(", ")}`) : "";
    $("who").textContent = one(`已登录：${who.name}（${who.role_zh}${area}）`, `Signed in: ${who.name} (${who.role}${area})`);
    $("who").hidden = false;
    $("sign-out").hidden = false;
  }
  const rules = await call("rules");
  for (const rs of rules.rulesets) for (const r of rs.rules) state.rules[r.id] = r;
  $("rulesets").append(...state.config.rulesets.map((r, i) => el("label", {}, el("input", { type: "checkbox", value: r.id, checked: i === 0 }), `${r.id}（${r.document}）`)));
  // Signed in with an account, the check needs no other token.
  $("token-label").hidden = !state.config.token_required || !!who;
  $("token-hint").hidden = $("token-label").hidden;
  $("token").value = token.get();
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
  if (location.hash.length > 1) await restore();
  else history.replaceState(null, "", fragment());
  document.body.dataset.ready = "true";
  if (!$("status").classList.contains("error")) status(one("就绪", "Ready"));
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
  state.runId = null;
  state.comparison = null;
  $("run").hidden = true;
  $("comparison").hidden = true;
  await showDataset();
  showRunOnMap();
  await loadRuns();
  remember();
});
// One click, one run: the button waits for the check it started.
let checking = false;
$("check-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  if (checking) return;
  const given = $("token").value.trim() || token.get();
  if (state.config.token_required && !given) {
    status(one("运行核查需要令牌：请在“令牌”一栏输入。", "Running a check needs the token: enter it in the Token field."), true);
    $("token").focus();
    return;
  }
  token.set(given);
  const body = { dataset: state.dataset, rulesets: selectedRulesets(), mode: $("mode").value };
  if ($("as-of").value) body.as_of = $("as-of").value;
  if ($("by").value) body.by = $("by").value;
  status(one("核查中…", "Checking…"));
  checking = true;
  $("run-check").disabled = true;
  try {
    const made = await call("checks", { method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${given}` }, body: JSON.stringify(body) });
    await loadRuns();
    $("runs").value = made.id;
    await openRun(made.id);
  } catch (err) {
    if (err.status === 401 && !state.config.accounts) token.set("");
    failed(err);
  } finally {
    checking = false;
    $("run-check").disabled = false;
  }
});
$("signin-form").addEventListener("submit", (e) => {
  e.preventDefault();
  token.set($("signin-token").value.trim());
  location.reload();
});
$("sso-sign-in").addEventListener("click", () => singleSignOn().catch(failed));
$("sign-out").addEventListener("click", () => {
  token.set("");
  location.reload();
});
$("open-form").addEventListener("submit", (e) => {
  e.preventDefault();
  if ($("runs").value) openRun($("runs").value).catch(failed);
});
$("unit-filter").addEventListener("change", () => filterUnit($("unit-filter").value).catch(failed));
// Any subject by its id or name, so every finding (and every pass) is reachable without a mouse.
$("find-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const text = $("find-id").value.trim();
  const list = $("find-results");
  list.hidden = true;
  if (!text) return;
  let found;
  try {
    found = await search(text);
  } catch (err) {
    failed(err);
    return;
  }
  const go = (f) => explain({ layer: f.layer, id: f.id }, f.feature, true).catch(failed);
  if (!found.length) {
    status(one(`没有编号或名称含“${text}”的行政区划、小区或设施。`, `No admin unit, residential area or facility has the id or a name holding “${text}”.`), true);
  } else if (found.length === 1 || found[0].exact) {
    status(one(`找到 ${found[0].name || found[0].id}`, `Found ${found[0].name || found[0].id}`));
    go(found[0]);
  } else {
    status(one(`找到 ${found.length} 个，请选择：`, `${found.length} found: choose one`));
    list.replaceChildren(...found.map((f) => el("li", {}, el("button", { type: "button", onclick: () => go(f) }, `${f.name || f.id}（${layerWord(f.layer)} ${f.id}）`))));
    list.hidden = false;
  }
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
$("draw-clear").addEventListener("click", () => {
  clearProposal();
  status(one("方案已清空", "Proposal cleared"));
});
$("draw-undo").addEventListener("click", undoCorner);
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
  if ((e.key === "Backspace" || (e.key === "z" && (e.ctrlKey || e.metaKey))) && drawing.kind === "area") {
    e.preventDefault();
    undoCorner();
  }
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
      // The two clicks of the double click that ends an area are one corner, not two.
      const last = drawing.corners[drawing.corners.length - 1];
      if (last) {
        const p = map.project(last);
        if (Math.hypot(p.x - e.point.x, p.y - e.point.y) < 5) return;
      }
      drawing.corners.push(at);
      showProposal();
    } else {
      const n = state.proposal.features.filter(isFacility).length + 1;
      const areas = state.proposal.features.filter(isArea).map((f) => f.properties.id);
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
  explain({ layer: source, id: source === "admin_units" && p.code ? p.code : p.id }).catch(failed);
});
map.on("mousemove", (e) => {
  if (drawing) return;
  const layers = map.getStyle().layers.map((l) => l.id).filter((id) => id.startsWith("run:") || id.includes(".facilities") || id.includes(".residential_areas"));
  map.getCanvas().style.cursor = map.queryRenderedFeatures(e.point, { layers }).length ? "pointer" : "";
});

$("print-audit").addEventListener("click", () => printView());
$("print-compare").addEventListener("click", () => printView());
$("export-map").addEventListener("click", exportMap);
// Ctrl+P prints the sheet too. The map is copied while it is still on screen: once the print layout
// hides it, its canvas is resized and would print cut off (then the sheet already made is kept).
window.addEventListener("beforeprint", () => {
  if (!document.body.classList.contains("printing") && map.getCanvas().clientWidth) printSheet();
});
window.addEventListener("afterprint", () => document.body.classList.remove("printing"));

Object.assign(window.carecircle, { printSheet, exportMap });
start().catch(failed);
