// Firefox ESR pages for tests/browser/driver.mjs: Debian's firefox-esr driven over WebDriver
// BiDi by puppeteer-core (Playwright needs its own patched Firefox). A fake camera and
// microphone by prefs. Each page offers what driver.mjs asks of a Chromium page.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import puppeteer from "puppeteer-core";

const FIREFOX = process.env.UMBRELLA_FIREFOX || "/usr/bin/firefox-esr";
let browser = null;

async function launch() {
  browser = await puppeteer.launch({
    browser: "firefox",
    protocol: "webDriverBiDi",
    executablePath: FIREFOX,
    headless: true,
    acceptInsecureCerts: true, // the test server's self-signed certificate
    protocolTimeout: 60_000, // a hung page fails its step in a minute, not puppeteer's three
    defaultViewport: { width: 1024, height: 720 },
    extraPrefsFirefox: {
      "media.navigator.streams.fake": true,
      "media.navigator.permission.disabled": true,
      "media.peerconnection.ice.obfuscate_host_addresses": false,
      "media.autoplay.default": 0,
    },
  });
}

const byTestId = (id) => `[data-testid=${id}]`;

// Two grabs of a remote tile's <video> through a canvas, 600 ms apart: what the user sees,
// as driver.mjs's screenshot comparison measures it for Chromium.
function grabInPage(who) {
  const tile = [...document.querySelectorAll("[data-testid=tile]:not([data-self])")]
    .find((t) => (t.querySelector(".name")?.textContent ?? "") === who);
  const v = tile?.querySelector("video");
  if (!v || !v.videoWidth) throw new Error(`no playing video in ${who}'s tile`);
  const luma = () => {
    const c = document.createElement("canvas");
    c.width = v.videoWidth;
    c.height = v.videoHeight;
    const g = c.getContext("2d");
    g.drawImage(v, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    const out = new Float32Array(d.length / 4);
    for (let i = 0; i < out.length; i++) out[i] = 0.299 * d[4 * i] + 0.587 * d[4 * i + 1] + 0.114 * d[4 * i + 2];
    return out;
  };
  const a = luma();
  return new Promise((resolve) => setTimeout(() => {
    const b = luma();
    let sum = 0, sq = 0, diff = 0;
    for (let i = 0; i < a.length; i++) { sum += a[i]; sq += a[i] * a[i]; diff += Math.abs(a[i] - (b[i] ?? 0)); }
    const n = Math.max(1, a.length), mean = sum / n;
    resolve({ mean, stddev: Math.sqrt(Math.max(0, sq / n - mean * mean)), width: v.videoWidth, height: v.videoHeight,
              motion: a.length === b.length ? diff / n : 255 });
  }, 600));
}

export async function openFirefoxPage(url) {
  if (!browser) await launch();
  const page = await browser.newPage();
  const logs = [];
  page.on("console", (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
  await page.goto(url, { waitUntil: "load" });
  return {
    page,
    logs,
    goto: (to) => page.goto(to, { waitUntil: "load" }),
    title: () => page.title(),
    async join(display, viewer) {
      await page.waitForSelector(byTestId("name-input"), { timeout: 15_000 });
      await page.$eval(byTestId("name-input"), (e) => { e.value = ""; });
      await page.type(byTestId("name-input"), display);
      const label = viewer ? "Join as viewer" : "Join with camera and microphone";
      const [button] = await page.$$(`xpath/.//button[contains(., "${label}")]`);
      if (!button) throw new Error(`no button "${label}"`);
      await button.click();
      await page.waitForSelector(byTestId("connection-state"), { timeout: 10_000 });
    },
    click: (testid) => page.click(byTestId(testid)),
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    async frame(who, path) {
      // Pages are tabs of one window, and a background tab's <video> shows no new frames.
      await page.bringToFront();
      if (path) await this.screenshot(path);  // the whole page: no PNG encoder here for one tile
      return await page.evaluate(grabInPage, who);
    },
    async screenshot(path) {
      mkdirSync(dirname(path), { recursive: true });
      await page.screenshot({ path, fullPage: true });
    },
    count: (testid) => page.$$eval(byTestId(testid), (l) => l.length),
    // Typed as a user would, so the app sees its input events.
    async fill(testid, value) {
      await page.$eval(byTestId(testid), (e) => { e.value = ""; });
      await page.type(byTestId(testid), value);
    },
    text: (testid) => page.$$eval(byTestId(testid), (l) => (l.length ? (l[0] instanceof HTMLInputElement ? l[0].value : l[0].textContent) : null)),
    async select(testid, label) {
      const value = await page.$$eval(`${byTestId(testid)} option`, (os, l) => os.find((o) => o.textContent === l)?.value ?? null, label);
      if (value === null) throw new Error(`no option "${label}" in ${testid}`);
      await page.select(byTestId(testid), value);
    },
    press: (key) => page.keyboard.press(key),
    close: () => page.close(),
  };
}

export async function quitFirefox() {
  if (browser) await browser.close();
  browser = null;
}
