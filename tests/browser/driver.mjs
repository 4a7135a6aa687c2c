// Drives headless Chromium (Debian's /usr/bin/chromium through playwright-core) and Firefox
// ESR (firefox_page.mjs) for tests/integration/test_browser.py and test_firefox.py. One JSON command per stdin line, one JSON reply per
// stdout line: {"ok": true, "result": ...} or {"ok": false, "error": "..."}. The Python
// side owns the scenario and the assertions; this only acts and observes like a user.
//
// Commands: open {page, url, browser?: "firefox", args?: [extra Chromium flags]} | join {page, name, viewer?}
//           click {page, testid} | observe {page} | frame {page, name, path?} | screenshot {page, path}
//           goto {page, url} | count {page, testid} | fill {page, testid, value} | text {page, testid}
//           select {page, testid, label} | press {page, key} | offers {page} | axe {page} | endScreenShare {page}
//           sdp {page} | logs {page} | close {page} | quit
// Pages opened with the same extra flags share one Chromium (a fake microphone's file is
// per browser, not per page).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";
import { openFirefoxPage, quitFirefox } from "./firefox_page.mjs";
import { decodePng, lumaDiff, lumaStats } from "./png.mjs";

const CHROMIUM = process.env.UMBRELLA_CHROMIUM || "/usr/bin/chromium";
const pages = new Map(); // name -> a page of openChromiumPage or openFirefoxPage
const browsers = new Map(); // JSON of the extra flags -> a Chromium

async function launch(extra) {
  // playwright manages --user-data-dir (a fresh temporary profile) and --headless itself.
  return await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      // Fake cameras to switch between: fake_device_0 (I420) and _2 (MJPEG); _1 gives Y16
      // (depth) frames that WebRTC's encoders drop. The screen picker is answered at once
      // with a fake screen.
      "--use-fake-device-for-media-stream=device-count=3",
      "--use-fake-ui-for-media-stream",
      "--auto-select-desktop-capture-source=Entire screen",
      "--ignore-certificate-errors",
      "--autoplay-policy=no-user-gesture-required",
      ...extra,
    ],
  });
}

function get(name) {
  const p = pages.get(name);
  if (!p) throw new Error(`no page ${name}`);
  return p;
}

// Everything a participant sees on the call page, plus the decoder counters behind it.
function observeInPage() {
  return (async () => {
    const pc = window.__umbrella?.pc ?? null;
    const inbound = {};
    const outbound = [];
    let availableOutgoingBitrate = null;
    // Firefox may never settle getStats() of a connection the app closes meanwhile (a server
    // restart): a bounded wait, then no stats this time.
    const stats = pc && pc.connectionState !== "closed"
      ? await Promise.race([pc.getStats(), new Promise((r) => setTimeout(() => r(null), 3000))]) : null;
    if (stats) {
      stats.forEach((r) => {
        if (r.type === "outbound-rtp" && r.kind === "video")
          outbound.push({ rid: r.rid ?? null, width: r.frameWidth, height: r.frameHeight, fps: r.framesPerSecond, targetBitrate: r.targetBitrate, limitation: r.qualityLimitationReason, bytesSent: r.bytesSent, nacks: r.nackCount, plis: r.pliCount });
        if (r.type === "candidate-pair" && r.nominated && r.availableOutgoingBitrate !== undefined) availableOutgoingBitrate = r.availableOutgoingBitrate;
        if (r.type === "inbound-rtp" && r.kind === "video")
          inbound[r.trackIdentifier] = { kind: "video", framesDecoded: r.framesDecoded ?? 0, width: r.frameWidth ?? 0, height: r.frameHeight ?? 0 };
        if (r.type === "inbound-rtp" && r.kind === "audio")
          inbound[r.trackIdentifier] = { kind: "audio", samples: r.totalSamplesReceived ?? 0, energy: r.totalAudioEnergy ?? 0 };
      });
    }
    const stage = document.querySelector("[data-testid=stage]");
    const tiles = [...document.querySelectorAll("[data-testid=tile]")].map((t) => {
      const v = t.querySelector("video");
      const track = v?.srcObject?.getVideoTracks?.()[0];
      const audio = v?.srcObject?.getAudioTracks?.()[0];
      const box = v?.getBoundingClientRect();
      return {
        id: t.dataset.participantId,
        kind: t.dataset.kind,
        self: t.dataset.self === "true",
        speaking: t.dataset.speaking === "true",
        quality: t.dataset.quality ?? null,
        large: !!t.closest(".main-tile"),
        tileWidth: Math.round(t.getBoundingClientRect().width),
        tileHeight: Math.round(t.getBoundingClientRect().height),
        name: (t.querySelector(".name")?.textContent ?? "").replace(/ \(you\)$/, ""),
        hasVideo: t.dataset.hasVideo === "true",
        audioMuted: !!t.querySelector("[data-testid=audio-muted]"),
        videoMuted: !!t.querySelector("[data-testid=video-muted]"),
        bandwidthPaused: t.dataset.bandwidthPaused === "true",
        videoVisible: !!v && !v.classList.contains("hidden") && box.width > 0 && box.height > 0,
        videoWidth: v?.videoWidth ?? 0,
        videoHeight: v?.videoHeight ?? 0,
        paused: v ? v.paused : true,
        trackLabel: track?.label ?? null,
        framesDecoded: track ? inbound[track.id]?.framesDecoded ?? null : null,
        audioSamples: audio ? inbound[audio.id]?.samples ?? null : null,
        audioEnergy: audio ? inbound[audio.id]?.energy ?? null : null,
      };
    });
    const state = document.querySelector("[data-testid=connection-state]");
    return {
      state: state?.dataset.state ?? null,
      detail: state?.getAttribute("title") ?? "",
      serverError: document.querySelector("[data-testid=server-error]")?.textContent ?? null,
      inLobby: !!document.querySelector("[data-testid=join-media]"),
      layout: stage?.dataset.layout ?? null,
      main: stage?.dataset.main ?? null,
      audioElements: document.querySelectorAll("[data-testid=remote-audio]").length,
      tiles,
      inbound: Object.values(inbound),
      outbound,
      availableOutgoingBitrate,
      pcState: pc?.connectionState ?? null,
    };
  })();
}

