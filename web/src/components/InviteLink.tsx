import { useState } from "preact/hooks";
import { bearer, inviteLink, tokenRequestPath, type InviteRequest } from "../lib/access";

// The administrator makes a link with a room access token (POST /token); the server signs it
// with its room key, so the link works only while that key is set and until it expires.
export function InviteLink({ prefix, admin }: { prefix: string; admin: string }) {
  const [req, setReq] = useState<InviteRequest>({ room: "default", identity: "", name: "", ttl: "1h", viewer: false });
  const [link, setLink] = useState("");
  const [error, setError] = useState<string | null>(null);
  const set = (patch: Partial<InviteRequest>) => setReq({ ...req, ...patch });
  const make = async (e: Event) => {
    e.preventDefault();
    setLink("");
    setError(null);
    try {
      const res = await fetch(tokenRequestPath(prefix, { ...req, identity: req.identity || req.name || "guest" }), {
        method: "POST",
        headers: bearer(admin),
      });
      const text = (await res.text()).trim();
      if (!res.ok) throw new Error(text || `HTTP ${res.status}`);
      setLink(inviteLink(location.origin, prefix, text));
    } catch (err) {
      setError(`No link: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const field = (label: string, key: "room" | "name" | "identity", placeholder = "") => (
    <label>
      {label}
      <input
        value={req[key]}
        placeholder={placeholder}
        maxLength={63}
        onInput={(e) => set({ [key]: (e.target as HTMLInputElement).value })}
        data-testid={`invite-${key}`}
      />
    </label>
  );
  return (
    <form class="row" data-testid="invite" onSubmit={make}>
      {field("Room", "room")}
      {field("Name", "name", "shown to the others")}
      {field("Identity", "identity", "for the log (default: the name)")}
      <label>
        Valid for
        <select value={req.ttl} onChange={(e) => set({ ttl: (e.target as HTMLSelectElement).value })} data-testid="invite-ttl">
          <option value="1h">1 hour</option>
          <option value="8h">8 hours</option>
          <option value="1d">1 day</option>
          <option value="7d">7 days</option>
        </select>
      </label>
      <label>
        <input type="checkbox" checked={req.viewer} onChange={(e) => set({ viewer: (e.target as HTMLInputElement).checked })} />
        Watch only
      </label>
      <button type="submit" class="primary" data-testid="invite-make">
        Make link
      </button>
      {link && (
        <input class="grow mono" readOnly value={link} onFocus={(e) => (e.target as HTMLInputElement).select()} data-testid="invite-link" />
      )}
      {error && (
        <p class="notice error" role="alert" data-testid="invite-error">
          {error}
        </p>
      )}
    </form>
  );
}
