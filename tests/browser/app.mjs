// The web app end to end in a real browser: Debian's chromium driven by playwright-core.
//
//     node tests/browser/app.mjs BASE_URL TOKEN SCREENSHOT_DIR
//
// BASE_URL is a `carecircle serve` of the built-in demo with no kept runs and TOKEN its token. An auditor
// runs the 2024 check first and the 2021 one second, reads the map's place names, clicks a failing area,
// finds places by name, filters by street and reads that street's own rates, shares a deep link, prints
// the audit on A4 and compares the two runs the right way round; a reviewer meets a failed upload that
// clears the drawing, reads the proposal's own verdict beside the existing gaps and prints it; the app
// survives a lost server, three screen sizes and axe-core. Screenshots go to SCREENSHOT_DIR. Exits
// non-zero on the first expectation not met (node:assert), or on any error the page throws.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { chromium } from "playwright-core";
import AxeBuilder from "@axe-core/playwright";

const [base, token, shots] = process.argv.slice(2);
assert.ok(base && token && shots, "usage: node tests/browser/app.mjs BASE_URL TOKEN SCREENSHOT_DIR");
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";

const browser = await chromium.launch({
  executablePath,
  // SwiftShader gives WebGL (MapLibre needs it) without a GPU; the rest keep chromium off the network.
  args: ["--no-sandbox", "--enable-unsafe-swiftshader", "--use-angle=swiftshader", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
});
const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true, locale: "zh-CN" });
// Every breach of the pages' Content-Security-Policy is an error of the page's (the console shows most;
// this catches each, with what it blocked).
await context.addInitScript(() =>
  document.addEventListener("securitypolicyviolation", (e) =>
    console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI}`)));
const problems = [];
// While the test cuts the server off on purpose, the failures it causes are expected.
let cutOff = false;
// The browser logs a refused request (the wrong token's 401) as an error of its own; while one is asked
// for on purpose, that line is expected.
let refusing = false;
function watch(page) {
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && !cutOff && !(refusing && /status of 401/.test(m.text())) && problems.push(`console error: ${m.text()}`));
  // A tile request the map abandons (its source replaced, the view moved on) is aborted, not failed.
  page.on("requestfailed", (r) => {
    const why = r.failure() ? r.failure().errorText : "";
    if (why !== "net::ERR_ABORTED" && !cutOff) problems.push(`request failed: ${r.url()} ${why}`);
  });
  // Nothing may come from outside the server: the app must work on an intranet with no internet.
  page.on("request", (r) => {
    if (!r.url().startsWith(base) && !r.url().startsWith("data:") && !r.url().startsWith("blob:")) problems.push(`request outside the server: ${r.url()}`);
  });
  return page;
}
let page = watch(await context.newPage());
const step = (text) => console.log(`- ${text}`);
const noProblems = () => assert.deepEqual(problems, [], "the page reported errors");

/** Waits until the map has drawn every tile it asked for. */
async function idle(on = page) {
  await on.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const map = window.carecircle.map;
        const timer = setTimeout(() => reject(new Error("the map never became idle")), 30000);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        if (map.loaded() && map.areTilesLoaded() && !map.isMoving()) done();
        else map.once("idle", done);
      }),
  );
}
const shot = async (name, on = page) => {
  await idle(on);
  await on.screenshot({ path: `${shots}/${name}.png` });
  step(`screenshot ${name}.png`);
};
/** axe-core (WCAG 2.1 A and AA) over the page as shown: no critical or serious violation. */
async function axe(view) {
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).exclude(".maplibregl-canvas").analyze();
  const bad = result.violations.filter((v) => v.impact === "critical" || v.impact === "serious");
  assert.deepEqual(bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join("; ")}`), [], `axe over the ${view} view`);
  step(`axe: the ${view} view has no critical or serious violation (${result.passes.length} rules pass)`);
}
const ready = (on = page) => on.waitForSelector("body[data-ready=true]", { timeout: 30000 });
/** The PDF's page count. */
const pdfPages = (pdf) => (pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) || []).length;
/** Whether the map's view holds a point. */
const inView = (at, on = page) => on.evaluate((at) => window.carecircle.map.getBounds().contains(at), at);

