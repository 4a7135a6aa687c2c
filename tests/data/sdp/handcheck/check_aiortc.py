# Hand check (not run by the build): aiortc 1.4 accepts Umbrella's SDP answers and re-offers.
#   g++ -std=c++20 -Isrc tests/data/sdp/handcheck/sdptool.cpp src/sdp/*.cpp -o /tmp/sdptool
#   /usr/bin/python3 tests/data/sdp/handcheck/check_aiortc.py /tmp/sdptool tests/data/sdp
import asyncio, subprocess, sys, tempfile
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack
from aiortc.sdp import SessionDescription as AioSdp
TOOL = sys.argv[1]
DATA = sys.argv[2]
OUT = tempfile.mkdtemp()

def tool(*args, stdin=None):
    r = subprocess.run([TOOL, *args], capture_output=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.decode())
    return r.stdout.decode()

async def main():
    # 1. aiortc offers (audio+video+data), Umbrella answers, aiortc applies the answer.
    pc = RTCPeerConnection()
    pc.addTrack(AudioStreamTrack()); pc.addTrack(VideoStreamTrack()); pc.createDataChannel("chat")
    await pc.setLocalDescription(await pc.createOffer())
    open(f"{OUT}/live_offer.sdp", "w", newline="").write(pc.localDescription.sdp)
    answer = tool("answer", f"{OUT}/live_offer.sdp")
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    print("1. aiortc accepted answer to its offer; signalingState =", pc.signalingState)

    # 2. Umbrella re-offers (existing mids + new sendonly tracks), aiortc answers, Umbrella applies.
    reoffer = tool("offer", f"{OUT}/live_offer.sdp")
    open(f"{OUT}/live_reoffer.sdp", "w", newline="").write(reoffer)
    pc2 = RTCPeerConnection()
    await pc2.setRemoteDescription(RTCSessionDescription(sdp=reoffer, type="offer"))
    await pc2.setLocalDescription(await pc2.createAnswer())
    open(f"{OUT}/live_reanswer.sdp", "w").write(pc2.localDescription.sdp)
    print("2. aiortc accepted Umbrella offer; its answer applied by Umbrella:")
    print(tool("apply", f"{OUT}/live_reoffer.sdp", f"{OUT}/live_reanswer.sdp"))

    # 3. Answers to the Chrome and Firefox samples pass aiortc's SDP parser.
    for name in ("chrome_offer_simulcast.sdp", "firefox_offer.sdp"):
        a = tool("answer", f"{DATA}/{name}")
        d = AioSdp.parse(a)
        print(f"3. aiortc parsed answer to {name}: media={[m.kind for m in d.media]} "
              f"codecs={[[c.mimeType for c in m.rtp.codecs] for m in d.media]}")
    # 4. Same peer connection renegotiates: Umbrella's re-offer on the live session.
    try:
        await pc.setRemoteDescription(RTCSessionDescription(sdp=reoffer, type="offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        open(f"{OUT}/live_reanswer_same_pc.sdp", "w").write(pc.localDescription.sdp)
        print("4. same-pc renegotiation accepted:")
        print(tool("apply", f"{OUT}/live_reoffer.sdp", f"{OUT}/live_reanswer_same_pc.sdp"))
    except Exception as e:
        print("4. same-pc renegotiation failed:", repr(e))
    for p in (pc, pc2):
        await p.close()

asyncio.run(main())
