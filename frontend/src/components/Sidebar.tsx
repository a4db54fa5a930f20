import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { money } from '../lib/format';
import { useMe } from '../lib/hooks';
import { rest } from '../lib/rest';
import type { Item, User } from '../lib/types';
import { Avatar, UserLink } from './ui';

/** People who posted lately, other than you and whom you follow: a start for an empty timeline. */
export function WhoToFollow({ limit = 4 }: { limit?: number }) {
  const me = useMe();
  const [people, setPeople] = useState<User[] | null>(null);
  useEffect(() => {
    let live = true;
    Promise.all([rest.publicTimeline({ limit: 40 }), me ? rest.following(me.id, { limit: 100 }) : Promise.resolve({ items: [] as User[], nextCursor: null })]).then(
      ([posts, following]) => {
        const skip = new Set([me?.id, ...following.items.map((u) => u.id)]);
        const seen = new Map<string, User>();
        for (const p of posts.items) if (!skip.has(p.author.id) && !seen.has(p.author.id)) seen.set(p.author.id, p.author);
        if (live) setPeople([...seen.values()].slice(0, limit));
      },
      () => live && setPeople([]),
    );
    return () => {
      live = false;
    };
  }, [me, limit]);
  if (!people?.length) return null;
  return (
    <section className="panel small" aria-labelledby="who-to-follow">
      <h2 id="who-to-follow" style={{ fontSize: 'var(--text-md)' }}>Who to follow</h2>
      <ul className="list stack" style={{ gap: 8 }}>
        {people.map((u) => (
          <li key={u.id} className="row">
            <Avatar user={u} size={32} />
            <UserLink user={u} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function NewItems() {
  const [items, setItems] = useState<Item[] | null>(null);
  useEffect(() => {
    let live = true;
    rest.items({ limit: 3 }).then((p) => live && setItems(p.items), () => live && setItems([]));
    return () => {
      live = false;
    };
  }, []);
  return (
    <section className="panel small" aria-labelledby="new-items">
      <h2 id="new-items" style={{ fontSize: 'var(--text-md)' }}>New in the marketplace</h2>
      {items?.length ? (
        <ul className="list stack" style={{ gap: 8 }}>
          {items.map((i) => (
            <li key={i.id} className="row spread">
              <Link to={`/market/items/${i.id}`}>{i.title}</Link>
              <span>{money(i.price)}</span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">Digital goods from people on ConnectSphere.</p>
      )}
      <Link to="/market">Browse the marketplace</Link>
    </section>
  );
}

/** The right column on wide screens; nothing is fetched where it is not shown. */
export function SidebarPanels() {
  const [wide, setWide] = useState(() => typeof matchMedia === 'undefined' || matchMedia('(min-width: 1024px)').matches);
  useEffect(() => {
    if (typeof matchMedia === 'undefined') return;
    const q = matchMedia('(min-width: 1024px)');
    const on = () => setWide(q.matches);
    q.addEventListener('change', on);
    return () => q.removeEventListener('change', on);
  }, []);
  if (!wide) return null;
  return (
    <>
      <WhoToFollow />
      <NewItems />
    </>
  );
}
