// Keeping the ledger in the web app: an editor signs in, finds the day-care centre D89, opens its entry,
// closes it in the form made from the layer's schema, sees which verdicts that would flip before saving,
// saves, and sees them again with the new version; a viewer is offered no form.
//
//     node tests/browser/edit.mjs BASE_URL EDITOR_TOKEN VIEWER_TOKEN SCREENSHOT_DIR
//
// Exits non-zero on the first expectation not met, or on any error the page throws; axe-core over the
// open form.
import assert from "node:assert/strict";
import AxeBuilder from "@axe-core/playwright";
import { open as launch, run, step } from "./session.mjs";

const [base, editor, viewer, shots] = process.argv.slice(2);
assert.ok(base && editor && viewer && shots, "usage: node tests/browser/edit.mjs BASE_URL EDITOR_TOKEN VIEWER_TOKEN SCREENSHOT_DIR");
const session = await launch();
const { page } = session;

async function signIn(token) {
  await page.waitForSelector("#signin-form:not([hidden])");
  await page.fill("#signin-token", token);
  await Promise.all([page.waitForNavigation(), page.click("#signin-form button[type=submit]")]);
  await page.waitForSelector("#who:not([hidden])");
}

/** Finds a feature by its id: the detail panel opens on it. */
async function open(id) {
  await page.waitForSelector("body[data-ready=true]", { timeout: 30000 });
  await page.fill("#find-id", id);
  await page.press("#find-id", "Enter");
  await page.waitForFunction((id) => {
    const h = document.querySelector("#detail h3");
    return h && h.textContent.includes(id) && document.querySelector("#detail").getAttribute("aria-busy") === "false";
  }, id);
}

await run(session, shots, "edit", async () => {
  step("a viewer is offered no form");
  await page.goto(`${base}/app/`);
  await signIn(viewer);
  await open("D89");
  assert.equal(await page.locator("#edit-open").count(), 0, "a viewer was offered the edit form");
  await Promise.all([page.waitForNavigation(), page.click("#sign-out")]);

  step("the editor opens D89's entry: a form made from the layer's schema");
  await signIn(editor);
  await open("D89");
  // The detail panel may be drawn again once more as the address bar follows the subject found: the
  // form is asked for until it stays.
  for (let tries = 0; tries < 3 && !(await page.locator("#edit-form").count()); tries++) {
    await page.click("#edit-open");
    await page.waitForSelector("#edit-form", { timeout: 8000 }).catch(() => {});
  }
  await page.waitForSelector("#edit-form");
  assert.equal(await page.locator("#edit-status").inputValue(), "operating");
  assert.ok(await page.locator("#edit-floor_area_m2").count(), "floor area is in the form");
  assert.ok(await page.locator("#edit-handed_over").count(), "the hand-over day is in the form");
  const axe = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).include("#edit-form").analyze();
  const bad = axe.violations.filter((v) => ["critical", "serious"].includes(v.impact));
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join("; ")}`), [], "axe over the edit form");

  step("closing it: the verdicts that would flip, before saving");
  await page.selectOption("#edit-status", "closed");
  await page.click("#edit-preview-button");
  await page.waitForSelector("#edit-preview");
  const preview = await page.locator("#edit-flips").textContent();
  assert.match(preview, /罗星府/, "the area losing its day-care centre is named");
  assert.match(preview, /不通过/);
  let now = await (await page.request.get(`${base}/collections/demo.facilities/items/D89`, { headers: { Authorization: `Bearer ${editor}` } })).json();
  assert.equal(now.properties.status, "operating", "the preview wrote nothing");
  await page.screenshot({ path: `${shots}/app-edit-preview.png` });

  step("saved: a new version, the same flips, the entry closed");
  await page.click("#edit-save");
  await page.waitForSelector("#edit-saved");
  assert.match(await page.locator("#edit-saved").textContent(), /已保存：版本 2，editor/);
  assert.equal(await page.locator("#edit-flips").textContent(), preview);
  now = await (await page.request.get(`${base}/collections/demo.facilities/items/D89`, { headers: { Authorization: `Bearer ${editor}` } })).json();
  assert.equal(now.properties.status, "closed");
  // The map's layers drawn again from the new version.
  await page.waitForSelector("body[data-map-idle=true]", { timeout: 30000 });
  await page.screenshot({ path: `${shots}/app-edit-saved.png` });
});
