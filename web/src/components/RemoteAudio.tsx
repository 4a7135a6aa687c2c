import { useEffect, useRef } from "preact/hooks";

type SinkElement = HTMLAudioElement & { setSinkId?(id: string): Promise<void> };

export const canPickSpeaker = (): boolean => typeof (HTMLMediaElement.prototype as SinkElement).setSinkId === "function";

// One <audio> per remote participant, whether or not their tile is on screen (a 50-person
// call shows nine tiles but plays everyone), on the chosen speaker where the browser allows.
export function RemoteAudio(p: { stream: MediaStream; sinkId: string; onBlocked(): void }) {
  const el = useRef<SinkElement>(null);
  useEffect(() => {
    const a = el.current;
    if (!a || a.srcObject === p.stream) return;
    a.srcObject = p.stream;
    a.play().catch((err) => err?.name === "NotAllowedError" && p.onBlocked());
  }, [p.stream]);
  useEffect(() => {
    if (p.sinkId && el.current?.setSinkId) el.current.setSinkId(p.sinkId).catch(() => undefined);
  }, [p.sinkId]);
  return <audio ref={el} autoplay data-testid="remote-audio" />;
}
