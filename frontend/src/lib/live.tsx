// What the whole app shows live: the socket's state and the unread badges. Notifications and
// conversations keep their counts from the server, then follow the socket's frames; after a
// reconnect they are fetched again (what arrived while the socket was down).
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { useSession } from './hooks';
import { realtime, type Status } from './realtime';
import { rest } from './rest';

interface Live {
  status: Status;
  /** bumps on every reconnect after the first connection */
  epoch: number;
  unreadNotifications: number;
  setUnreadNotifications: (n: number | ((n: number) => number)) => void;
  unreadMessages: Record<string, number>;
  setUnreadMessages: (f: (m: Record<string, number>) => Record<string, number>) => void;
}

const LiveContext = createContext<Live>({
  status: 'closed',
  epoch: 0,
  unreadNotifications: 0,
  setUnreadNotifications: () => {},
  unreadMessages: {},
  setUnreadMessages: () => {},
});

export const useLive = () => useContext(LiveContext);

export function LiveProvider({ children }: { children: ReactNode }) {
  const session = useSession();
  const signedIn = session.status === 'signed-in';
  const me = session.status === 'anonymous' ? null : session.session.user.id;
  const [status, setStatus] = useState<Status>('closed');
  const [epoch, setEpoch] = useState(0);
  const [unreadNotifications, setUnreadNotifications] = useState(0);
  const [unreadMessages, setUnreadMessages] = useState<Record<string, number>>({});

  useEffect(() => {
    if (!signedIn) return;
    realtime.start();
    const offStatus = realtime.onStatus((s, reconnected) => {
      setStatus(s);
      if (reconnected) setEpoch((e) => e + 1);
    });
    const offFrame = realtime.onFrame((f) => {
      if (f.type === 'notification' && !f.notification.read) {
        // A grown notification was already counted unless it had been read.
        setUnreadNotifications((n) => n + 1);
        void rest.unreadCount().then((c) => setUnreadNotifications(c.count), () => {});
      }
      if (f.type === 'message' && f.message.senderId !== me && !f.message.editedAt && !f.message.deleted) {
        setUnreadMessages((m) => ({ ...m, [f.message.conversationId]: (m[f.message.conversationId] ?? 0) + 1 }));
      }
      if (f.type === 'read' && f.userId === me) {
        setUnreadMessages((m) => ({ ...m, [f.conversationId]: f.unreadCount }));
      }
    });
    setStatus(realtime.status);
    return () => {
      offStatus();
      offFrame();
      realtime.stop();
    };
  }, [signedIn, me]);

  useEffect(() => {
    if (!signedIn) return;
    rest.unreadCount().then((c) => setUnreadNotifications(c.count), () => {});
    rest.conversations({ limit: 100 }).then(
      (p) => setUnreadMessages(Object.fromEntries(p.items.map((c) => [c.id, c.unreadCount]))),
      () => {},
    );
  }, [signedIn, epoch]);

  return (
    <LiveContext.Provider value={{ status, epoch, unreadNotifications, setUnreadNotifications, unreadMessages, setUnreadMessages }}>
      {children}
    </LiveContext.Provider>
  );
}
