import { useState } from "preact/hooks";
import { bearer, recordRequestPath } from "../lib/access";
import type { Status } from "../lib/status";

// Rooms being recorded and the administrator's switch (POST /record): start one by name, stop
// any (a room of UMBRELLA_RECORD_ROOMS too, until it is started again).
export function Recordings({ prefix, admin, status, onChange }: { prefix: string; admin: string; status: Status; onChange: () => void }) {
  const [room, setRoom] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const toggle = async (name: string, on: boolean) => {
    setError(null);
    setBusy(true);
    try {
      const res = await fetch(recordRequestPath(prefix, name, on), { method: "POST", headers: bearer(admin) });
      const text = (await res.text()).trim();
      if (!res.ok) throw new Error(text || `HTTP ${res.status}`);
      if (on) setRoom("");
      onChange();
    } catch (err) {
      setError(`${on ? "Not started" : "Not stopped"}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      setBusy(false);
    }
  };
  if (!status.recording_available)
    return <p class="muted-text" data-testid="record-unavailable">Recording is off: set UMBRELLA_RECORD_DIR to the folder recordings go to.</p>;
  return (
    <>
      {status.recordings.length ? (
        <table data-testid="recordings">
          <thead>
            <tr>
              <th>Room</th>
              <th>Started by</th>
              <th>Files being written</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {status.recordings.map((r) => (
              <tr key={r.room} data-testid={`recording-${r.room}`}>
                <td class="mono">{r.room}</td>
                <td>{r.always ? "UMBRELLA_RECORD_ROOMS" : "administrator"}</td>
                <td class="mono">{r.files.length ? r.files.join(", ") : "— (nobody publishes)"}</td>
                <td>
                  <button type="button" disabled={busy} onClick={() => toggle(r.room, false)} data-testid={`record-stop-${r.room}`}>
                    Stop
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="empty">No room is being recorded.</p>
      )}
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (room.trim()) toggle(room.trim(), true);
        }}
      >
        <label>
          Room
          <input value={room} maxLength={64} onInput={(e) => setRoom((e.target as HTMLInputElement).value)} data-testid="record-room" />
        </label>
        <button type="submit" class="primary" disabled={busy} data-testid="record-start">
          Start recording
        </button>
      </form>
      {error && (
        <p class="notice error" role="alert" data-testid="record-error">
          {error}
        </p>
      )}
    </>
  );
}
