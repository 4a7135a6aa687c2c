#!/usr/bin/python3
"""Writes the seed corpus for fuzz/signal_fuzz.cpp: one valid Envelope of each body type
(encoded by python3-protobuf from proto/umbrella.proto, independently of nanopb) plus
broken and oversize frames. Needs Debian's python3-protobuf (hence /usr/bin/python3).
Usage: fuzz/seeds/signal_envelopes.py [out_dir]"""
import importlib
import os
import subprocess
import sys
import tempfile

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "fuzz", "corpus", "signal")

with tempfile.TemporaryDirectory() as gen:
    subprocess.run(["protoc", "-I" + os.path.join(root, "proto"), "--python_out=" + gen,
                    os.path.join(root, "proto", "umbrella.proto")], check=True)
    sys.path.insert(0, gen)
    pb = importlib.import_module("umbrella_pb2")

SDP = ("v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
       "a=group:BUNDLE 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n"
       "a=mid:0\r\na=sendonly\r\na=rtpmap:111 opus/48000/2\r\n")


def env(**body):
    e = pb.Envelope()
    for name, msg in body.items():
        getattr(e, name).CopyFrom(msg)
    return e.SerializeToString()


def participant(i):
    return pb.Participant(participant_id=f"p{i}", display_name=f"Person {i}",
                          audio_muted=i % 2 == 0, video_muted=i % 3 == 0, site_id="site-a")


valid = {
    "join": env(join=pb.Join(room="lobby", display_name="Zoë", role=pb.ROLE_PARTICIPANT)),
    "join_trunk": env(join=pb.Join(room="lobby", role=pb.ROLE_TRUNK,
                                   site_id="site-b", path=["site-c", "site-d"])),
    "trunk_challenge": env(trunk_challenge=pb.TrunkChallenge(nonce=bytes(range(32)), site_id="site-a")),
    "trunk_response": env(trunk_response=pb.TrunkResponse(mac=bytes(range(32, 64)), nonce=bytes(range(64, 96)))),
    "joined_trunk": env(joined=pb.Joined(participant_id="trunk-site-b", site_id="site-a",
                                         trunk_proof=bytes(range(96, 128)))),
    "leave": env(leave=pb.Leave()),
    "set_mute": env(set_mute=pb.SetMute(audio_muted=True)),
    "offer": env(description=pb.SessionDescription(type=pb.SessionDescription.TYPE_OFFER, sdp=SDP, revision=1)),
    "answer": env(description=pb.SessionDescription(type=pb.SessionDescription.TYPE_ANSWER, sdp=SDP, revision=2)),
    "ping": env(ping=pb.Ping(nonce=2**64 - 1)),
    "pong": env(pong=pb.Pong(nonce=7)),
    "joined": env(joined=pb.Joined(participant_id="p1", room="lobby", site_id="site-a",
                                   participants=[participant(i) for i in range(2, 6)])),
    "participant_joined": env(participant_joined=pb.ParticipantJoined(participant=participant(2))),
    "participant_left": env(participant_left=pb.ParticipantLeft(participant_id="p2")),
    "participant_updated": env(participant_updated=pb.ParticipantUpdated(participant=participant(3))),
    "track_added": env(track_added=pb.TrackAdded(track=pb.TrackInfo(
        track_id="t1", kind=pb.MEDIA_KIND_VIDEO, participant_id="p2", mid="1", stream_id="p2",
        origin_site="site-a"))),
    "track_removed": env(track_removed=pb.TrackRemoved(track_id="t1")),
    "error": env(error=pb.Error(code=pb.Error.CODE_LOOP, message="trunk would form a loop")),
    "set_trunks": env(set_trunks=pb.SetTrunks(urls=["wss://b.example/wsb", "wss://c.example/wsb"])),
    "get_trunks": env(get_trunks=pb.GetTrunks()),
    "trunks": env(trunks=pb.Trunks(trunks=[pb.TrunkState(
        url="wss://b.example/wsb", state=pb.TrunkState.STATE_RETRYING, last_error="connection refused",
        peer_site_id="site-b")])),
    "trunk_wants": env(trunk_wants=pb.TrunkWants(track_ids=["site-a/p1/v0", "site-a/p1/a0"])),
    "tile_views": env(tile_views=pb.TileViews(views=[pb.TileView(track_id="site-a/p1/v0", height=360),
                                                     pb.TileView(track_id="site-a/p2/v0", height=1080)])),
    "site_introduction": env(site_introduction=pb.SiteIntroduction(peer_site="site-b", controlling=True)),
    "site_introduction_ended": env(site_introduction=pb.SiteIntroduction(peer_site="site-b", ended=True)),
    "site_signal": env(site_signal=pb.SiteSignal(site_id="site-b", payload=pb.DirectSetup(
        session=7, ufrag="abcd", pwd="p" * 24, fingerprint="sha-256 " + ":".join(["AB"] * 32),
        candidates=["10.0.0.2:40000", "198.51.100.1:40000"]).SerializeToString())),
}

broken = {
    "empty": b"",
    "truncated_offer": valid["offer"][: len(valid["offer"]) // 2],
    "bad_wire_type": b"\x0b\x0c",
    "length_past_end": b"\x0a\x7f\x0a\x01a",
    "varint_too_long": b"\x28" + b"\xff" * 10 + b"\x01",
    "room_too_long": env(join=pb.Join(room="r" * 64)),
    "too_many_paths": env(join=pb.Join(path=["s"] * 9)),
    "too_many_participants": env(joined=pb.Joined(participants=[participant(i) for i in range(33)])),
    "unknown_field": b"\x98\x06\x01" + valid["ping"],
    "two_bodies": valid["leave"] + valid["pong"],
    "nonce_too_long": env(trunk_challenge=pb.TrunkChallenge(nonce=bytes(33))),
    "too_many_wants": env(trunk_wants=pb.TrunkWants(track_ids=["t"] * 129)),
    "site_signal_too_large": env(site_signal=pb.SiteSignal(site_id="site-b", payload=bytes(1025))),
    "site_id_too_long": env(site_introduction=pb.SiteIntroduction(peer_site="s" * 41)),
    "too_many_views": env(tile_views=pb.TileViews(views=[pb.TileView(track_id="t", height=1)] * 65)),
}

os.makedirs(out, exist_ok=True)
for prefix, group in (("valid_", valid), ("broken_", broken)):
    for name, data in group.items():
        with open(os.path.join(out, prefix + name + ".bin"), "wb") as f:
            f.write(data)
print(f"wrote {len(valid) + len(broken)} files to {out}")
