import type { Devices } from "../lib/media";
import { ariaKeys, SHORTCUTS } from "../lib/shortcuts";
import { CamIcon, LeaveIcon, MicIcon, ScreenIcon } from "./Icons";

export interface ControlsProps {
  viewer: boolean;
  hasAudio: boolean;
  hasVideo: boolean;
  muted: { audio: boolean; video: boolean };
  sharing: boolean;
  canShare: boolean;
  speakerView: boolean;
  devices: Devices;
  choice: { audio: string; video: string; output: string };
  canPickSpeaker: boolean;
  onToggle(kind: "audio" | "video"): void;
  onShare(): void;
  onLayout(): void;
  onDevice(kind: "audio" | "video" | "output", id: string): void;
  onLeave(): void;
}

function Picker(p: { label: string; testid: string; list: MediaDeviceInfo[]; value: string; onChange(id: string): void }) {
  if (p.list.length < 2) return null;
  return (
    <select aria-label={p.label} title={p.label} value={p.value || p.list[0].deviceId} onChange={(e) => p.onChange((e.target as HTMLSelectElement).value)} data-testid={p.testid}>
      {p.list.map((d, i) => (
        <option value={d.deviceId} key={d.deviceId}>
          {d.label || `${p.label} ${i + 1}`}
        </option>
      ))}
    </select>
  );
}

// The call's buttons and device pickers, each labelled for screen readers, with the keyboard
// shortcuts (lib/shortcuts.ts) announced and listed.
export function CallControls(p: ControlsProps) {
  return (
    <div class="controls" role="toolbar" aria-label="Call controls">
      {!p.viewer && (
        <>
          <button class={p.muted.audio ? "off" : ""} onClick={() => p.onToggle("audio")} disabled={!p.hasAudio} aria-pressed={p.muted.audio} aria-label={p.muted.audio ? "Unmute microphone" : "Mute microphone"} aria-keyshortcuts={ariaKeys("mute")} data-testid="toggle-mic">
            <MicIcon off={p.muted.audio} /> {p.muted.audio ? "Unmute" : "Mute"}
          </button>
          <button class={p.muted.video ? "off" : ""} onClick={() => p.onToggle("video")} disabled={!p.hasVideo} aria-pressed={p.muted.video} aria-label={p.muted.video ? "Turn camera on" : "Turn camera off"} aria-keyshortcuts={ariaKeys("camera")} data-testid="toggle-camera">
            <CamIcon off={p.muted.video} /> {p.muted.video ? "Camera on" : "Camera off"}
          </button>
          {p.canShare && (
            <button class={p.sharing ? "on" : ""} onClick={p.onShare} aria-pressed={p.sharing} aria-label={p.sharing ? "Stop sharing the screen" : "Share screen"} aria-keyshortcuts={ariaKeys("share")} data-testid="share-screen">
              <ScreenIcon off={p.sharing} /> {p.sharing ? "Stop sharing" : "Share screen"}
            </button>
          )}
          {p.hasVideo && <Picker label="Camera" testid="pick-camera" list={p.devices.video} value={p.choice.video} onChange={(id) => p.onDevice("video", id)} />}
          {p.hasAudio && <Picker label="Microphone" testid="pick-microphone" list={p.devices.audio} value={p.choice.audio} onChange={(id) => p.onDevice("audio", id)} />}
        </>
      )}
      {p.canPickSpeaker && <Picker label="Speaker" testid="pick-speaker" list={p.devices.output} value={p.choice.output} onChange={(id) => p.onDevice("output", id)} />}
      <button onClick={p.onLayout} aria-pressed={p.speakerView} aria-label={p.speakerView ? "Show the grid" : "Show the speaker"} aria-keyshortcuts={ariaKeys("layout")} data-testid="toggle-layout">
        {p.speakerView ? "Grid" : "Speaker"}
      </button>
      <button class="danger" onClick={p.onLeave} aria-label="Leave the call" aria-keyshortcuts={ariaKeys("leave")} data-testid="leave">
        <LeaveIcon /> Leave
      </button>
      <details class="shortcuts">
        <summary>Keyboard shortcuts</summary>
        <dl>
          {SHORTCUTS.map((s) => (
            <div key={s.key}>
              <dt>
                <kbd>{s.key}</kbd>
              </dt>
              <dd>{s.label}</dd>
            </div>
          ))}
        </dl>
      </details>
    </div>
  );
}