try {
  step("open the app: Chinese first, place names on the map");
  await page.goto(`${base}/app/`);
  await ready();
  await idle();
  assert.equal(await page.locator("#tab-audit").textContent(), "回头看", "Chinese first");
  const gl = await page.evaluate(() => !!window.carecircle.map.painter.context.gl);
  assert.ok(gl, "WebGL is there");
  const drawn = await page.evaluate(() => window.carecircle.map.queryRenderedFeatures().filter((f) => f.sourceLayer === "demo.residential_areas").length);
  assert.ok(drawn > 20, `the demo's residential areas are drawn from vector tiles (${drawn} pieces)`);
  const names = await page.evaluate(() => window.carecircle.map.queryRenderedFeatures({ layers: ["label:ds:units"] }).map((f) => f.properties.name));
  assert.ok(names.includes("罗星街道") && names.includes("琅岐镇"), `street and township names are drawn: ${names}`);
  assert.equal(await page.locator("#run-review").isDisabled(), true, "审查 waits for a proposal");

  step("run a check without the token: refused, and said so");
  await page.click("#run-check");
  await page.waitForSelector("#status.error");
  assert.match(await page.locator("#status").textContent(), /令牌/);

  step("a wrong token is told apart from none");
  refusing = true;
  await page.fill("#token", "not-the-token");
  await page.click("#run-check");
  await page.waitForFunction(() => /令牌不正确/.test(document.querySelector("#status").textContent));
  refusing = false;

  step("the 2024 check first, anxi-2022 and mawei-2020, ledger by street; a double click keeps one run");
  await page.fill("#token", token);
  await page.check('#rulesets input[value="mawei-2020"]');
  await page.selectOption("#by", "street");
  await page.dblclick("#run-check");
  await page.waitForSelector("#run:not([hidden]) #rule-table tbody tr");
  await page.waitForFunction(() => !document.querySelector("#run-check").disabled);
  const kept = await page.evaluate(() => fetch("../checks").then((r) => r.json()).then((b) => b.checks.length));
  assert.equal(kept, 1, "one click, one run");
  const summary = await page.evaluate(() => window.carecircle.state.run.summary.map((s) => s.rule));
  assert.equal(await page.locator("#rule-table tbody tr").count(), summary.length, "a row per rule");
  assert.ok(summary.filter((r) => r.startsWith("anxi-2022/")).length === 7 && summary.some((r) => r.startsWith("mawei-2020/")), `${summary}`);
  const radiusRow = page.locator('#rule-table tbody tr[data-rule="anxi-2022/service-radius"]');
  assert.match(await radiusRow.textContent(), /不通过/);
  assert.match(await radiusRow.textContent(), /二\(二\)7/);
  assert.match(await radiusRow.textContent(), /社区养老服务设施服务半径应小于700米/);
  // The household-weighted rate is explained beside the count of areas.
  assert.match(await radiusRow.textContent(), /按小区/);
  assert.match(await page.locator("#rate-note").textContent(), /按户数加权/);
  assert.ok((await page.locator("#ledger-table tbody tr").count()) > 0, "the ledger per street is shown");
  assert.doesNotMatch(await page.locator("#run-title").textContent(), /audit|review/, "no internal words in the title");
  assert.match(await page.locator("#run-meta").textContent(), /运行于 \d{4}年/, "the time made, local");
  await shot("app-audit");
  await axe("audit");

  step("click the failing residential area R011 on the map and read its explanation");
  const target = await page.evaluate(() => {
    const { state, map } = window.carecircle;
    const f = state.run.findings.find((f) => f.id === "R011" && f.rule === "anxi-2022/service-radius");
    const ring = f.geometry.coordinates[0];
    const at = [ring.reduce((s, p) => s + p[0], 0) / ring.length, ring.reduce((s, p) => s + p[1], 0) / ring.length];
    map.jumpTo({ center: at, zoom: 15 });
    return at;
  });
  await idle();
  const point = await page.evaluate((at) => window.carecircle.map.project(at), target);
  const box = await page.locator("#map").boundingBox();
  await page.mouse.click(box.x + point.x, box.y + point.y);
  await page.waitForSelector("#detail[aria-busy=false] .finding");
  const detail = await page.locator("#detail").textContent();
  assert.match(detail, /新港新村（居住区 R011）/);
  assert.match(detail, /809\.4 米/, "measured");
  assert.match(detail, /700 米/, "required");
  assert.match(detail, /二\(二\)7/, "the clause");
  assert.match(detail, /服务半径应小于700米/, "the quote");
  assert.match(detail, /S20/, "the facility counted");
  const explained = await page.evaluate(() => window.carecircle.map.getSource("explain").getData().then((d) => d.features.map((f) => f.properties.role)));
  assert.ok(explained.includes("reach") && explained.includes("facility"), `the counted facility is drawn (${explained})`);
  const areaNames = await page.evaluate(() => window.carecircle.map.queryRenderedFeatures().filter((f) => f.layer.id.startsWith("label:") && f.sourceLayer === "demo.residential_areas").map((f) => f.properties.name));
  assert.ok(areaNames.includes("新港新村"), `residential areas are named at zoom 15: ${areaNames}`);
  await shot("app-finding");

  step("a finding clicked in the list is brought into view");
  await page.evaluate(() => window.carecircle.map.jumpTo({ center: [119.3, 25.8], zoom: 15 }));
  const listed = page.locator("#findings-list li button").first();
  const listedId = await listed.getAttribute("data-id");
  await listed.click();
  await page.waitForFunction((id) => document.querySelector("#detail h3").textContent.includes(id) && document.querySelector("#detail").getAttribute("aria-busy") === "false", listedId);
  const listedAt = await page.evaluate((id) => {
    const f = window.carecircle.state.run.findings.find((f) => f.id === id);
    const c = f.geometry.type === "Point" ? f.geometry.coordinates : f.geometry.coordinates.flat(3).reduce((a, v, i, all) => (i % 2 ? a : [a[0] + v / (all.length / 2), a[1] + all[i + 1] / (all.length / 2)]), [0, 0]);
    return c;
  }, listedId);
  assert.ok(await inView(listedAt), `${listedId} is in view`);

  step("find by name and by id; a miss says so");
  await page.fill("#find-id", "新港社区");
  await page.press("#find-id", "Enter");
  await page.waitForFunction(() => document.querySelector("#detail h3").textContent.includes("新港社区") && document.querySelector("#detail").getAttribute("aria-busy") === "false");
  assert.match(await page.locator("#detail h3").textContent(), /行政区划/);
  await page.fill("#find-id", "新港");
  await page.press("#find-id", "Enter");
  await page.waitForSelector("#find-results:not([hidden]) li");
  const many = await page.locator("#find-results li").allTextContents();
  assert.ok(many.some((t) => t.includes("新港新村")) && many.some((t) => t.includes("新港社区")), `a part of a name finds areas and units: ${many}`);
  await page.focus("#find-id");
  await page.fill("#find-id", "R001");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelector("#detail h3").textContent.includes("R001") && document.querySelector("#detail").getAttribute("aria-busy") === "false");
  assert.match(await page.locator("#detail").textContent(), /没有问题/);
  await page.fill("#find-id", "NO-SUCH-ID");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#status.error");
  assert.match(await page.locator("#status").textContent(), /NO-SUCH-ID/);

  step("with the server out of reach: one banner, and no false 'not found'");
  cutOff = true;
  await page.route("**/collections/**", (route) => route.abort("connectionrefused"));
  await page.fill("#find-id", "R011");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#offline:not([hidden])");
  assert.match(await page.locator("#offline").textContent(), /无法连接/);
  assert.doesNotMatch(await page.locator("#status").textContent(), /没有编号/, "a lost server is not a missing id");
  await page.unroute("**/collections/**");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#offline", { state: "hidden" });
  await page.waitForFunction(() => document.querySelector("#detail h3").textContent.includes("R011") && document.querySelector("#detail").getAttribute("aria-busy") === "false");
  cutOff = false;

  step("filter by a street: its own checked, failed and rates, from the run's ledger");
  const before = await page.locator("#findings-list li").count();
  await page.selectOption("#unit-filter", "350105001");
  const after = await page.locator("#findings-list li").count();
  assert.ok(after > 0 && after < before, `罗星街道 has some of the findings (${after} of ${before})`);
  const ledgerRow = await page.evaluate(() => window.carecircle.state.run.by_unit.find((u) => u.code === "350105001" && u.rule === "anxi-2022/service-radius"));
  const cells = await radiusRow.locator("td").allTextContents();
  assert.equal(cells[3], `${ledgerRow.failed} / ${ledgerRow.checked}`, `the street's own count: ${cells}`);
  assert.match(cells[2], new RegExp(`^${(ledgerRow.rate * 100).toFixed(1)}%`), `the street's own rate: ${cells}`);
  assert.match(cells[1], ledgerRow.rate >= 1 ? /通过/ : /不通过/);
  assert.match(await page.locator("#unit-note").textContent(), /罗星街道/);

  step("the URL names the view, run and filter: a new tab opens there signed in, and reloads there");
  const link = page.url();
  assert.match(link, /#view=audit&dataset=demo&run=1&unit=350105001/);
  const other = watch(await context.newPage());
  await other.goto(link);
  await ready(other);
  await other.waitForSelector("#run:not([hidden])");
  assert.equal(await other.inputValue("#unit-filter"), "350105001");
  assert.equal(await other.inputValue("#token"), token, "the sign-in is kept for the browser session, across tabs");
  await other.reload();
  await ready(other);
  await other.waitForSelector("#run:not([hidden])");
  assert.equal(await other.inputValue("#unit-filter"), "350105001", "a reload keeps the place");
  await other.close();
  await page.goBack();
  await page.waitForFunction(() => document.querySelector("#unit-filter").value === "");
  assert.equal(await page.locator("#run").isHidden(), false, "Back stays in the app");
  await page.selectOption("#unit-filter", "");

  step("download the ledger workbook");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click('#run-downloads a:has-text("Excel")')]);
  const saved = `${shots}/ledger.xlsx`;
  await download.saveAs(saved);
  const xlsx = readFileSync(saved);
  assert.equal(xlsx.subarray(0, 2).toString(), "PK", "an xlsx is a zip");
  assert.ok(xlsx.length > 4000, `the workbook has content (${xlsx.length} bytes)`);
  step("the report opens in a new tab and prints with every finding unfolded");
  const [report] = await Promise.all([context.waitForEvent("page"), page.click('#run-downloads a:has-text("报告")')]);
  watch(report);
  await report.waitForLoadState();
  assert.match(await report.title(), /养老服务设施布局检查报告/);
  const folded = () => report.evaluate(() => [...document.querySelectorAll("details td")].filter((td) => td.checkVisibility()).length);
  assert.equal(await folded(), 0, "on screen the findings are folded");
  await report.emulateMedia({ media: "print" });
  const cellsShown = await folded();
  assert.ok(cellsShown > 100, `printed, every finding shows (${cellsShown} cells)`);
  await report.close();

  step("print the audit view: the result and the map on A4");
  await page.evaluate(() => window.carecircle.printSheet());
  const sheet = await page.evaluate(() => ({
    text: document.querySelector("#print-sheet").textContent,
    image: (document.querySelector("#print-sheet img") || { src: "" }).src.length,
    rows: document.querySelectorAll("#print-sheet table tbody tr").length,
  }));
  assert.match(sheet.text, /回头看核查结果/);
  assert.match(sheet.text, /核查日期：2024-12-31/);
  assert.match(sheet.text, /anxi-2022、mawei-2020/, "the rulesets applied");
  assert.match(sheet.text, /打印日期/);
  assert.match(sheet.text, /北/, "a north arrow");
  assert.match(sheet.text, /米|公里/, "a scale bar");
  assert.equal(sheet.rows, summary.length, "the verdict table, whole");
  assert.ok(sheet.image > 50000, `the map is on the sheet (${sheet.image} bytes)`);
  await page.emulateMedia({ media: "print" });
  const auditPdf = await page.pdf({ format: "A4", printBackground: true });
  writeFileSync(`${shots}/audit.pdf`, auditPdf);
  const auditPages = pdfPages(auditPdf);
  assert.ok(auditPages >= 1 && auditPages <= 2, `the audit prints on one or two A4 pages (${auditPages})`);
  assert.match(auditPdf.toString("latin1"), /\/Subtype\s*\/Image/, "the PDF holds the map");
  await page.emulateMedia({ media: "screen" });

  step("the 2021 check second: anxi-2022 was not in force, and the run says so everywhere");
  await page.fill("#as-of", "2021-12-31");
  await page.click("#run-check");
  await page.waitForFunction(() => window.carecircle.state.runs && window.carecircle.state.runs.length === 2 && window.carecircle.state.runId === 2);
  await page.waitForSelector("#not-in-force");
  assert.match(await page.locator("#not-in-force").textContent(), /anxi-2022（2022-02-21 起施行）/);
  assert.doesNotMatch(await page.locator("#run-title").textContent(), /anxi-2022/, "the title names only what was applied");
  const label = await page.locator('#runs option[value="2"]').textContent();
  assert.match(label, /未适用 anxi-2022/, label);
  assert.match(label, /回头看/, label);

  step("compare by default: 2021 is old, 2024 new, whichever ran first");
  await page.click("#tab-compare");
  assert.equal(await page.inputValue("#compare-old"), "2", "旧 is the earlier day");
  assert.equal(await page.inputValue("#compare-new"), "1", "新 is the later day");
  await page.click("#run-compare");
  await page.waitForSelector("#comparison:not([hidden]) #compare-table tbody tr");
  const notJudged = page.locator('#compare-table tbody tr[data-judged="new_only"]');
  assert.equal(await notJudged.count(), 7, "anxi-2022's seven rules were not judged in 2021");
  assert.match(await notJudged.first().textContent(), /仅新记录（旧记录时未生效）/);
  const stations = await page.evaluate(() => window.carecircle.state.comparison.rules.find((r) => r.rule === "mawei-2020/station-coverage"));
  assert.ok(stations.fixed.includes("350105100003"), `350105100003 got its station after 2021: ${JSON.stringify(stations)}`);
  const stationRow = page.locator("#compare-table tbody tr").filter({ hasText: "350105100003" });
  assert.equal(await stationRow.count(), 1);
  const stationCells = await stationRow.locator("td").allTextContents();
  assert.match(stationCells[1], /350105100003/, `已整改: ${stationCells}`);
  assert.doesNotMatch(stationCells[2], /350105100003/, "not new");
  assert.match(page.url(), /view=compare.*old=2&new=1/);
  await shot("app-compare");
  await axe("compare");
  step("taken the wrong way round, the server's reversed-days warning is shown");
  await page.selectOption("#compare-old", "1");
  await page.selectOption("#compare-new", "2");
  await page.click("#run-compare");
  await page.waitForSelector("#compare-warnings li");
  assert.match(await page.locator("#compare-warnings").textContent(), /日期倒置/);

  step("a third check as of 2023-06-30: the default compare is 2023 against 2024");
  await page.click("#tab-audit");
  await page.fill("#as-of", "2023-06-30");
  await page.selectOption("#by", "");
  await page.click("#run-check");
  await page.waitForFunction(() => window.carecircle.state.runs.length === 3 && window.carecircle.state.runId === 3);
  await page.click("#tab-compare");
  assert.equal(await page.inputValue("#compare-old"), "3");
  assert.equal(await page.inputValue("#compare-new"), "1");
  await page.click("#run-compare");
  await page.waitForFunction(() => window.carecircle.state.comparison && window.carecircle.state.comparison.ids.old === "3");
  const ratio = await page.locator("#compare-table tbody tr").filter({ hasText: "每百户不少于30平方米" }).first().locator("td").allTextContents();
  // From mid-2023 to the end of 2024 one new area (P24) starts failing the new-area quota; twelve still fail.
  assert.equal(parseInt(ratio[2], 10), 1, `new: ${ratio}`);
  assert.match(ratio[2], /P24/);
  assert.equal(parseInt(ratio[3], 10), 12, `still failing: ${ratio}`);
  const styled = await page.evaluate(() => window.carecircle.map.getStyle().layers.filter((l) => l.id.startsWith("cmp:")).length);
  assert.ok(styled >= 3, "fixed, new and still failing are drawn");

  step("review: a drawing, then a failed upload: the drawing is gone and 审查 refused");
  await page.click("#tab-review");
  await page.click("#draw-area");
  const mapBox = await page.locator("#map").boundingBox();
  const cx = mapBox.x + mapBox.width / 2;
  const cy = mapBox.y + mapBox.height / 2;
  for (const [dx, dy] of [[-60, -40], [60, -40], [60, 40]]) await page.mouse.click(cx + dx, cy + dy);
  await page.mouse.dblclick(cx - 60, cy + 40);
  const ring = await page.evaluate(() => window.carecircle.state.proposal.features[0].geometry.coordinates[0].length);
  assert.equal(ring, 5, "a double click ends the area with one corner, not two");
  assert.equal(await page.locator("#run-review").isDisabled(), false);
  const kml = `${shots}/proposal.kml`;
  writeFileSync(kml, '<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Placemark/></kml>');
  await page.setInputFiles("#proposal-file", kml);
  await page.waitForSelector("#status.error");
  assert.match(await page.locator("#status").textContent(), /proposal\.kml 是 KML 文件.*另存为 GeoJSON/);
  assert.equal(await page.evaluate(() => window.carecircle.state.proposal.features.length), 0, "the drawing is cleared");
  assert.equal(await page.locator("#run-review").isDisabled(), true, "审查 is refused until a good file is read");
  const empty = `${shots}/empty.geojson`;
  writeFileSync(empty, '{"type": "FeatureCollection", "features": []}');
  await page.setInputFiles("#proposal-file", empty);
  await page.waitForFunction(() => /没有任何要素/.test(document.querySelector("#status").textContent));
  const source = JSON.parse(readFileSync("geodata/proposals/langqi-jiangjing.geojson", "utf8"));
  const projected = `${shots}/gk.geojson`;
  writeFileSync(projected, JSON.stringify({ ...source, crs: { type: "name", properties: { name: "urn:ogc:def:crs:EPSG::4549" } } }));
  await page.setInputFiles("#proposal-file", projected);
  await page.waitForFunction(() => /EPSG::4549/.test(document.querySelector("#status").textContent));
  assert.equal(await page.locator("#run-review").isDisabled(), true);

  step("review: the failing demo proposal, its own shortfalls apart from the gap it found");
  await page.setInputFiles("#proposal-file", "geodata/proposals/langqi-jiangjing.geojson");
  await page.waitForFunction(() => window.carecircle.state.proposal.features.length === 2);
  await page.click("#run-review");
  await page.waitForSelector("#verdict:not([hidden]) #verdict-head");
  assert.match(await page.locator("#verdict-head").textContent(), /本方案 不通过/);
  const verdict = await page.locator("#verdict-table").textContent();
  assert.match(verdict, /320/, "the floor area planned");
  assert.match(verdict, /720/, "the floor area required");
  assert.match(verdict, /二\(二\)7/, "the clause");
  assert.match(await page.locator("#existing-gaps").textContent(), /琅岐镇/, "琅岐镇's missing institution is an existing gap");
  assert.match(await page.locator("#verdict").textContent(), /项目：琅岐江景苑/);
  const reach = await page.evaluate(() => window.carecircle.map.getSource("proposal").getData().then((d) => d.features.filter((f) => f.properties.reach).length));
  assert.equal(reach, 1, "the planned facility's reach is drawn");
  await shot("app-review");
  await axe("review");

  step("the verdict prints on one A4 page with the project, the map, and lines for reviewer and date");
  await page.evaluate(() => window.carecircle.printSheet());
  const printed = await page.locator("#print-sheet").textContent();
  assert.match(printed, /琅岐江景苑/);
  assert.match(printed, /审查人：_+/);
  assert.match(printed, /审查日期：_+/);
  assert.ok((await page.evaluate(() => document.querySelector("#print-sheet img").src.length)) > 50000, "the map is on the verdict");
  await page.emulateMedia({ media: "print" });
  const pdf = await page.pdf({ format: "A4", printBackground: true });
  writeFileSync(`${shots}/verdict.pdf`, pdf);
  assert.equal(pdfPages(pdf), 1, `the verdict takes ${pdfPages(pdf)} pages`);
  await page.emulateMedia({ media: "screen" });

  step("the same estate with an 800 m² station, under anxi-2022: the proposal passes, the existing gap stays listed");
  // (mawei-2020 would still fail it: its station stands 1.6 km from the nearest clinic.)
  await page.uncheck('#rulesets input[value="mawei-2020"]');
  for (const f of source.features) if (f.properties.floor_area_m2) f.properties.floor_area_m2 = 800;
  const big = `${shots}/langqi-800.geojson`;
  writeFileSync(big, JSON.stringify(source));
  await page.setInputFiles("#proposal-file", big);
  await page.waitForFunction(() => window.carecircle.state.proposal.features.length === 2 && !window.carecircle.state.verdict);
  await page.click("#run-review");
  await page.waitForSelector("#verdict:not([hidden]) #verdict-head");
  assert.match(await page.locator("#verdict-head").textContent(), /本方案 通过/);
  assert.match(await page.locator("#existing-gaps").textContent(), /琅岐镇/);

  step("the map exports as a PNG");
  const [png] = await Promise.all([page.waitForEvent("download"), page.evaluate(() => window.carecircle.exportMap())]);
  await png.saveAs(`${shots}/map-export.png`);
  const pngBytes = readFileSync(`${shots}/map-export.png`);
  assert.ok(pngBytes.subarray(1, 4).toString() === "PNG" && pngBytes.length > 50000, `a real PNG (${pngBytes.length} bytes)`);

  step("draw a proposal: corners with one undone, an area of 1 200 new households and a planned 500 m² station");
  await page.click("#draw-clear");
  await page.fill("#draw-households", "1200");
  await page.click("#draw-area");
  for (const [dx, dy] of [[-60, -40], [60, -40], [60, 40], [-60, 40], [0, 90]]) await page.mouse.click(cx + dx, cy + dy);
  await page.keyboard.press("Backspace");
  await page.keyboard.press("Enter");
  await page.fill("#draw-area-m2", "500");
  await page.click("#draw-facility");
  await page.mouse.click(cx + 90, cy);
  const [savedProposal] = await Promise.all([page.waitForEvent("download"), page.click("#proposal-save")]);
  await savedProposal.saveAs(`${shots}/proposal.geojson`);
  const keptProposal = JSON.parse(readFileSync(`${shots}/proposal.geojson`, "utf8"));
  assert.equal(keptProposal.type, "FeatureCollection");
  assert.equal(keptProposal.features.length, 2, "the drawn proposal downloads whole");
  assert.equal(keptProposal.features[0].geometry.coordinates[0].length, 5, "the undone corner is gone");
  const drawnFeatures = await page.evaluate(() => window.carecircle.state.proposal.features.map((f) => [f.geometry.type, f.properties.layer, f.properties.households || f.properties.floor_area_m2]));
  assert.deepEqual(drawnFeatures, [["Polygon", "小区", 1200], ["Point", "设施", 500]]);
  assert.equal(await page.locator("#verdict").isHidden(), true, "the old verdict is gone");
  await page.click("#run-review");
  await page.waitForSelector("#verdict:not([hidden]) #verdict-table");
  // 1 200 households need 360 m² at 30 m² per 100, but one site must have 400 m²: 400 is required, and
  // the drawn station's 500 m² passes.
  const quota = await page.locator("#verdict-table tbody tr").filter({ hasText: "每百户不少于30平方米" }).first().textContent();
  assert.match(quota, /✓ 通过/, quota);
  assert.match(quota, /500 平方米/);
  assert.match(quota, /400 平方米/);

  step("switch to English");
  await page.click("#lang");
  assert.equal(await page.locator("#tab-audit").textContent(), "Audit");
  assert.match(await page.locator("#verdict-head").textContent(), /PASSES|FAILS/);
  await page.click("#lang");

  step("keyboard: the tabs move with the arrow keys");
  await page.focus("#tab-review");
  await page.keyboard.press("ArrowRight");
  assert.equal(await page.evaluate(() => document.activeElement.id), "tab-compare");
  assert.equal(await page.locator("#compare").isHidden(), false);

  step("1280×720: headers on one line, the map refitted to what it showed");
  await page.click("#tab-audit");
  await page.selectOption("#runs", "1");
  await page.click("#open-run");
  await page.waitForFunction(() => window.carecircle.state.runId === 1);
  await page.selectOption("#unit-filter", "350105001");
  await idle();
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.waitForTimeout(400);
  await idle();
  const tall = await page.evaluate(() => [...document.querySelectorAll("#rule-table th")].map((th) => th.getBoundingClientRect().height));
  assert.ok(tall.every((h) => h < 40), `no header wraps (${tall})`);
  const fitted = await page.evaluate(() => {
    const [[w, s], [e, n]] = window.carecircle.state.fitted.bounds;
    const b = window.carecircle.map.getBounds();
    return b.contains([w, s]) && b.contains([e, n]);
  });
  assert.ok(fitted, "after the resize the map still shows the street");
  await shot("app-1280");

  step("a 390 px phone reads a run's summary");
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(400);
  assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 400, "no sideways scrolling");
  assert.ok(await page.locator("#rule-table").isVisible());
  const row = await page.locator("#rule-table tbody tr").first().boundingBox();
  assert.ok(row.width <= 390 && row.height < 200, `a rule's row fits the phone (${row.width}×${row.height})`);
  await shot("app-phone");
  await page.setViewportSize({ width: 1440, height: 900 });

  noProblems();
  console.log("the app did all it should");
} catch (e) {
  await page.screenshot({ path: `${shots}/failure.png` }).catch(() => {});
  console.error(e.stack || String(e));
  if (problems.length) console.error(problems.join("\n"));
  process.exitCode = 1;
} finally {
  await browser.close();
}
