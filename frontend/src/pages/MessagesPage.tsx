import { Link } from 'react-router';
import { InfiniteList } from '../components/InfiniteList';
import { Avatar, Empty, PageTitle } from '../components/ui';
import { displayName, relativeTime } from '../lib/format';
import { useMe, usePaged } from '../lib/hooks';
import { useLive } from '../lib/live';
import { rest } from '../lib/rest';
import type { Conversation, User } from '../lib/types';
import { LoginForm } from './auth';

export function conversationTitle(c: Conversation, me: User | null) {
  if (c.name) return c.name;
  const others = c.members.filter((m) => m.id !== me?.id);
  return others.map(displayName).join(', ') || 'Just you';
}

export default function MessagesPage() {
  const me = useMe();
  const { unreadMessages, epoch } = useLive();
  const paged = usePaged<Conversation>((cursor) => rest.conversations({ cursor }), [epoch, JSON.stringify(unreadMessages)]);
  if (!me) return <LoginForm />;
  return (
    <>
      <PageTitle>Messages</PageTitle>
      <InfiniteList
        paged={paged}
        label="Conversations"
        empty={<Empty>No conversations yet. Open someone’s profile and choose Message.</Empty>}
        render={(c) => {
          const other = c.members.find((m) => m.id !== me.id) ?? c.members[0];
          const unread = unreadMessages[c.id] ?? c.unreadCount;
          return (
            <Link to={`/messages/${c.id}`} className="row" style={{ padding: '12px 0', borderBottom: '1px solid var(--border)', color: 'inherit', textDecoration: 'none' }}>
              {other && <Avatar user={other} size={44} />}
              <div style={{ flex: 1, minWidth: 0 }}>
                <div className="row spread">
                  <strong>{conversationTitle(c, me)}</strong>
                  <span className="muted small">{relativeTime(c.updatedAt)}</span>
                </div>
                <div className="row spread">
                  <span className="muted small" style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
                    {c.lastMessage ? (c.lastMessage.deleted ? 'Message deleted' : c.lastMessage.body) : 'No messages yet'}
                  </span>
                  {unread > 0 && <span className="badge" aria-label={`${unread} unread`}>{unread}</span>}
                </div>
              </div>
            </Link>
          );
        }}
      />
    </>
  );
}
