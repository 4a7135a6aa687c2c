"""Small SDP helpers for tests (reading the server's answers, making minimal offers)."""
import re


def attr(sdp, name):
    m = re.search(rf"^a={name}:(.*?)\r?$", sdp, re.M)
    return m.group(1) if m else None


def candidates(sdp):
    """[(ip, port, type)] of every a=candidate line."""
    out = []
    for line in sdp.splitlines():
        if line.startswith("a=candidate:"):
            f = line[len("a=candidate:"):].split()
            out.append((f[4], int(f[5]), f[7]))
    return out


def minimal_audio_offer(ufrag, pwd, fingerprint="sha-256 " + ":".join(["AB"] * 32)):
    return "\r\n".join([
        "v=0", "o=- 1 1 IN IP4 0.0.0.0", "s=-", "t=0 0", "a=group:BUNDLE 0", "a=msid-semantic:WMS *",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111", "c=IN IP4 0.0.0.0",
        f"a=ice-ufrag:{ufrag}", f"a=ice-pwd:{pwd}", f"a=fingerprint:{fingerprint}", "a=setup:actpass",
        "a=mid:0", "a=sendonly", "a=rtcp-mux", "a=rtpmap:111 opus/48000/2", "a=ssrc:1234 cname:test",
        "a=msid:s t",
    ]) + "\r\n"


def capture(name, sdp):
    """With UMBRELLA_SDP_CAPTURE=DIR, keeps a real offer or answer a test saw as DIR/NAME.sdp
    (how tests/data/sdp gets its interop samples; see tests/data/sdp/capture/README)."""
    import os
    d = os.environ.get("UMBRELLA_SDP_CAPTURE")
    if d and sdp:
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, name + ".sdp"), "w", newline="") as f:
            f.write(sdp if sdp.endswith("\r\n") else sdp.replace("\r\n", "\n").replace("\n", "\r\n") + "\r\n")
