// One WebSocket to <prefix>/wsb carrying one Envelope per binary frame.
import { decodeEnvelope, encodeEnvelope, type BodyInit, type Envelope } from "./proto";

export interface SignalingHandlers {
  open(): void;
  message(env: Envelope): void;
  close(reason: string): void; // called once, for any end (error, close, bad frame)
}

export class Signaling {
  private ws: WebSocket | null;
  private closed = false;

  constructor(url: string, private readonly on: SignalingHandlers) {
    this.ws = new WebSocket(url);
    this.ws.binaryType = "arraybuffer";
    this.ws.onopen = () => this.on.open();
    this.ws.onmessage = (ev) => {
      if (!(ev.data instanceof ArrayBuffer)) return; // text frames are not part of the protocol
      let env: Envelope;
      try {
        env = decodeEnvelope(new Uint8Array(ev.data));
      } catch {
        this.end("undecodable frame from the server");
        return;
      }
      this.on.message(env);
    };
    this.ws.onerror = () => this.end("connection error");
    this.ws.onclose = (ev) => this.end(ev.code === 1000 ? "closed by the server" : `connection lost (${ev.code})`);
  }

  send(body: BodyInit): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(encodeEnvelope(body));
    return true;
  }

  // Closes without calling handlers.close.
  close(): void {
    this.closed = true;
    this.detach();
  }

  private end(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.detach();
    this.on.close(reason);
  }

  private detach(): void {
    const ws = this.ws;
    this.ws = null;
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
    if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) ws.close(1000);
  }
}
