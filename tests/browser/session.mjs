// What every browser script of the web app shares: Debian's chromium launched as this machine needs it
// (no sandbox as root, software GL, no background traffic the closed network would refuse), one page at
// 1440×900 in Chinese, the page's own errors collected, and the run ended the same way.
import { chromium } from "playwright-core";

/** Launches chromium with one page. `expected` matches console errors asked for on purpose (the
 * browser logs a refusal such as a 401 as an error of its own). */
export async function open(expected = null) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--enable-unsafe-swiftshader", "--use-angle=swiftshader", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
  const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "zh-CN" })).newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && !(expected && expected.test(m.text())) && problems.push(`console error: ${m.text()}`));
  return { browser, page, problems };
}

/** Prints a step of the script. */
export const step = (text) => console.log(`- ${text}`);

/** Runs `script`; on failure a screenshot `<name>-failure.png` in `shots`, what went wrong, and exit 1;
 * the browser closed either way. */
export async function run({ browser, page, problems }, shots, name, script) {
  try {
    await script();
    if (problems.length) throw new Error(`the page reported errors:\n${problems.join("\n")}`);
    console.log("ok");
  } catch (e) {
    await page.screenshot({ path: `${shots}/${name}-failure.png` }).catch(() => {});
    console.error(e);
    console.error(problems.join("\n"));
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}
