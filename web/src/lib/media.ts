// Camera and microphone: opening them, and saying plainly why they could not be opened.

export interface DeviceChoice {
  audioId?: string; // "" or undefined: the default device
  videoId?: string;
}

export function mediaUnavailableReason(): string | null {
  if (!window.isSecureContext) {
    return "Camera and microphone need a secure page (https:// or http://localhost). You can still join as a viewer.";
  }
  if (!navigator.mediaDevices?.getUserMedia) return "This browser cannot use a camera or microphone here. You can still join as a viewer.";
  return null;
}

export function mediaErrorMessage(err: unknown): string {
  const name = err instanceof DOMException ? err.name : "";
  switch (name) {
    case "NotAllowedError":
    case "SecurityError":
      return "Permission to use the camera or microphone was denied. Allow it in the browser's site settings and try again, or join as a viewer.";
    case "NotFoundError":
    case "OverconstrainedError":
      return "No camera or microphone was found. Join as a viewer, or connect a device and try again.";
    case "NotReadableError":
    case "AbortError":
      return "The camera or microphone is in use by another program or could not be started.";
    default:
      return `Could not open the camera or microphone: ${err instanceof Error ? err.message : String(err)}`;
  }
}

export function deviceEndedMessage(kind: string): string {
  const what = kind === "audio" ? "microphone" : "camera";
  return `Your ${what} stopped: it was unplugged, or another program took it. Pick another ${what} below, or plug it back in and pick it again.`;
}

function constraint(id?: string): MediaTrackConstraints | boolean {
  return id ? { deviceId: { exact: id } } : true;
}

// Camera and microphone together; if that fails because one is missing or busy, whichever
// one works alone. Permission errors are not retried (the user said no).
export async function openMedia(choice: DeviceChoice): Promise<{ stream: MediaStream; warning: string | null }> {
  const audio = constraint(choice.audioId);
  const video = typeof constraint(choice.videoId) === "boolean" ? { width: { ideal: 1280 }, height: { ideal: 720 } } : constraint(choice.videoId);
  try {
    return { stream: await navigator.mediaDevices.getUserMedia({ audio, video }), warning: null };
  } catch (err) {
    const name = err instanceof DOMException ? err.name : "";
    if (name === "NotAllowedError" || name === "SecurityError") throw err;
    for (const [c, missing] of [[{ audio }, "camera"], [{ video }, "microphone"]] as const) {
      try {
        const stream = await navigator.mediaDevices.getUserMedia(c);
        return { stream, warning: `Joined without a ${missing}: ${mediaErrorMessage(err)}` };
      } catch {
        // try the other one
      }
    }
    throw err;
  }
}

export async function openTrack(kind: "audio" | "video", deviceId: string): Promise<MediaStreamTrack> {
  const stream = await navigator.mediaDevices.getUserMedia(kind === "audio" ? { audio: constraint(deviceId) } : { video: constraint(deviceId) });
  return stream.getTracks()[0];
}

export interface Devices {
  audio: MediaDeviceInfo[];
  video: MediaDeviceInfo[];
  output: MediaDeviceInfo[]; // speakers (listed by Chromium; setSinkId picks one)
}

export const noDevices: Devices = { audio: [], video: [], output: [] };

export async function listDevices(): Promise<Devices> {
  if (!navigator.mediaDevices?.enumerateDevices) return noDevices;
  const all = await navigator.mediaDevices.enumerateDevices();
  const of = (kind: MediaDeviceKind) => all.filter((d) => d.kind === kind && d.deviceId);
  return { audio: of("audioinput"), video: of("videoinput"), output: of("audiooutput") };
}

// The screen, a window or a tab, for sharing; null when the user cancels the picker.
export async function openScreen(): Promise<MediaStream | null> {
  try {
    return await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 15 } }, audio: false });
  } catch (err) {
    if (err instanceof DOMException && err.name === "NotAllowedError") return null;
    throw err;
  }
}

export const canShareScreen = (): boolean => typeof navigator.mediaDevices?.getDisplayMedia === "function";
