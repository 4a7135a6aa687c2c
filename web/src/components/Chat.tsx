// The call's chat panel: a toggle with an unread badge, the messages (name, time, text), and
// a box to type in. Fits a phone: the panel overlays the call at full width on narrow screens.
import { useEffect, useRef, useState } from "preact/hooks";
import { outgoingText, timeLabel, type ChatState } from "../lib/chat";

export function Chat(props: { chat: ChatState; onOpen(open: boolean): void; onSend(text: string): boolean }) {
  const { chat } = props;
  const [draft, setDraft] = useState("");
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    if (list.current) list.current.scrollTop = list.current.scrollHeight;
  }, [chat.messages.length, chat.open]);

  const send = (e: Event) => {
    e.preventDefault();
    const text = outgoingText(draft);
    if (text && props.onSend(text)) setDraft("");
  };

  if (!chat.open)
    return (
      <button class="chat-toggle" onClick={() => props.onOpen(true)} data-testid="chat-open">
        Chat
        {chat.unread > 0 && (
          <span class="badge" data-testid="chat-unread" aria-label={`${chat.unread} unread`}>
            {chat.unread}
          </span>
        )}
      </button>
    );
  return (
    <aside class="chat" aria-label="Chat" data-testid="chat">
      <header>
        <strong>Chat</strong>
        <button onClick={() => props.onOpen(false)} data-testid="chat-close" aria-label="Close chat">
          ✕
        </button>
      </header>
      <ol ref={list} data-testid="chat-messages">
        {chat.messages.map((m, i) => (
          <li key={i} class={m.self ? "self" : ""} data-testid="chat-message">
            <span class="who">{m.self ? "You" : m.name}</span> <time>{timeLabel(m.at)}</time>
            <p>{m.text}</p>
          </li>
        ))}
        {chat.messages.length === 0 && <li class="muted-text">No messages yet.</li>}
      </ol>
      <form onSubmit={send}>
        <input value={draft} onInput={(e) => setDraft((e.target as HTMLInputElement).value)} placeholder="Message" maxLength={2000} aria-label="Message" data-testid="chat-input" />
        <button type="submit" data-testid="chat-send">
          Send
        </button>
      </form>
    </aside>
  );
}
