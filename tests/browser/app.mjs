// The web app end to end in a real browser: Debian's chromium driven by playwright-core.
//
//     node tests/browser/app.mjs BASE_URL TOKEN SCREENSHOT_DIR
//
// BASE_URL is a `carecircle serve` of the built-in demo with no kept runs and TOKEN its token. An auditor
// runs a check, clicks a failing residential area and reads why, filters by street, downloads the ledger,
// runs a second check and compares the two; a reviewer uploads the failing demo proposal and reads 不通过,
// prints it on one page, and switches to English. Screenshots go to SCREENSHOT_DIR. Exits non-zero on the
// first expectation not met (node:assert), or on any error the page throws.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { chromium } from "playwright-core";

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
const page = await context.newPage();
const problems = [];
page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
page.on("console", (m) => m.type() === "error" && problems.push(`console error: ${m.text()}`));
// A tile request the map abandons (its source replaced, the view moved on) is aborted, not failed.
page.on("requestfailed", (r) => {
  const why = r.failure() ? r.failure().errorText : "";
  if (why !== "net::ERR_ABORTED") problems.push(`request failed: ${r.url()} ${why}`);
});
// Nothing may come from outside the server: the app must work on an intranet with no internet.
page.on("request", (r) => {
  if (!r.url().startsWith(base) && !r.url().startsWith("data:") && !r.url().startsWith("blob:")) problems.push(`request outside the server: ${r.url()}`);
});
const step = (text) => console.log(`- ${text}`);
const noProblems = () => assert.deepEqual(problems, [], "the page reported errors");

