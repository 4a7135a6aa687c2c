// Two Firefox ESR pages (headless, WebDriver BiDi via puppeteer-core, fake camera and
// microphone) join one room of the web app and report what each decodes of the other, for
// tests/integration/test_firefox.py. Usage: node firefox_call.mjs BASE_URL ROOM [FIREFOX].
// Prints one JSON line: {alice: {...}, bob: {...}} with framesDecoded/audio samples per page.
import puppeteer from 'puppeteer-core';

const [base, room, executablePath = '/usr/bin/firefox-esr'] = process.argv.slice(2);
const browser = await puppeteer.launch({
  browser: 'firefox',
  protocol: 'webDriverBiDi',
  executablePath,
  headless: true,
  acceptInsecureCerts: true,  // the test server's self-signed certificate
  extraPrefsFirefox: {
    'media.navigator.streams.fake': true,
    'media.navigator.permission.disabled': true,
    'media.peerconnection.ice.obfuscate_host_addresses': false,
    'media.autoplay.default': 0,
  },
});

async function join(name) {
  const page = await browser.newPage();
  const logs = [];
  page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  if (process.env.UMBRELLA_FIREFOX_TRACE)
    await page.evaluateOnNewDocument(() => {
      const Orig = window.RTCPeerConnection;
      window.RTCPeerConnection = function (...args) {
        const pc = new Orig(...args);
        pc.addEventListener('icecandidate', (e) => console.log('cand', e.candidate?.candidate));
        pc.addEventListener('iceconnectionstatechange', () => console.log('ice', pc.iceConnectionState));
        const srd = pc.setRemoteDescription.bind(pc);
        pc.setRemoteDescription = (d) => { console.log('remote', d?.sdp?.split('\r\n').filter((l) => /candidate|^c=|^m=/.test(l)).join(' | ')); return srd(d); };
        return pc;
      };
      window.RTCPeerConnection.prototype = Orig.prototype;
    });
  await page.goto(`${base}/sfu?room=${room}`, {waitUntil: 'load'});
  await page.waitForSelector('[data-testid=name-input]', {timeout: 15000});
  await page.$eval('[data-testid=name-input]', (e) => { e.value = ''; });
  await page.type('[data-testid=name-input]', name);
  const [button] = await page.$$('xpath/.//button[contains(., "Join with camera and microphone")]');
  await button.click();
  return {page, logs};
}

async function observe(page) {
  return await page.evaluate(async () => {
    const pc = window.__umbrella?.pc ?? null;
    const out = {state: pc?.connectionState ?? 'none', video: 0, audio: 0,
                 error: document.querySelector('[data-testid=server-error]')?.textContent ?? null};
    if (pc && pc.connectionState !== 'closed') {
      (await pc.getStats()).forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'video') out.video += r.framesDecoded ?? 0;
        if (r.type === 'inbound-rtp' && r.kind === 'audio') out.audio += r.packetsReceived ?? 0;
        if (r.type === 'local-candidate' || r.type === 'remote-candidate')
          (out.candidates ??= []).push(`${r.type} ${r.address}:${r.port} ${r.candidateType}`);
        if (r.type === 'candidate-pair') (out.pairs ??= []).push(`${r.state} ${r.localCandidateId}>${r.remoteCandidateId}`);
      });
    }
    return out;
  });
}

const result = {};
try {
  const alice = await join('alice');
  const bob = await join('bob');
  const deadline = Date.now() + 45000;
  for (;;) {
    result.alice = await observe(alice.page);
    result.bob = await observe(bob.page);
    const done = (o) => o.video > 10 && o.audio > 10;
    if ((done(result.alice) && done(result.bob)) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));  // polling interval, not an assertion
  }
  result.logs = {alice: alice.logs.slice(-30), bob: bob.logs.slice(-30)};
} catch (e) {
  result.exception = String(e);
} finally {
  process.stdout.write(JSON.stringify(result) + '\n');
  await browser.close();
}
