// Keyboard shortcuts of the call page. Single keys, as in Jitsi Meet, but never while typing
// in a field, and never with Ctrl/Alt/Meta (the browser's own shortcuts).
export type Action = "mute" | "camera" | "share" | "layout" | "leave" | "fullscreen";

export const SHORTCUTS: readonly { key: string; label: string; action: Action }[] = [
  { key: "M", label: "mute or unmute the microphone", action: "mute" },
  { key: "V", label: "turn the camera off or on", action: "camera" },
  { key: "S", label: "share the screen or stop sharing", action: "share" },
  { key: "G", label: "switch between grid and speaker view", action: "layout" },
  { key: "F", label: "full screen the large tile", action: "fullscreen" },
  { key: "Shift+L", label: "leave the call", action: "leave" },
];

export interface KeyLike {
  key: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  altKey: boolean;
  metaKey: boolean;
  target: object | null; // an element: its tagName and isContentEditable are read
}

const TYPING = new Set(["INPUT", "TEXTAREA", "SELECT"]);

export function shortcutFor(e: KeyLike): Action | null {
  if (e.ctrlKey || e.altKey || e.metaKey) return null;
  const t = e.target as { tagName?: string; isContentEditable?: boolean } | null;
  if (t && (TYPING.has(t.tagName ?? "") || t.isContentEditable)) return null;
  const name = (e.shiftKey ? "Shift+" : "") + e.key.toUpperCase();
  return SHORTCUTS.find((s) => s.key === name)?.action ?? null;
}

// aria-keyshortcuts wants "Shift+L", and a single letter as is.
export const ariaKeys = (action: Action): string => SHORTCUTS.find((s) => s.action === action)?.key ?? "";