/** Waits until the map has drawn every tile it asked for. */
async function idle() {
  await page.evaluate(
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
const shot = async (name) => {
  await idle();
  await page.screenshot({ path: `${shots}/${name}.png` });
  step(`screenshot ${name}.png`);
};

try {
  step("open the app");
  await page.goto(`${base}/app/`);
  await page.waitForSelector("body[data-ready=true]", { timeout: 30000 });
  await idle();
  assert.equal(await page.locator("#tab-audit").textContent(), "回头看", "Chinese first");
  const gl = await page.evaluate(() => !!window.carecircle.map.painter.context.gl);
  assert.ok(gl, "WebGL is there");
  const drawn = await page.evaluate(() => window.carecircle.map.queryRenderedFeatures().filter((f) => f.sourceLayer === "demo.residential_areas").length);
  assert.ok(drawn > 20, `the demo's residential areas are drawn from vector tiles (${drawn} pieces)`);

  step("run a check without the token: refused, and said so");
  await page.click("#run-check");
  await page.waitForSelector("#status.error");
  assert.match(await page.locator("#status").textContent(), /令牌/);

  step("run a check with the token, ledger by street");
  await page.fill("#token", token);
  await page.selectOption("#by", "street");
  await page.click("#run-check");
  await page.waitForSelector("#run:not([hidden]) #rule-table tbody tr");
  const rules = await page.locator("#rule-table tbody tr").count();
  assert.equal(rules, 7, "anxi-2022 has seven rules");
  const radiusRow = page.locator('#rule-table tbody tr[data-rule="anxi-2022/service-radius"]');
  assert.match(await radiusRow.textContent(), /不通过/);
  assert.match(await radiusRow.textContent(), /二\(二\)7/);
  assert.match(await radiusRow.textContent(), /社区养老服务设施服务半径应小于700米/);
  assert.ok((await page.locator("#ledger-table tbody tr").count()) > 0, "the ledger per street is shown");
  await shot("app-audit");

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
  assert.match(detail, /新港新村 \(R011\)/);
  assert.match(detail, /809\.4 m/, "measured");
  assert.match(detail, /700 m/, "required");
  assert.match(detail, /二\(二\)7/, "the clause");
  assert.match(detail, /服务半径应小于700米/, "the quote");
  assert.match(detail, /S20/, "the facility counted");
  const explained = await page.evaluate(() => window.carecircle.map.getSource("explain").getData().then((d) => d.features.map((f) => f.properties.role)));
  assert.ok(explained.includes("reach") && explained.includes("facility"), `the counted facility is drawn (${explained})`);
  await shot("app-finding");

  step("by keyboard alone: find R001 by its id and read that it passes");
  await page.focus("#find-id");
  await page.keyboard.type("R001");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelector("#detail h3").textContent.includes("R001") && document.querySelector("#detail").getAttribute("aria-busy") === "false");
  assert.match(await page.locator("#detail").textContent(), /没有问题/);
  await page.fill("#find-id", "NO-SUCH-ID");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#status.error");
  assert.match(await page.locator("#status").textContent(), /NO-SUCH-ID/);

  step("filter by a street: the findings list narrows");
  const before = await page.locator("#findings-list li").count();
  await page.selectOption("#unit-filter", "350105001");
  const after = await page.locator("#findings-list li").count();
  assert.ok(after > 0 && after < before, `罗星街道 has some of the findings (${after} of ${before})`);
  await page.selectOption("#unit-filter", "");

  step("download the ledger workbook");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click('#run-downloads a:has-text("Excel")')]);
  const saved = `${shots}/ledger.xlsx`;
  await download.saveAs(saved);
  const xlsx = readFileSync(saved);
  assert.equal(xlsx.subarray(0, 2).toString(), "PK", "an xlsx is a zip");
  assert.ok(xlsx.length > 4000, `the workbook has content (${xlsx.length} bytes)`);

  step("run a second check as of 2023-06-30, then compare the two");
  await page.fill("#as-of", "2023-06-30");
  await page.selectOption("#by", "");
  await page.click("#run-check");
  await page.waitForFunction(() => window.carecircle.state.runs && window.carecircle.state.runs.length === 2);
  await page.click("#tab-compare");
  const runs = await page.evaluate(() => window.carecircle.state.runs.map((r) => [r.id, r.as_of]));
  const older = runs.find((r) => r[1] === "2023-06-30")[0];
  const newer = runs.find((r) => r[1] !== "2023-06-30")[0];
  // The 2024 check was made first: by default the runs are still taken by the day they judged.
  assert.ok(newer < older, "the later-dated check was made first");
  assert.equal(await page.inputValue("#compare-old"), String(older), "旧 is the earlier day by default");
  assert.equal(await page.inputValue("#compare-new"), String(newer), "新 is the later day by default");
  await page.click("#run-compare");
  await page.waitForSelector("#comparison:not([hidden]) #compare-table tbody tr");
  const ratio = await page.locator("#compare-table tbody tr").filter({ hasText: "每百户不少于30平方米" }).first().locator("td").allTextContents();
  // From mid-2023 to the end of 2024 one new area (P24) starts failing the new-area quota; twelve still fail.
  assert.equal(parseInt(ratio[2], 10), 1, `new: ${ratio}`);
  assert.match(ratio[2], /P24/);
  assert.equal(parseInt(ratio[3], 10), 12, `still failing: ${ratio}`);
  assert.ok((await page.locator("#compare-units tbody tr").count()) > 0, "per street");
  const styled = await page.evaluate(() => window.carecircle.map.getStyle().layers.filter((l) => l.id.startsWith("cmp:")).length);
  assert.ok(styled >= 3, "fixed, new and still failing are drawn");
  await shot("app-compare");

  step("a check as of 2021-12-31, before anxi-2022 was in force, compared with 2024");
  await page.click("#tab-audit");
  await page.fill("#as-of", "2021-12-31");
  await page.click("#run-check");
  await page.waitForFunction(() => window.carecircle.state.runs && window.carecircle.state.runs.length === 3);
  // The run says it did not apply anxi-2022, and why.
  await page.waitForSelector("#not-in-force");
  assert.match(await page.locator("#not-in-force").textContent(), /anxi-2022（2022-02-21 起施行）/);
  await page.click("#tab-compare");
  const in2021 = await page.evaluate(() => window.carecircle.state.runs.find((r) => r.as_of === "2021-12-31").id);
  await page.selectOption("#compare-old", String(in2021));
  await page.selectOption("#compare-new", String(newer));
  await page.click("#run-compare");
  await page.waitForFunction((id) => window.carecircle.state.comparison && window.carecircle.state.comparison.ids.old === String(id), in2021);
  // anxi-2022's rules were not in force in 2021: not judged then, so nothing of theirs is 新增.
  const notJudged = page.locator('#compare-table tbody tr[data-judged="new_only"]');
  assert.equal(await notJudged.count(), 7, "anxi-2022's seven rules");
  assert.match(await notJudged.first().textContent(), /仅新记录（旧记录时未生效）/);
  assert.equal(await page.locator("#compare-table tbody tr").count(), 7, "no rule of theirs is counted as new");
  await shot("app-compare-not-in-force");
  // Taken the wrong way round, the server's reversed-days warning is shown above the result.
  await page.selectOption("#compare-old", String(newer));
  await page.selectOption("#compare-new", String(in2021));
  await page.click("#run-compare");
  await page.waitForSelector("#compare-warnings li");
  assert.match(await page.locator("#compare-warnings").textContent(), /日期倒置/);

  step("review: upload the failing demo proposal and read 不通过");
  await page.click("#tab-review");
  await page.setInputFiles("#proposal-file", "geodata/proposals/langqi-jiangjing.geojson");
  await page.waitForFunction(() => window.carecircle.state.proposal.features.length === 2);
  await page.click("#run-review");
  await page.waitForSelector("#verdict:not([hidden]) #verdict-head");
  assert.match(await page.locator("#verdict-head").textContent(), /不通过/);
  const verdict = await page.locator("#verdict-table").textContent();
  assert.match(verdict, /320/, "the floor area planned");
  assert.match(verdict, /720/, "the floor area required");
  assert.match(verdict, /二\(二\)7/, "the clause");
  const reach = await page.evaluate(() => window.carecircle.map.getSource("proposal").getData().then((d) => d.features.filter((f) => f.properties.reach).length));
  assert.equal(reach, 1, "the planned facility's reach is drawn");
  await shot("app-review");

  step("the verdict prints on one page");
  await page.emulateMedia({ media: "print" });
  const pdf = await page.pdf({ format: "A4", printBackground: true });
  writeFileSync(`${shots}/verdict.pdf`, pdf);
  const pages = (pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) || []).length;
  assert.equal(pages, 1, `the verdict takes ${pages} pages`);
  await page.emulateMedia({ media: "screen" });

  step("draw a proposal on the map instead: an area of 1 200 new households and a planned 500 m² station");
  await page.click("#draw-clear");
  await page.fill("#draw-households", "1200");
  await page.click("#draw-area");
  const mapBox = await page.locator("#map").boundingBox();
  const cx = mapBox.x + mapBox.width / 2;
  const cy = mapBox.y + mapBox.height / 2;
  for (const [dx, dy] of [[-60, -40], [60, -40], [60, 40], [-60, 40]]) await page.mouse.click(cx + dx, cy + dy);
  await page.keyboard.press("Enter");
  await page.fill("#draw-area-m2", "500");
  await page.click("#draw-facility");
  await page.mouse.click(cx + 90, cy);
  const [savedProposal] = await Promise.all([page.waitForEvent("download"), page.click("#proposal-save")]);
  await savedProposal.saveAs(`${shots}/proposal.geojson`);
  const kept = JSON.parse(readFileSync(`${shots}/proposal.geojson`, "utf8"));
  assert.equal(kept.type, "FeatureCollection");
  assert.equal(kept.features.length, 2, "the drawn proposal downloads whole");
  const drawnFeatures = await page.evaluate(() => window.carecircle.state.proposal.features.map((f) => [f.geometry.type, f.properties.layer, f.properties.households || f.properties.floor_area_m2]));
  assert.deepEqual(drawnFeatures, [["Polygon", "小区", 1200], ["Point", "设施", 500]]);
  assert.equal(await page.locator("#verdict").isHidden(), true, "the old verdict is gone");
  await page.click("#run-review");
  await page.waitForSelector("#verdict:not([hidden]) #verdict-table");
  // 1 200 households need 360 m² at 30 m² per 100, but one site must have 400 m²: 400 is required, and
  // the drawn station's 500 m² passes.
  const quota = await page.locator("#verdict-table tbody tr").filter({ hasText: "每百户不少于30平方米" }).first().textContent();
  assert.match(quota, /✓ 通过/, quota);
  assert.match(quota, /500 m2/);
  assert.match(quota, /400 m2/);

  step("switch to English");
  await page.click("#lang");
  assert.equal(await page.locator("#tab-audit").textContent(), "Audit");
  assert.match(await page.locator("#verdict-head").textContent(), /FAIL/);
  await page.click("#lang");

  step("keyboard: the tabs move with the arrow keys");
  await page.focus("#tab-review");
  await page.keyboard.press("ArrowRight");
  assert.equal(await page.evaluate(() => document.activeElement.id), "tab-compare");
  assert.equal(await page.locator("#compare").isHidden(), false);
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
