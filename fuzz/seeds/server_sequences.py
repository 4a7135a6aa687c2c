"""Seed corpora for the stateful server harnesses: conference_signal (sequences of client
messages to the Conference) and trunk_client (the far SFU's messages to a trunk we dialled).
Each seed is a sequence of operations in the byte format the harness reads (see
fuzz/conference_signal_fuzz.cpp, fuzz/trunk_client_fuzz.cpp, fuzz/server_world.hpp): a call
that runs its course, churn, a trunk joining, WHIP/WHEP, too many tracks, time running out."""
from common import u16, u32, write

NO_MUTATION = b"\x04"


def sized(text):
    data = text.encode() if isinstance(text, str) else text
    return bytes([len(data)]) + data


def sized16(text):
    data = text.encode() if isinstance(text, str) else text
    return u16(len(data)) + data


def offer_bytes(audio=(), video=(), flags=None, datachannel=False, many=False, mutation=NO_MUTATION):
    """client_offer(): audio [(mid number, ssrc)], video [(mid number, ssrc, rtx)], one flag
    byte per m-line (bit 1 recvonly, 3 port 0, 4 simulcast), a data channel."""
    out = bytes([224 if many else 0, len(audio)])
    for mid, ssrc in audio:
        out += bytes([mid]) + u32(ssrc)
    out += bytes([len(video)])
    for mid, ssrc, rtx in video:
        out += bytes([mid]) + u32(ssrc) + bytes([1 if rtx else 0])
    flags = flags or [0] * (len(audio) + len(video))
    return out + bytes(flags) + bytes([1 if datachannel else 0]) + mutation


AV = offer_bytes(audio=[(0, 0x1111)], video=[(0, 0x2222, True)])


# --- conference_signal operations
def c_open():
    return b"\x00"


def c_join(client, room=1, name="alice", role=0, token=True, site=0, path=()):
    out = bytes([1, client, room]) + sized(name) + bytes([role])
    if 220 <= role < 250:
        out += bytes([1 if token else 0, site, len(path)]) + bytes(path)
    return out


def c_leave(client):
    return bytes([2, client])


def c_offer(client, offer=AV, revision_byte=0):
    return bytes([3, client]) + offer + bytes([revision_byte])


def c_raw_sdp(client, text, offer=True):
    return bytes([5, client, 1 if offer else 0]) + sized16(text)


def c_answer(client, reject=0, revision_byte=0):
    return bytes([6, client, reject]) + NO_MUTATION + bytes([revision_byte])


def c_mute(client, audio=True, video=False):
    return bytes([8, client, 1, int(audio), int(video)])


def c_ping(client, nonce=7):
    return bytes([8, client, 0]) + u32(nonce)


def c_any(client, tag_index, fields=b""):
    return bytes([9, client, tag_index]) + fields


def c_raw(client, frame):
    return bytes([11, client]) + sized16(frame)


def c_close(client):
    return bytes([12, client])


def time(step):
    return bytes([13, step])


def c_http(offer=AV, room=1, whip=True):
    return b"\x0e" + offer + bytes([room, 1 if whip else 0])


def c_end_http(index):
    return bytes([15, index])


