// Hand tool: prints real offers of Debian's Firefox ESR (headless, WebDriver BiDi through
// puppeteer-core) or Chromium (playwright-core), fake camera and microphone, with each bundle
// policy, as JSON {name: sdp}, for tests/data/sdp. Usage: node browser_offer.mjs firefox|chromium.
// Offers come from createOffer() before ICE gathering, so they carry no candidates (no machine
// addresses); nothing is sent.
import http from 'node:http';
import puppeteer from 'puppeteer-core';
import { chromium } from 'playwright-core';

const which = process.argv[2] || 'firefox';

// getUserMedia needs a secure context: a blank page from a loopback server is one.
const server = http.createServer((req, res) => res.end('<!doctype html><title>offer</title>'));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));

const browser = which === 'chromium'
  ? await chromium.launch({
      executablePath: process.env.UMBRELLA_CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
    })
  : await puppeteer.launch({
      browser: 'firefox',
      protocol: 'webDriverBiDi',
      executablePath: process.env.UMBRELLA_FIREFOX || '/usr/bin/firefox-esr',
      headless: true,
      extraPrefsFirefox: {
        'media.navigator.streams.fake': true,
        'media.navigator.permission.disabled': true,
      },
    });
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  const offers = await page.evaluate(async (name) => {
    const stream = await navigator.mediaDevices.getUserMedia({audio: true, video: true});
    const make = async (bundlePolicy, withData) => {
      const pc = new RTCPeerConnection({bundlePolicy});
      for (const t of stream.getTracks()) pc.addTransceiver(t, {direction: 'sendonly', streams: [stream]});
      if (withData) pc.createDataChannel('chat');
      const o = await pc.createOffer();
      pc.close();
      return o.sdp;
    };
    const out = {};
    for (const policy of ['max-bundle', 'balanced', 'max-compat']) out[`${name}_offer_${policy}.sdp`] = await make(policy, false);
    out[`${name}_offer_max-bundle_data.sdp`] = await make('max-bundle', true);
    return out;
  }, which);
  process.stdout.write(JSON.stringify(offers));
} finally {
  await browser.close();
  server.close();
}
