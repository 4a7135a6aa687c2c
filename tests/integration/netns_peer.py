#!/usr/bin/python3
"""An aiortc participant for test_direct_nat.py, run as a child process so that it can live in
a site's network namespace (nsenter) while the test itself stays in the runner's.

  netns_peer.py publish BASE_URL ROOM   WHIP: pattern video and audio (rtc_util.publish)
  netns_peer.py view PORT ROOM          a /wsb participant on 127.0.0.1:PORT (test_churn's
                                        Stayer: answers the SFU's offers, counts decoded frames)

Prints one JSON line every 0.5 s, {"state", "video_frames", "errors"}, until stdin closes."""
import asyncio
import json
import os
import sys
import threading
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from rtc_util import publish  # noqa: E402
from test_churn import Stayer  # noqa: E402


async def main(mode, args):
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    # The test closes stdin to end the peer.
    threading.Thread(target=lambda: (sys.stdin.read(), loop.call_soon_threadsafe(done.set)), daemon=True).start()
    if mode == "publish":
        pc, _, _ = await publish(args[0], args[1])
        viewer = None
    else:
        viewer = Stayer(types.SimpleNamespace(http_port=int(args[0])), args[1], name="viewer")
        await viewer.start()
        pc = viewer.pc
    try:
        while not done.is_set():
            frames = sum(n for t, n in viewer.frames.items() if t.kind == "video") if viewer else 0
            print(json.dumps({"state": pc.connectionState, "video_frames": frames,
                              "errors": viewer.errors if viewer else []}), flush=True)
            try:
                await asyncio.wait_for(done.wait(), 0.5)
            except asyncio.TimeoutError:
                pass
    finally:
        await (viewer.close() if viewer else pc.close())


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2:]))