def conference_seeds():
    call = (c_open() + c_open() + c_join(0) + c_join(1, name="bob") + c_offer(0) + c_answer(1) +
            c_offer(1, offer_bytes(audio=[(1, 0x3333)], video=[(1, 0x4444, False)])) + c_answer(0) +
            c_answer(1) + c_mute(0) + c_ping(1) + time(100) + c_leave(0) + c_answer(1) + c_close(1) + c_close(0))
    write("conference_signal", "call", call)
    churn = c_open() + c_join(0) + c_offer(0)
    for i in range(4):
        churn += (c_open() + c_join(i + 1, name="p%d" % i) + c_offer(i + 1, offer_bytes(
            audio=[(i, 0x100 + i)], video=[(i, 0x200 + i, i % 2 == 0)])) + c_answer(0) + c_answer(i + 1) +
            time(20) + c_close(i + 1) + c_answer(0))
    write("conference_signal", "churn", churn)
    renegotiate = (c_open() + c_open() + c_join(0) + c_join(1) + c_offer(0) + c_answer(1) +
                   c_offer(0, offer_bytes(audio=[(0, 0x1111)], video=[(0, 0x2222, True), (5, 0x5555, False)],
                                          flags=[0, 2, 16])) + c_answer(1, reject=201) +
                   c_offer(0, offer_bytes(video=[(7, 0x7777, False)], datachannel=True)) + c_answer(1) +
                   c_answer(1, revision_byte=255) + c_leave(1) + c_join(1, room=2))
    write("conference_signal", "renegotiate", renegotiate)
    trunk = (c_open() + c_open() + c_join(0) + c_offer(0) + c_join(1, name="trunk site-b", role=230, site=0) +
             c_offer(1, offer_bytes(audio=[(3, 0x9999)])) + c_ping(1) + c_any(1, 12, b"\x01" + sized("x")) +
             c_any(1, 16, bytes([2, 1, 0])) + c_answer(0) + c_any(1, 16, bytes([0])) + c_close(1) +
             c_open() + c_join(2, role=230, token=False) + c_open() + c_join(3, role=230, site=2))
    write("conference_signal", "trunk_accept", trunk)
    guess = (c_open() + c_join(0, name="trunk site-c", role=230, token=False, site=1) + time(250) + c_open() +
             c_join(1, name="trunk site-b", role=230, site=0) + c_ping(1) + c_close(0) + c_close(1))
    write("conference_signal", "trunk_wrong_secret", guess)
    http = (c_http() + c_open() + c_join(0) + c_offer(0, offer_bytes(video=[(2, 0x42, False)], flags=[2])) +
            c_answer(0) + c_http(offer_bytes(audio=[(0, 1)], video=[(0, 2, False)], flags=[2, 2]), whip=False) +
            c_end_http(0) + c_end_http(1) + c_end_http(0))
    write("conference_signal", "whip_whep", http)
    many = (c_open() + c_open() + c_join(0) + c_join(1) +
            c_offer(0, offer_bytes(audio=[(i, 0x10 + i) for i in range(10)],
                                   video=[(i, 0x100 + i, False) for i in range(12)], many=True)) +
            c_offer(1, offer_bytes(video=[(i, 0x200 + i, False) for i in range(16)], many=True)) + c_answer(0))
    write("conference_signal", "too_many_tracks", many)
    timeout = (c_open() + c_open() + c_join(0) + c_join(1) + c_offer(0) + c_answer(1) + time(205) + time(230) +
               c_offer(1) + time(255) + c_answer(0))
    write("conference_signal", "ice_timeout", timeout)
    garbage = (c_open() + c_raw(0, b"\x0a\x03abc") + c_any(0, 4, u32(5)) + c_leave(0) + c_offer(0) + c_join(0) +
               c_raw_sdp(0, "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n") + c_raw_sdp(0, "v=0\r\n", offer=False) +
               c_any(0, 13, b"\x01" + sized("wss://x")) + c_any(0, 14) + c_join(0) + c_raw(0, b"\xff" * 40))
    write("conference_signal", "malformed", garbage)
    mutated = (c_open() + c_join(0) +
               c_offer(0, offer_bytes(audio=[(0, 1)], mutation=b"\x02" + u16(40) + sized("a=mid:\r\n"))) +
               c_offer(0, offer_bytes(video=[(0, 2, True)], mutation=b"\x01" + u16(300))))
    write("conference_signal", "mutated_offer", mutated)


# --- trunk_client operations
def t_open():
    return b"\x00"


def person(pid=0, site=0, room=1, name="bob", muted=False):
    return bytes([pid, site, room]) + sized(name) + bytes([int(muted)])


def t_joined(link, site=0, people=(), wrong_proof=False):
    """The far side's challenge, then Joined with its proof over our response (wrong on request)."""
    return bytes([1, link, site, len(people)]) + b"".join(people) + (b"\x00\x05" if wrong_proof else b"\xff")


def t_person_event(link, who, joined=True):
    return bytes([2, link, 1 if joined else 0]) + who


def t_left(link, pid):
    return bytes([3, link, pid])


def t_track_added(link, track, kind=2, owner=0, site=0, room=1):
    return bytes([4, link, kind, track, owner, site, room])


def t_track_removed(link, track):
    return bytes([6, link, track])


