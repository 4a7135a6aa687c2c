// Who is in the room and which of their tracks we receive, driven by the server's messages.
// Pure: (state, action) -> new state, so it is tested without a browser.
import { MediaKind, type Body } from "./proto";

export interface Member {
  id: string;
  name: string;
  audioMuted: boolean;
  videoMuted: boolean;
  siteId: string;
}

export interface RemoteTrack {
  trackId: string;
  participantId: string;
  kind: "audio" | "video";
  mid: string;
  streamId: string;
}

export interface RosterState {
  selfId: string | null;
  room: string;
  siteId: string;
  members: Member[]; // in order of arrival; self first once joined
  tracks: Record<string, RemoteTrack>; // by track id
  speakers: string[]; // who is speaking, most recent first (the server's Speakers)
  videoPaused: boolean; // the SFU stopped sending us video: our link cannot carry it (VideoPaused)
}

export const emptyRoster: RosterState = { selfId: null, room: "", siteId: "", members: [], tracks: {}, speakers: [], videoPaused: false };

export type RosterAction =
  | Body
  | { case: "reset"; value?: undefined }
  | { case: "localMute"; value: { audioMuted: boolean; videoMuted: boolean } };

interface ParticipantLike {
  participantId: string;
  displayName: string;
  audioMuted: boolean;
  videoMuted: boolean;
  siteId: string;
}

function member(p: ParticipantLike): Member {
  return { id: p.participantId, name: p.displayName, audioMuted: p.audioMuted, videoMuted: p.videoMuted, siteId: p.siteId };
}

function upsert(members: Member[], m: Member): Member[] {
  const i = members.findIndex((x) => x.id === m.id);
  if (i < 0) return [...members, m];
  const next = members.slice();
  next[i] = m;
  return next;
}

export function reduceRoster(state: RosterState, action: RosterAction): RosterState {
  switch (action.case) {
    case "reset":
      return emptyRoster;
    case "joined": {
      const j = action.value;
      // The server may or may not list us among the participants; we always come first.
      const self: Member = { id: j.participantId, name: "", audioMuted: false, videoMuted: false, siteId: j.siteId };
      const mine = j.participants.find((p) => p.participantId === j.participantId);
      const others = j.participants.filter((p) => p.participantId !== j.participantId).map(member);
      return { selfId: j.participantId, room: j.room, siteId: j.siteId, members: [mine ? member(mine) : self, ...others], tracks: {}, speakers: [], videoPaused: false };
    }
    case "participantJoined":
    case "participantUpdated": {
      const p = action.value.participant;
      if (!p || !p.participantId) return state;
      if (action.case === "participantUpdated" && !state.members.some((m) => m.id === p.participantId)) {
        return state; // an update for someone who already left
      }
      return { ...state, members: upsert(state.members, member(p)) };
    }
    case "participantLeft": {
      const id = action.value.participantId;
      if (id === state.selfId) return state;
      const tracks = Object.fromEntries(Object.entries(state.tracks).filter(([, t]) => t.participantId !== id));
      return { ...state, members: state.members.filter((m) => m.id !== id), tracks, speakers: state.speakers.filter((s) => s !== id) };
    }
    case "trackAdded": {
      const t = action.value.track;
      if (!t || !t.trackId) return state;
      const kind = t.kind === MediaKind.VIDEO ? "video" : "audio";
      const track: RemoteTrack = { trackId: t.trackId, participantId: t.participantId, kind, mid: t.mid, streamId: t.streamId || t.participantId };
      return { ...state, tracks: { ...state.tracks, [t.trackId]: track } };
    }
    case "trackRemoved": {
      if (!(action.value.trackId in state.tracks)) return state;
      const tracks = { ...state.tracks };
      delete tracks[action.value.trackId];
      return { ...state, tracks };
    }
    case "speakers":
      return { ...state, speakers: action.value.participantIds.slice(0, 16) };
    case "videoPaused":
      return { ...state, videoPaused: action.value.paused };
    case "localMute": {
      const self = state.members.find((m) => m.id === state.selfId);
      if (!self) return state;
      return { ...state, members: upsert(state.members, { ...self, ...action.value }) };
    }
    default:
      return state;
  }
}

// Which participant a received transceiver belongs to, by its mid.
export function participantForMid(state: RosterState, mid: string | null): string | null {
  if (!mid) return null;
  for (const t of Object.values(state.tracks)) if (t.mid === mid) return t.participantId;
  return null;
}
