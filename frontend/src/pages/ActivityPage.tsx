import { useEffect } from 'react';
import { Link } from 'react-router';
import { InfiniteList } from '../components/InfiniteList';
import { useToast } from '../components/Toasts';
import { Avatar, Empty, PageTitle } from '../components/ui';
import { describe } from '../lib/api';
import { displayName, relativeTime } from '../lib/format';
import { useMe, usePaged } from '../lib/hooks';
import { useLive } from '../lib/live';
import { realtime } from '../lib/realtime';
import { rest } from '../lib/rest';
import type { Notification } from '../lib/types';
import { LoginForm } from './auth';

const verbs: Record<Notification['type'], string> = {
  follow: 'followed you',
  like: 'liked your post',
  comment: 'commented on your post',
  mention: 'mentioned you',
  message: 'sent you a message',
  order: 'has an update on an order',
};

export function summary(n: Notification) {
  const first = n.actors[0];
  const who = first ? displayName(first) : 'Someone';
  const others = n.actorCount - 1;
  return `${who}${others > 0 ? ` and ${others} ${others === 1 ? 'other' : 'others'}` : ''} ${verbs[n.type] ?? n.type}`;
}

function target(n: Notification) {
  if (n.type === 'follow' && n.actors[0]) return `/u/${n.actors[0].id}`;
  if ((n.type === 'like' || n.type === 'comment' || n.type === 'mention') && n.subjectId) return `/p/${n.subjectId}`;
  if (n.type === 'message' && n.subjectId) return `/messages/${n.subjectId}`;
  if (n.type === 'order' && n.subjectId) return `/market/orders/${n.subjectId}`;
  return null;
}

export default function ActivityPage() {
  const me = useMe();
  const toast = useToast();
  const { setUnreadNotifications, epoch } = useLive();
  const paged = usePaged<Notification>((cursor) => rest.notifications({ cursor }), [epoch]);

  useEffect(
    () =>
      realtime.onFrame((f) => {
        if (f.type !== 'notification') return;
        paged.setItems((items) => [f.notification, ...items.filter((n) => n.id !== f.notification.id)]);
      }),
    [paged],
  );

  if (!me) return <LoginForm />;

  async function markAll() {
    const before = paged.items;
    paged.setItems((items) => items.map((n) => ({ ...n, read: true })));
    setUnreadNotifications(0);
    try {
      await rest.markNotificationsRead({ all: true });
    } catch (err) {
      paged.setItems(() => before);
      toast(`Could not mark notifications read: ${describe(err)}`);
      rest.unreadCount().then((c) => setUnreadNotifications(c.count), () => {});
    }
  }

  return (
    <>
      <PageTitle actions={<button type="button" className="btn btn-sm" onClick={markAll}>Mark all read</button>}>Notifications</PageTitle>
      <div aria-live="polite">
        <InfiniteList
          paged={paged}
          label="Notifications"
          empty={<Empty>No notifications yet. When people follow you, like or comment, you will see it here.</Empty>}
          render={(n) => {
            const to = target(n);
            const text = summary(n);
            return (
              <div className="row" style={{ padding: '12px 0', borderBottom: '1px solid var(--border)', fontWeight: n.read ? 400 : 700 }}>
                {n.actors[0] && <Avatar user={n.actors[0]} size={36} />}
                <div style={{ flex: 1 }}>
                  {to ? <Link to={to} style={{ color: 'inherit' }}>{text}</Link> : text}
                  {!n.read && <span className="sr-only"> (unread)</span>}
                  <div className="muted small"><time dateTime={n.updatedAt}>{relativeTime(n.updatedAt)}</time></div>
                </div>
              </div>
            );
          }}
        />
      </div>
    </>
  );
}
