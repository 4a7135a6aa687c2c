# Hand tool (see check_aiortc.py for building sdptool). Regenerates tests/data/sdp/umbrella_reoffer.sdp and aiortc_reanswer.sdp from aiortc_live_offer.sdp.
import asyncio, subprocess, sys
from aiortc import RTCPeerConnection, RTCSessionDescription
TOOL, DATA = sys.argv[1], sys.argv[2]
async def main():
    reoffer = subprocess.run([TOOL, "offer", f"{DATA}/aiortc_live_offer.sdp"], capture_output=True, check=True).stdout.decode()
    open(f"{DATA}/umbrella_reoffer.sdp", "w", newline="").write(reoffer)
    pc = RTCPeerConnection()
    await pc.setRemoteDescription(RTCSessionDescription(sdp=reoffer, type="offer"))
    await pc.setLocalDescription(await pc.createAnswer())
    open(f"{DATA}/aiortc_reanswer.sdp", "w", newline="").write(pc.localDescription.sdp)
    await pc.close()
asyncio.run(main())