// Chromium may see the test namespace's fresh veth as a network change and abort the first
// navigation with ERR_NETWORK_CHANGED: retry that, nothing else.
async function navigate(page, url) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await page.goto(url, { waitUntil: "load" });
    } catch (err) {
      if (attempt >= 3 || !String(err?.message).includes("ERR_NETWORK_CHANGED")) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

function tileSelector(name) {
  return `[data-testid=tile]:not([data-self]):has(.name:text-is(${JSON.stringify(name)}))`;
}

// A Chromium page, with the same methods as a Firefox one (firefox_page.mjs).
async function openChromiumPage(url, extra = []) {
  const id = JSON.stringify(extra);
  if (!browsers.has(id)) browsers.set(id, await launch(extra));
  const context = await browsers.get(id).newContext({ ignoreHTTPSErrors: true, viewport: { width: 1024, height: 720 } });
  const page = await context.newPage();
  const logs = [];
  page.on("console", (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
  await navigate(page, url);
  return {
    page,
    logs,
    goto: (to) => navigate(page, to),
    title: () => page.title(),
    async join(display, viewer) {
      // The same network change can also abort the page's script after the HTML loaded: a page
      // without its lobby is reloaded (twice at most) before the test gives up.
      for (let attempt = 1; ; attempt++) {
        try {
          await page.getByTestId("name-input").waitFor({ timeout: 8_000 });
          break;
        } catch (err) {
          if (attempt >= 3) throw err;
          logs.length = 0;  // what the aborted load logged is not the app's doing
          await navigate(page, page.url());
        }
      }
      await page.getByTestId("name-input").fill(display);
      await page.getByText(viewer ? "Join as viewer" : "Join with camera and microphone").click();
      await page.getByTestId("connection-state").waitFor({ timeout: 10_000 });
    },
    click: (testid) => page.getByTestId(testid).click(),
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    // What the user sees of a remote participant's video: two screenshots of that tile's
    // <video>, 600 ms apart. Brightness and contrast of the first, and how much changed.
    async frame(who, path) {
      const video = page.locator(`${tileSelector(who)} video`);
      // Playwright waits for the tile to stop moving; on a loaded machine a grid that is still
      // reflowing after a join takes longer than its default.
      const first = await video.screenshot({ timeout: 15_000 });
      await page.waitForTimeout(600);
      const second = await video.screenshot({ timeout: 15_000 });
      if (path) {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, first);
      }
      const a = decodePng(first), b = decodePng(second);
      return { ...lumaStats(a), motion: lumaDiff(a, b) };
    },
    async screenshot(path) {
      mkdirSync(dirname(path), { recursive: true });
      await page.screenshot({ path, fullPage: true });
    },
    count: (testid) => page.getByTestId(testid).count(),
    fill: (testid, value) => page.getByTestId(testid).fill(value),
    async text(testid) {
      const el = page.getByTestId(testid);
      // An input's text is its value (what the user sees in it).
      return (await el.count()) ? await el.first().evaluate((e) => (e instanceof HTMLInputElement ? e.value : e.textContent)) : null;
    },
    select: (testid, label) => page.getByTestId(testid).selectOption({ label }),
    press: (key) => page.keyboard.press(key),
    close: () => context.close(),
  };
}

const commands = {
  async open({ page: name, url, browser: kind, args }) {
    // A page opened again under the same name replaces the old one, which leaves its call.
    await pages.get(name)?.close?.();
    const p = kind === "firefox" ? await openFirefoxPage(url) : await openChromiumPage(url, args ?? []);
    pages.set(name, p);
    return { title: await p.title() };
  },
  async goto({ page: name, url }) {
    await get(name).goto(url);
    return { title: await get(name).title() };
  },
  async join({ page: name, name: display, viewer }) {
    await get(name).join(display, viewer);
    return {};
  },
  async click({ page: name, testid }) {
    await get(name).click(testid);
    return {};
  },
  async observe({ page: name }) {
    return await get(name).evaluate(observeInPage);
  },
  async frame({ page: name, name: who, path }) {
    return await get(name).frame(who, path);
  },
  async screenshot({ page: name, path }) {
    await get(name).screenshot(path);
    return { path };
  },
  async fill({ page: name, testid, value }) {
    await get(name).fill(testid, value);
    return {};
  },
  async text({ page: name, testid }) {
    return await get(name).text(testid);
  },
  async select({ page: name, testid, label }) {
    await get(name).select(testid, label);
    return {};
  },
  // The browser's own "Stop sharing" (not clickable headless): the screen track stops and ends.
  async endScreenShare({ page: name }) {
    return await get(name).evaluate(() => {
      const t = document.querySelector("[data-testid=tile][data-kind=screen][data-self] video")?.srcObject?.getVideoTracks()[0];
      if (!t) return false;
      t.stop();
      t.dispatchEvent(new Event("ended"));
      return true;
    });
  },
  async eval({ page: name, expr }) {
    return (await get(name).evaluate((e) => (0, eval)(e), expr)) ?? null;
  },
  async press({ page: name, key }) {
    await get(name).press(key);
    return {};
  },
  async offers({ page: name }) {
    return await get(name).evaluate(() => ({ sent: window.__umbrella?.offersSent ?? 0, received: window.__umbrella?.offersReceived ?? 0 }));
  },
  // axe-core's WCAG 2.1 A/AA audit of the page as it is now: its serious and critical findings.
  async axe({ page: name }) {
    const page = get(name).page;
    if (!(await page.evaluate(() => !!window.axe))) await page.evaluate(readFileSync(new URL("./node_modules/axe-core/axe.min.js", import.meta.url), "utf8"));
    return await page.evaluate(async () => {
      const r = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } });
      const serious = r.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
      return { serious, minor: r.violations.filter((v) => !serious.some((s) => s.id === v.id)).map((v) => `${v.id} (${v.impact})`), passed: r.passes.length };
    });
  },
  async count({ page: name, testid }) {
    return await get(name).count(testid);
  },
  async sdp({ page: name }) {
    return await get(name).evaluate(() => ({ local: window.__umbrella?.pc?.localDescription?.sdp ?? "", remote: window.__umbrella?.pc?.remoteDescription?.sdp ?? "" }));
  },
  // The codec of each RTP stream the page sends and receives, from getStats.
  async codecs({ page: name }) {
    return await get(name).evaluate(async () => {
      const pc = window.__umbrella?.pc;
      if (!pc) return [];
      const stats = await pc.getStats();
      const out = [];
      stats.forEach((r) => {
        if ((r.type === "inbound-rtp" || r.type === "outbound-rtp") && r.codecId) {
          const c = stats.get(r.codecId);
          out.push({ type: r.type, kind: r.kind, mid: r.mid ?? null, mimeType: c?.mimeType ?? null, payloadType: c?.payloadType ?? null,
                     sdpFmtpLine: c?.sdpFmtpLine ?? null, packets: r.packetsReceived ?? r.packetsSent ?? 0 });
        }
      });
      return out;
    });
  },
  async logs({ page: name }) {
    return get(name).logs.slice(-60);
  },
  async close({ page: name }) {
    const p = pages.get(name);
    if (p) await p.close();
    pages.delete(name);
    return {};
  },
  async quit() {
    for (const b of browsers.values()) await b.close();
    browsers.clear();
    await quitFirefox();
    return {};
  },
};

const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  if (!line.trim()) continue;
  let reply;
  try {
    const msg = JSON.parse(line);
    const fn = commands[msg.cmd];
    if (!fn) throw new Error(`unknown command ${msg.cmd}`);
    reply = { ok: true, result: await fn(msg) };
    if (msg.cmd === "quit") {
      process.stdout.write(JSON.stringify(reply) + "\n");
      break;
    }
  } catch (err) {
    reply = { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
}
for (const b of browsers.values()) await b.close();
await quitFirefox();
process.exit(0);
