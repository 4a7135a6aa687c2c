#!/usr/bin/python3
"""Writes the seed corpus for fuzz/janus_message_fuzz.cpp: replies and long-poll events as
Janus 1.1 sends them to the load generator's --janus mode (tools/loadgen/janus_message.cpp).
Usage: fuzz/seeds/janus.py"""
import json

from common import write

SDP = ("v=0\r\no=- 1 1 IN IP4 10.99.0.1\r\ns=VideoRoom 1\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
       "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 10.99.0.1\r\na=sendonly\r\na=mid:0\r\na=rtcp-mux\r\n"
       "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijkl\r\na=ice-options:trickle\r\n"
       "a=fingerprint:sha-256 " + ":".join(["AB"] * 32) + "\r\na=setup:actpass\r\na=rtpmap:111 opus/48000/2\r\n"
       "a=ssrc:11 cname:janus\r\na=candidate:1 1 udp 2015363327 10.99.0.1 20000 typ host\r\n"
       "a=end-of-candidates\r\n")
seeds = {
    "create_success": {"janus": "success", "transaction": "lg1", "data": {"id": 3066040748184899}},
    "ack": {"janus": "ack", "session_id": 1, "transaction": "lg5"},
    "keepalive": {"janus": "keepalive"},
    "room_created": {"janus": "success", "session_id": 1, "transaction": "lg3", "sender": 2,
                     "plugindata": {"plugin": "janus.plugin.videoroom",
                                    "data": {"videoroom": "created", "room": 1234, "permanent": False}}},
    "room_exists": {"janus": "success", "session_id": 1, "sender": 2, "transaction": "lg3",
                    "plugindata": {"plugin": "janus.plugin.videoroom",
                                   "data": {"videoroom": "event", "error_code": 427, "error": "Room 1234 already exists"}}},
    "attached_offer": {"janus": "event", "session_id": 1, "sender": 6104766016064763, "transaction": "lg9",
                       "plugindata": {"plugin": "janus.plugin.videoroom",
                                      "data": {"videoroom": "attached", "room": 1234,
                                               "streams": [{"type": "audio", "mindex": 0, "mid": "0", "feed_id": 1}]}},
                       "jsep": {"type": "offer", "sdp": SDP}},
    "joined_answer": {"janus": "event", "session_id": 1, "sender": 7, "transaction": "lg7",
                      "plugindata": {"plugin": "janus.plugin.videoroom",
                                     "data": {"videoroom": "event", "room": 1234, "configured": "ok",
                                              "audio_codec": "opus", "streams": []}},
                      "jsep": {"type": "answer", "sdp": SDP.replace("actpass", "active"), "e2ee": False}},
    "error": {"janus": "error", "session_id": 1, "transaction": "lg2",
              "error": {"code": 458, "reason": "No such session 1"}},
    "webrtcup": {"janus": "webrtcup", "session_id": 1, "sender": 7},
    "hangup": {"janus": "hangup", "session_id": 1, "sender": 7, "reason": "DTLS alert"},
    "media": {"janus": "media", "session_id": 1, "sender": 7, "mid": "1", "type": "video", "receiving": True},
}
for name, msg in seeds.items():
    write("janus_message", name, json.dumps(msg).encode())
write("janus_message", "escaped_sdp", b'{"janus":"event","sender":7,"jsep":{"type":"offer","sdp":"v=0\\r\\n\\u0073=\\/x"}}')
write("janus_message", "nested_deep", b'{"janus":"event","x":[[[[[[[[[[1]]]]]]]]]],"sender":7}')
write("janus_message", "truncated", b'{"janus":"event","jsep":{"type":"off')
write("janus_message", "event_list", ("[" + ",".join(json.dumps(seeds[k]) for k in ("attached_offer", "webrtcup", "media"))
                                      + "]").encode())
write("janus_message", "event_list_empty", b"[ ]")
