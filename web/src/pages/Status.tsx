import { useEffect, useState } from "preact/hooks";
import { AdminLogin } from "../components/AdminLogin";
import { InviteLink } from "../components/InviteLink";
import { Recordings } from "../components/Recordings";
import { bearer, loadAdminSecret, saveAdminSecret } from "../lib/access";
import { formatBitrate, formatBytes, formatDuration, lossPercent, type ClientStatus, type Status, type TrackCounters } from "../lib/status";

const REFRESH_MS = 1000;

// trunk: a trunk's published tracks cross only when pulled (someone here watches them).
function Tracks({ title, tracks, trunk }: { title: string; tracks: TrackCounters[]; trunk?: boolean }) {
  if (!tracks.length) return null;
  return (
    <>
      <tr class="subhead">
        <td colSpan={8}>{title}</td>
      </tr>
      {tracks.map((t) => (
        <tr key={title + t.track_id + t.ssrc}>
          <td class="mono" title={t.track_id}>
            {t.kind} · {t.track_id}
            {trunk && !t.pulled ? <span class="muted-text"> · not pulled</span> : null}
            {t.layers > 0 ? (
              <span class="muted-text" title={`${t.layer_switches} layer switches`}>
                {" "}
                · layer {t.layer + 1}/{t.layers}
                {t.temporal_layers > 0 ? ` · temporal ${t.temporal_layer + 1}/${t.temporal_layers}` : ""} ({t.layer_reason})
              </span>
            ) : null}
          </td>
          <td class="mono num">{t.ssrc}</td>
          <td class="num">{formatBitrate(t.bitrate_bps)}</td>
          <td class="num">{t.packets.toLocaleString()}</td>
          <td class="num">{formatBytes(t.bytes)}</td>
          <td class="num">
            {t.packets_lost.toLocaleString()} ({lossPercent(t)})
          </td>
          <td class="num">{t.nacks.toLocaleString()}</td>
          <td class="num">{t.plis.toLocaleString()}</td>
        </tr>
      ))}
    </>
  );
}

function Client({ c }: { c: ClientStatus }) {
  return (
    <div class="client card" data-testid="status-client">
      <div class="client-head">
        <strong>{c.display_name || "Guest"}</strong>
        <span class="mono muted-text">{c.participant_id}</span>
        <span class="muted-text">room {c.room}</span>
        <span class="mono">{c.address || "—"}</span>
        <span class={`pill ice-${c.ice_state}`}>ICE {c.ice_state || "?"}</span>
        <span class={`pill dtls-${c.dtls_state}`}>DTLS {c.dtls_state || "?"}</span>
        <span class="muted-text">
          ↓ {formatBytes(c.bytes_received)} ↑ {formatBytes(c.bytes_sent)}
        </span>
      </div>
      {c.published.length + c.forwarded.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th>Track</th>
              <th class="num">SSRC</th>
              <th class="num">Bitrate</th>
              <th class="num">Packets</th>
              <th class="num">Bytes</th>
              <th class="num">Lost</th>
              <th class="num">NACK</th>
              <th class="num">PLI</th>
            </tr>
          </thead>
          <tbody>
            {c.trunk_site ? (
              <>
                <Tracks title={`Announced by ${c.trunk_site} (crossing here when pulled)`} tracks={c.published} trunk />
                <Tracks title={`Pulled by ${c.trunk_site} (crossing there)`} tracks={c.forwarded} />
              </>
            ) : (
              <>
                <Tracks title="Published (client → server)" tracks={c.published} />
                <Tracks title="Forwarded (server → client)" tracks={c.forwarded} />
              </>
            )}
          </tbody>
        </table>
      ) : (
        <p class="muted-text">No tracks.</p>
      )}
    </div>
  );
}

