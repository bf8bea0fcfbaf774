// The web app where accounts are kept: a viewer and an auditor sign in with their personal tokens.
//
//     node tests/browser/accounts.mjs BASE_URL VIEWER_TOKEN AUDITOR_TOKEN SCREENSHOT_DIR
//
// Nothing is read before signing in; an unknown token is refused at the sign-in; the viewer, once in,
// sees who they are and cannot run a check (told so in a sentence); signed out, the sign-in is back; the
// auditor runs one. Exits non-zero on the first expectation not met, or on any error the page throws.
import assert from "node:assert/strict";
import { open, run, step } from "./session.mjs";

const [base, viewer, auditor, shots] = process.argv.slice(2);
assert.ok(base && viewer && auditor && shots, "usage: node tests/browser/accounts.mjs BASE_URL VIEWER_TOKEN AUDITOR_TOKEN SCREENSHOT_DIR");
// The refusals asked for on purpose (401, 403) are logged by the browser as errors of its own.
const session = await open(/status of 40[13]/);
const { page } = session;

async function signIn(token) {
  await page.waitForSelector("#signin-form:not([hidden])");
  await page.fill("#signin-token", token);
  await Promise.all([page.waitForNavigation(), page.click("#signin-form button[type=submit]")]);
}

await run(session, shots, "accounts", async () => {
  step("nothing is read before signing in");
  await page.goto(`${base}/app/`);
  await page.waitForSelector("#signin-form:not([hidden])");
  assert.equal(await page.locator("#panel").isHidden(), true);
  assert.equal(await page.locator("#dataset option").count(), 0, "no dataset is named before signing in");
  await page.screenshot({ path: `${shots}/app-signin.png` });

  step("an unknown token is refused at the sign-in");
  await signIn("cc_not-a-token");
  await page.waitForSelector("#signin-form:not([hidden])");
  assert.match(await page.locator("#signin-status").textContent(), /令牌无效/);

  step("the viewer signs in, sees who they are, and may not run a check");
  await signIn(viewer);
  await page.waitForSelector("#who:not([hidden])");
  assert.match(await page.locator("#who").textContent(), /已登录：viewer（查看）/);
  // The page says who is signed in before it has read the rest: what it shows is asked once it is ready.
  await page.waitForSelector("body[data-ready=true]", { timeout: 30000 });
  assert.equal(await page.locator("#token-label").isHidden(), true, "no second token to ask for");
  await page.waitForSelector("#dataset option", { state: "attached" });
  await page.click("#run-check");
  await page.waitForSelector("#status.error");
  assert.match(await page.locator("#status").textContent(), /你的角色不能做这项操作/);
  await page.screenshot({ path: `${shots}/app-viewer.png` });

  step("signed out, the sign-in is back");
  await Promise.all([page.waitForNavigation(), page.click("#sign-out")]);
  await page.waitForSelector("#signin-form:not([hidden])");

  step("the auditor signs in and runs a check");
  await signIn(auditor);
  await page.waitForSelector("#who:not([hidden])");
  assert.match(await page.locator("#who").textContent(), /auditor（审计）/);
  await page.click("#run-check");
  await page.waitForSelector("#run:not([hidden]) #rule-table tbody tr");
  await page.screenshot({ path: `${shots}/app-auditor.png` });
});