def t_answer(link, ssrc=0x5000, skip=0, swap=0, owner=0, rtx=True, revision_byte=0, mutation=NO_MUTATION):
    return bytes([7, link, skip, swap, owner, 0]) + u32(ssrc) + bytes([int(rtx)]) + mutation + bytes([revision_byte])


def t_raw_description(link, text, answer=True):
    return bytes([9, link, 1 if answer else 0]) + sized16(text)


def t_any(link, tag_index, fields=b""):
    return bytes([10, link, tag_index]) + fields


def t_raw(link, frame):
    return bytes([11, link]) + sized16(frame)


def t_close(link):
    return bytes([12, link])


def l_open():
    return b"\x0e\x00"


def l_join(client, room=1):
    return bytes([14, 1, client, room])


def l_publish(client, offer=AV):
    return bytes([14, 2, client]) + offer


def l_answer(client, reject=0):
    return bytes([14, 3, client, reject]) + NO_MUTATION


def l_leave(client):
    return bytes([14, 4, client])


def l_close(client):
    return bytes([14, 5, client])


def trunk_seeds():
    basic = (t_open() + t_joined(0, people=[person(0), person(1, room=2)]) + t_track_added(0, 1, owner=0) +
             t_track_added(0, 0, kind=1, owner=0) + t_answer(0) + t_person_event(0, person(0, name="bobby", muted=True),
                                                                                  joined=False) +
             t_track_removed(0, 1) + t_answer(0) + t_left(0, 1) + t_close(0))
    write("trunk_client", "far_tracks", basic)
    local = (l_open() + l_join(0) + l_publish(0) + t_open() + t_joined(0, people=[person(0)]) + t_answer(0) +
             t_track_added(0, 1, owner=0) + t_answer(0) + l_open() + l_join(1) + l_answer(1) + l_answer(0) +
             l_leave(0) + t_answer(0) + l_close(1) + t_close(0) + l_close(0))
    write("trunk_client", "local_and_far", local)
    twice = (t_open() + t_open() + t_joined(0) + t_joined(1) + t_open() + t_joined(2, site=1) +
             t_track_added(2, 3, site=1, owner=2) + t_answer(2) + time(255) + t_answer(2))
    write("trunk_client", "dialled_twice", twice)
    ring = (t_open() + t_joined(0, people=[person(3, site=2)]) + t_track_added(0, 4, site=2, owner=3) +
            t_person_event(0, person(3, site=2)) + l_open() + l_join(0) + l_publish(0) + t_answer(0))
    write("trunk_client", "ring", ring)
    refused = (t_open() + t_any(0, 12, b"\x02" + sized("wrong trunk secret")) + t_open() + t_joined(1) +
               t_raw_description(1, "v=0\r\n") + t_raw(1, b"\x22\x00") + t_any(1, 4, u32(9)) + t_any(1, 5) +
               t_any(1, 1) + t_joined(1))
    write("trunk_client", "refused_and_garbage", refused)
    impostor = (t_open() + t_joined(0, people=[person(0)], wrong_proof=True) + t_track_added(0, 1) + t_open() +
                t_joined(1, people=[person(1)]) + t_track_added(1, 2) + t_answer(1))
    write("trunk_client", "far_side_without_the_secret", impostor)
    stale = (t_open() + t_joined(0) + t_track_added(0, 1) + t_track_added(0, 2) + t_answer(0, revision_byte=250) +
             t_answer(0, skip=201, swap=203) + t_track_added(0, 5) +
             t_answer(0, mutation=b"\x02" + u16(100) + sized("a=ssrc:1 cname:x\r\n")) + time(255) + time(255))
    write("trunk_client", "stale_and_mutated", stale)
    # Pull: the far side wants one of our tracks (and one it never got), then nothing.
    pulled = (t_open() + t_joined(0, people=[person(0)]) + l_open() + l_join(0) + l_publish(0) + t_answer(0) +
              t_any(0, 16, bytes([2, 4, 0])) + t_track_added(0, 1, owner=0) + t_answer(0) + l_answer(0) +
              t_any(0, 16, bytes([0])) + t_close(0) + l_close(0))
    write("trunk_client", "pulled", pulled)


if __name__ == "__main__":
    conference_seeds()
    trunk_seeds()