function Detail({ status }: { status: Status }) {
  return (
    <>
      <h2>Clients</h2>
      {status.clients.length ? status.clients.map((c) => <Client key={c.participant_id} c={c} />) : <p class="empty">No clients connected.</p>}
      <h2>Trunks</h2>
      {status.trunks.length ? (
        <table>
          <thead>
            <tr>
              <th>URL</th>
              <th>State</th>
              <th>Peer site</th>
              <th>Last error</th>
            </tr>
          </thead>
          <tbody>
            {status.trunks.map((t) => (
              <tr key={t.url}>
                <td class="mono">{t.url}</td>
                <td>
                  <span class={`pill trunk-${t.state}`}>{t.state}</span>
                </td>
                <td class="mono">{t.peer_site_id || "—"}</td>
                <td class="error-text">{t.last_error}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="empty">No trunks.</p>
      )}
    </>
  );
}

// Without the administrator secret the server sends totals and counters only; with it (as
// Authorization: Bearer) every client, its address and tracks, and the trunks.
export function StatusPage({ prefix }: { prefix: string }) {
  const [status, setStatus] = useState<Status | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [admin, setAdmin] = useState(loadAdminSecret);
  const [loginError, setLoginError] = useState<string | null>(null);
  const [reload, setReload] = useState(0);  // a control action changed something: load now

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const load = async () => {
      try {
        const res = await fetch(`${prefix}/status.json`, { cache: "no-store", headers: bearer(admin) });
        if (res.status === 401 && admin) {
          saveAdminSecret("");
          setLoginError(`Refused: ${(await res.text()).trim()}`);
          setAdmin("");
          return; // the effect restarts without the secret
        }
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        // Bitrates are the server's (bytes between its two latest status snapshots).
        const s = (await res.json()) as Status;
        if (!stopped) {
          setStatus(s);
          setError(null);
        }
      } catch (err) {
        if (!stopped) setError(`Could not load status: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (!stopped) timer = setTimeout(load, REFRESH_MS);
    };
    load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [admin, reload]);

  return (
    <section class="wide">
      <h1>Status</h1>
      {error && (
        <p class="notice error" role="alert">
          {error}
        </p>
      )}
      {status && (
        <>
          <div class="stats" data-testid="status-summary">
            <div class="stat">
              <span>Site</span>
              <strong class="mono">{status.site_id || "—"}</strong>
            </div>
            <div class="stat">
              <span>Version</span>
              <strong>{status.version}</strong>
            </div>
            <div class="stat">
              <span>Uptime</span>
              <strong>{formatDuration(status.uptime_ms)}</strong>
            </div>
            <div class="stat">
              <span>Memory (RSS)</span>
              <strong>{formatBytes(status.rss_bytes)}</strong>
            </div>
            <div class="stat">
              <span>Rooms</span>
              <strong data-testid="status-rooms">{status.rooms}</strong>
            </div>
            <div class="stat">
              <span>Participants</span>
              <strong data-testid="status-participants">{status.participants}</strong>
            </div>
            <div class="stat">
              <span>Tracks</span>
              <strong>{status.tracks}</strong>
            </div>
          </div>
          {!status.detail && (
            <>
              <p class="muted-text">Clients, their addresses and the trunks are shown to the administrator only.</p>
              <AdminLogin
                error={loginError}
                onSecret={(secret) => {
                  saveAdminSecret(secret);
                  setLoginError(null);
                  setAdmin(secret);
                }}
              />
            </>
          )}
          {status.detail && (
            <>
              <h2>Invite</h2>
              <InviteLink prefix={prefix} admin={admin} />
              <h2>Recording</h2>
              <Recordings prefix={prefix} admin={admin} status={status} onChange={() => setReload(reload + 1)} />
              <Detail status={status} />
            </>
          )}
          <h2>Counters</h2>
          <table class="counters">
            <tbody>
              {Object.entries(status.counters).map(([k, v]) => (
                <tr key={k}>
                  <td class="mono">{k}</td>
                  <td class="num">{v.toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
