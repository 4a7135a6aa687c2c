// Hand tool: prints real offers of Debian's Firefox ESR (headless, driven over WebDriver BiDi
// by puppeteer-core; fake camera and microphone) as JSON {name: sdp}, for tests/data/sdp.
// Usage: node firefox_offer.mjs [/usr/bin/firefox-esr]. Offers come from createOffer() before
// ICE gathering, so they carry no candidates (no machine addresses); nothing is sent.
import http from 'node:http';
import puppeteer from 'puppeteer-core';

// getUserMedia needs a secure context: a blank page from a loopback server is one.
const server = http.createServer((req, res) => res.end('<!doctype html><title>offer</title>'));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));

const executablePath = process.argv[2] || '/usr/bin/firefox-esr';
const browser = await puppeteer.launch({
  browser: 'firefox',
  protocol: 'webDriverBiDi',
  executablePath,
  headless: true,
  extraPrefsFirefox: {
    'media.navigator.streams.fake': true,
    'media.navigator.permission.disabled': true,
  },
});
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  const offers = await page.evaluate(async () => {
    const stream = await navigator.mediaDevices.getUserMedia({audio: true, video: true});
    const make = async (bundlePolicy, withData) => {
      const pc = new RTCPeerConnection({bundlePolicy});
      for (const t of stream.getTracks()) pc.addTransceiver(t, {direction: 'sendonly', streams: [stream]});
      if (withData) pc.createDataChannel('chat');
      const o = await pc.createOffer();
      pc.close();
      return o.sdp;
    };
    return {
      'firefox_offer_max-bundle.sdp': await make('max-bundle', false),
      'firefox_offer_balanced.sdp': await make('balanced', false),
      'firefox_offer_max-bundle_data.sdp': await make('max-bundle', true),
    };
  });
  process.stdout.write(JSON.stringify(offers));
} finally {
  await browser.close();
  server.close();
}
