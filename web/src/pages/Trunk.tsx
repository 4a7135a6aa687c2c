import { useEffect, useRef, useState } from "preact/hooks";
import { AdminLogin } from "../components/AdminLogin";
import { loadAdminSecret, saveAdminSecret } from "../lib/access";
import { Backoff } from "../lib/backoff";
import { Error_Code, TrunkState_State, type TrunkState } from "../lib/proto";
import { Signaling } from "../lib/signaling";
import { wsUrl } from "../lib/url";

const POLL_MS = 2000;
const STATE_NAME: Record<TrunkState_State, string> = {
  [TrunkState_State.IDLE]: "idle",
  [TrunkState_State.CONNECTING]: "connecting",
  [TrunkState_State.CONNECTED]: "connected",
  [TrunkState_State.RETRYING]: "retrying",
};

export function validTrunkUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === "wss:" || u.protocol === "ws:") && u.host !== "";
  } catch {
    return false;
  }
}

// Trunk management over /wsb: GetTrunks is polled, SetTrunks replaces the whole list, and the
// server answers both with Trunks (or Error). Both carry the administrator secret.
export function TrunkPage({ prefix }: { prefix: string }) {
  const [admin, setAdmin] = useState(loadAdminSecret);
  const [loginError, setLoginError] = useState<string | null>(null);
  if (!admin)
    return (
      <section class="card wide">
        <h1>Trunks</h1>
        <p class="muted-text">Setting trunks needs the administrator secret.</p>
        <AdminLogin
          error={loginError}
          onSecret={(s) => {
            saveAdminSecret(s);
            setAdmin(s);
          }}
        />
      </section>
    );
  return (
    <TrunkManager
      prefix={prefix}
      admin={admin}
      onRefused={(why) => {
        saveAdminSecret("");
        setLoginError(why);
        setAdmin("");
      }}
    />
  );
}

function TrunkManager({ prefix, admin, onRefused }: { prefix: string; admin: string; onRefused: (why: string) => void }) {
  const [trunks, setTrunks] = useState<TrunkState[] | null>(null);
  const [connected, setConnected] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [input, setInput] = useState("");
  const sig = useRef<Signaling | null>(null);

  useEffect(() => {
    const backoff = new Backoff();
    let poll: ReturnType<typeof setInterval> | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const connect = () => {
      sig.current = new Signaling(wsUrl(location, prefix), {
        open: () => {
          backoff.reset();
          setConnected(true);
          setError(null);
          sig.current?.send({ case: "getTrunks", value: { admin } });
          poll = setInterval(() => sig.current?.send({ case: "getTrunks", value: { admin } }), POLL_MS);
        },
        message: (env) => {
          if (env.body.case === "trunks") setTrunks(env.body.value.trunks);
          else if (env.body.case === "error" && env.body.value.code === Error_Code.UNAUTHORIZED) onRefused(env.body.value.message);
          else if (env.body.case === "error") setError(`${Error_Code[env.body.value.code] ?? env.body.value.code}: ${env.body.value.message}`);
        },
        close: (reason) => {
          clearInterval(poll);
          setConnected(false);
          if (!stopped) retry = setTimeout(connect, backoff.next());
          setError((e) => e ?? `Connection to the server: ${reason}`);
        },
      });
    };
    connect();
    return () => {
      stopped = true;
      clearInterval(poll);
      clearTimeout(retry);
      sig.current?.close();
    };
  }, []);

  const setList = (urls: string[]) => {
    setError(null);
    if (!sig.current?.send({ case: "setTrunks", value: { urls, admin } })) setError("Not connected to the server; try again in a moment.");
  };
  const urls = (trunks ?? []).map((t) => t.url);
  const submit = (e: Event) => {
    e.preventDefault();
    const url = input.trim();
    if (!url) {
      if (urls.length === 0 || confirm("Stop all trunks?")) setList([]);
      return;
    }
    if (!validTrunkUrl(url)) return setError("A trunk URL looks like wss://other-server.example/wsb");
    setList(urls.includes(url) ? urls : [...urls, url]);
    setInput("");
  };

  return (
    <section class="card wide">
      <h1>Trunks</h1>
      <p class="muted-text">Links from this server to other Umbrella servers, so rooms span sites. An empty field stops all trunks.</p>
      <form class="row" onSubmit={submit}>
        <input class="grow" value={input} onInput={(e) => setInput((e.target as HTMLInputElement).value)} placeholder="wss://other-server.example/wsb" aria-label="Trunk URL" data-testid="trunk-input" />
        <button type="submit" class="primary" data-testid="trunk-set">
          Set trunk
        </button>
      </form>
      {error && (
        <p class="notice error" role="alert" data-testid="trunk-error">
          {error}
        </p>
      )}
      {!connected && <p class="notice">Connecting to the server…</p>}
      {trunks && trunks.length === 0 && <p class="empty">No trunks.</p>}
      {trunks && trunks.length > 0 && (
        <table data-testid="trunk-table">
          <thead>
            <tr>
              <th>URL</th>
              <th>State</th>
              <th>Peer site</th>
              <th>Last error</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {trunks.map((t) => (
              <tr key={t.url} data-testid="trunk-row">
                <td class="mono">{t.url}</td>
                <td>
                  <span class={`pill trunk-${STATE_NAME[t.state]}`}>{STATE_NAME[t.state] ?? t.state}</span>
                </td>
                <td class="mono">{t.peerSiteId || "—"}</td>
                <td class="error-text">{t.lastError}</td>
                <td>
                  <button onClick={() => setList(urls.filter((u) => u !== t.url))}>Remove</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
