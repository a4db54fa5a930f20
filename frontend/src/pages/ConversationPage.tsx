import { Fragment, useCallback, useEffect, useLayoutEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { ErrorState, Loading } from '../components/ui';
import { ApiError, describe } from '../lib/api';
import { displayName, newId } from '../lib/format';
import { useDraft, useLoad, useMe } from '../lib/hooks';
import { useLive } from '../lib/live';
import { realtime } from '../lib/realtime';
import { rest } from '../lib/rest';
import type { Conversation, Message } from '../lib/types';
import { LoginForm } from './auth';
import { conversationTitle } from './MessagesPage';

type Shown = Message & { state?: 'pending' | 'failed'; error?: string };

/** Merges messages by id (and a pending one by its clientId), oldest first. */
export function merge(list: Shown[], incoming: Shown[]): Shown[] {
  const out = [...list];
  for (const m of incoming) {
    const i = out.findIndex((x) => x.id === m.id || (m.clientId && x.clientId === m.clientId));
    if (i >= 0) out[i] = { ...m, state: m.state };
    else out.push(m);
  }
  return out.sort((a, b) => (a.state && !b.state ? 1 : !a.state && b.state ? -1 : a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id)));
}

const ACK_TIMEOUT = 6000;

export default function ConversationPage() {
  const { id = '' } = useParams();
  const me = useMe();
  const { epoch, status } = useLive();
  const [conv] = useLoad<Conversation>(() => rest.conversation(id), [id]);
  const [messages, setMessages] = useState<Shown[]>([]);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [older, setOlder] = useState<string | null>(null);
  const [typing, setTyping] = useState<Record<string, number>>({});
  const [reads, setReads] = useState<Record<string, string>>({});
  const [text, setText, clearText] = useDraft(`cs.draft.chat.${id}`);
  const log = useRef<HTMLDivElement>(null);
  const lastTyping = useRef(0);
  const acks = useRef(new Map<string, ReturnType<typeof setTimeout>>());

  const fetchLatest = useCallback(async () => {
    try {
      const page = await rest.messages(id, { limit: 50 });
      setMessages((list) => merge(list, page.items));
      setOlder((o) => o ?? page.nextCursor);
      setLoadError(null);
    } catch (err) {
      setLoadError(describe(err));
    }
  }, [id]);

  // First load, and again after every reconnect: what arrived while the socket was down.
  useEffect(() => {
    void fetchLatest();
  }, [fetchLatest, epoch]);

  useEffect(() => {
    setMessages([]);
    setOlder(null);
  }, [id]);

  const sendRest = useCallback(
    async (m: Shown) => {
      acks.current.delete(m.clientId!);
      try {
        const stored = await rest.sendMessage(id, m.body, m.clientId ?? newId());
        setMessages((list) => merge(list, [stored]));
      } catch (err) {
        // Offline: it stays pending and goes when the connection is back.
        if (err instanceof ApiError && err.offline) return;
        const msg = err instanceof ApiError && err.code === 'blocked' ? 'You cannot message this person.' : describe(err);
        setMessages((list) => list.map((x) => (x.clientId === m.clientId ? { ...x, state: 'failed', error: msg } : x)));
      }
    },
    [id],
  );

  const send = useCallback(
    (m: Shown) => {
      setMessages((list) => merge(list, [{ ...m, state: 'pending', error: undefined }]));
      const viaSocket = realtime.send({ action: 'sendMessage', conversationId: id, body: m.body, clientId: m.clientId });
      if (!viaSocket) return void sendRest(m);
      // No acknowledgement in time: the same clientId over REST stores it at most once.
      acks.current.set(m.clientId!, setTimeout(() => void sendRest(m), ACK_TIMEOUT));
    },
    [id, sendRest],
  );

  // Live frames for this conversation.
  useEffect(
    () =>
      realtime.onFrame((f) => {
        if (f.type === 'message' && f.message.conversationId === id) {
          const t = f.message.clientId ? acks.current.get(f.message.clientId) : undefined;
          if (t) clearTimeout(t);
          if (f.message.clientId) acks.current.delete(f.message.clientId);
          setMessages((list) => merge(list, [f.message]));
          setTyping((ty) => ({ ...ty, [f.message.senderId]: 0 }));
        } else if (f.type === 'typing' && f.conversationId === id && f.userId !== me?.id) {
          setTyping((ty) => ({ ...ty, [f.userId]: Date.now() + 4000 }));
        } else if (f.type === 'read' && f.conversationId === id) {
          setReads((r) => ({ ...r, [f.userId]: f.messageId }));
        } else if (f.type === 'error' && f.clientId) {
          const t = acks.current.get(f.clientId);
          if (t) clearTimeout(t);
          acks.current.delete(f.clientId);
          setMessages((list) => list.map((x) => (x.clientId === f.clientId ? { ...x, state: 'failed', error: f.detail } : x)));
        }
      }),
    [id, me?.id],
  );

  // Pending messages go again when the connection is back.
  useEffect(() => {
    if (status !== 'open') return;
    setMessages((list) => {
      list.filter((m) => m.state === 'pending' && !acks.current.has(m.clientId!)).forEach((m) => void sendRest(m));
      return list;
    });
  }, [status, sendRest]);

  // Typing indicators fade.
  useEffect(() => {
    const t = setInterval(() => setTyping((ty) => (Object.values(ty).some((v) => v && v < Date.now()) ? Object.fromEntries(Object.entries(ty).filter(([, v]) => v > Date.now())) : ty)), 1000);
    return () => clearInterval(t);
  }, []);

  // Read: the newest message from someone else, once seen.
  const newestOther = [...messages].reverse().find((m) => !m.state && m.senderId !== me?.id);
  const { setUnreadMessages } = useLive();
  useEffect(() => {
    if (!newestOther || document.hidden) return;
    if (!realtime.send({ action: 'markRead', conversationId: id, messageId: newestOther.id })) {
      rest.markRead(id, newestOther.id).then((r) => setUnreadMessages((m) => ({ ...m, [id]: r.unreadCount })), () => {});
    }
    setUnreadMessages((m) => ({ ...m, [id]: 0 }));
  }, [newestOther?.id, id, setUnreadMessages]);

  useLayoutEffect(() => {
    const el = log.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [messages.length]);

  if (!me) return <LoginForm />;
  if (conv.status === 'loading') return <Loading label="Loading the conversation" />;
  if (conv.status === 'error') return <ErrorState error={conv.error} retry={conv.retry} />;
  const c = conv.data;
  const name = (uid: string) => {
    const u = c.members.find((m) => m.id === uid);
    return u ? displayName(u) : 'Someone';
  };

  function submit(e: FormEvent) {
    e.preventDefault();
    const body = text.trim();
    if (!body || !me) return;
    send({ id: `pending-${newId()}`, conversationId: id, senderId: me.id, body, clientId: newId(), createdAt: new Date().toISOString(), editedAt: null, deleted: false });
    clearText();
  }

  async function loadOlder() {
    if (!older) return;
    try {
      const page = await rest.messages(id, { cursor: older, limit: 50 });
      setMessages((list) => merge(list, page.items));
      setOlder(page.nextCursor);
    } catch (err) {
      setLoadError(describe(err));
    }
  }

  const typers = Object.entries(typing).filter(([, until]) => until > Date.now()).map(([uid]) => name(uid));
  // "Seen": the others' read markers on my newest message they have reached.
  const mineSent = messages.filter((m) => m.senderId === me.id && !m.state);
  const seenOn = new Map<string, string[]>();
  for (const [uid, mid] of Object.entries(reads)) {
    if (uid === me.id) continue;
    const at = messages.find((m) => m.id === mid);
    if (!at) continue;
    const last = [...mineSent].reverse().find((m) => m.createdAt <= at.createdAt);
    if (last) seenOn.set(last.id, [...(seenOn.get(last.id) ?? []), name(uid)]);
  }

  let lastDay = '';
  let lastSender = '';
  return (
    <section className="chat" aria-labelledby="chat-title">
      <div className="row spread">
        <h1 id="chat-title" style={{ margin: 0 }}>{conversationTitle(c, me)}</h1>
        <Link to="/messages" className="btn btn-sm">All messages</Link>
      </div>
      {loadError && <ErrorState error={loadError} retry={() => void fetchLatest()} />}
      <div className="chat-log" ref={log} role="log" aria-live="polite" aria-label="Messages" tabIndex={0}>
        {older && <button type="button" className="btn btn-sm" style={{ alignSelf: 'center' }} onClick={loadOlder}>Load earlier messages</button>}
        {messages.length === 0 && !loadError && <p className="empty">No messages yet. Say hello.</p>}
        {messages.map((m) => {
          const day = new Date(m.createdAt).toDateString();
          const showDay = day !== lastDay;
          const showSender = c.kind === 'group' && m.senderId !== me.id && (m.senderId !== lastSender || showDay);
          lastDay = day;
          lastSender = m.senderId;
          const mine = m.senderId === me.id;
          const seen = seenOn.get(m.id);
          return (
            <Fragment key={m.clientId ?? m.id}>
              {showDay && <div className="day">{new Date(m.createdAt).toLocaleDateString(undefined, { weekday: 'long', month: 'short', day: 'numeric' })}</div>}
              {showSender && <div className="sender">{name(m.senderId)}</div>}
              <div className={`bubble${mine ? ' mine' : ''}${m.state ? ` ${m.state}` : ''}`} data-testid="message">
                <span className="sr-only">{mine ? 'You' : name(m.senderId)}: </span>
                {m.deleted ? <em>Message deleted</em> : m.body}
              </div>
              {mine && m.state === 'pending' && <div className="meta">Sending…</div>}
              {mine && m.state === 'failed' && (
                <div className="meta" role="alert">
                  Not sent: {m.error}{' '}
                  <button type="button" className="btn btn-sm" onClick={() => send(m)}>Retry</button>
                </div>
              )}
              {seen && <div className="meta">Seen by {seen.join(', ')}</div>}
            </Fragment>
          );
        })}
      </div>
      <p className="muted small" aria-live="polite" style={{ minHeight: '1.5em', margin: 0 }}>
        {typers.length > 0 ? `${typers.join(', ')} ${typers.length === 1 ? 'is' : 'are'} typing…` : ''}
      </p>
      <form className="row" onSubmit={submit}>
        <label htmlFor="chat-input" className="sr-only">Message</label>
        <textarea
          id="chat-input"
          className="input"
          rows={1}
          placeholder="Write a message"
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            if (Date.now() - lastTyping.current > 2000) {
              lastTyping.current = Date.now();
              realtime.send({ action: 'typing', conversationId: id });
            }
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) {
              e.preventDefault();
              e.currentTarget.form?.requestSubmit();
            }
          }}
        />
        <button type="submit" className="btn btn-primary" disabled={!text.trim()}>Send</button>
      </form>
    </section>
  );
}
