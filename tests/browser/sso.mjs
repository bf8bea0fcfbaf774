// The web app signing in through single sign-on (OpenID Connect, authorization code with PKCE):
//
//     node tests/browser/sso.mjs BASE_URL SCREENSHOT_DIR
//
// The server trusts tests/browser/oidc-idp.mjs, which signs 王审计 in as an auditor at once. Nothing is read
// before signing in; the sign-in offers single sign-on; through it the page comes back signed in (the
// code gone from the address bar), says who, and runs a check. Exits non-zero on the first expectation
// not met, or on any error the page throws (a Content-Security-Policy violation included).
import assert from "node:assert/strict";
import { open, run, step } from "./session.mjs";

const [base, shots] = process.argv.slice(2);
assert.ok(base && shots, "usage: node tests/browser/sso.mjs BASE_URL SCREENSHOT_DIR");
const session = await open(/status of 401/);
const { page } = session;

await run(session, shots, "sso", async () => {
  step("the sign-in offers single sign-on; nothing is read before it");
  await page.goto(`${base}/app/`);
  await page.waitForSelector("#signin-form:not([hidden])");
  await page.waitForSelector("#sso:not([hidden])");
  assert.equal(await page.locator("#dataset option").count(), 0);

  step("through the identity provider and back, signed in as the person it names");
  await Promise.all([page.waitForURL(/\/app\/$/), page.click("#sso-sign-in")]);
  await page.waitForSelector("#who:not([hidden])");
  assert.match(await page.locator("#who").textContent(), /已登录：oidc:王审计（审计）/);
  assert.ok(!page.url().includes("code="), "the code leaves the address bar");

  step("the auditor runs a check");
  await page.waitForSelector("#dataset option", { state: "attached" });
  await page.click("#run-check");
  await page.waitForSelector("#run:not([hidden]) #rule-table tbody tr");
  await page.screenshot({ path: `${shots}/app-sso.png` });

  step("signed out, the sign-in is back");
  await Promise.all([page.waitForNavigation(), page.click("#sign-out")]);
  await page.waitForSelector("#sso:not([hidden])");
});
