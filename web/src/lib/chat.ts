// The call's text chat over the SFU's room data channel (README "Data channels"): we send on
// our channel labelled "room"; the SFU delivers each other participant's messages on a
// channel labelled with their participant id. This is the pure part: the message log, names,
// bounds and the unread count; session.ts moves the bytes.

export const ROOM_CHANNEL = "room";
export const MAX_CHAT_MESSAGES = 200; // the log keeps the newest
export const MAX_CHAT_CHARS = 2000; // longer messages are cut (ours) or ignored (theirs)

export interface ChatMessage {
  from: string; // participant id ("" for us)
  name: string;
  text: string;
  at: number; // ms since the epoch, when it arrived or was sent
  self: boolean;
}

export interface ChatState {
  messages: ChatMessage[];
  unread: number; // messages from others since the panel was last open
  open: boolean;
}

export const emptyChat: ChatState = { messages: [], unread: 0, open: false };

export type ChatAction =
  | { kind: "received"; from: string; name: string; text: string; at: number }
  | { kind: "sent"; name: string; text: string; at: number }
  | { kind: "open"; open: boolean };

export function reduceChat(s: ChatState, a: ChatAction): ChatState {
  switch (a.kind) {
    case "open":
      return { ...s, open: a.open, unread: a.open ? 0 : s.unread };
    case "received": {
      if (typeof a.text !== "string" || !a.text.trim() || a.text.length > MAX_CHAT_CHARS) return s;
      const m: ChatMessage = { from: a.from, name: a.name || "Someone", text: a.text, at: a.at, self: false };
      return { ...s, messages: [...s.messages, m].slice(-MAX_CHAT_MESSAGES), unread: s.open ? 0 : s.unread + 1 };
    }
    case "sent": {
      const m: ChatMessage = { from: "", name: a.name, text: a.text, at: a.at, self: true };
      return { ...s, messages: [...s.messages, m].slice(-MAX_CHAT_MESSAGES) };
    }
  }
}

// What the user typed, ready to send: trimmed and cut to the bound; "" sends nothing.
export function outgoingText(typed: string): string {
  return typed.trim().slice(0, MAX_CHAT_CHARS);
}

// "14:05" in the viewer's locale-independent 24-hour form.
export function timeLabel(at: number): string {
  const d = new Date(at);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}
