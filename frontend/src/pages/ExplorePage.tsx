import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Highlighted } from '../components/PostCard';
import { Avatar, Empty, ErrorState, Loading } from '../components/ui';
import { api, ApiError, describe, query } from '../lib/api';
import { money } from '../lib/format';
import type { Item, Post, User } from '../lib/types';
import { Timeline } from './HomePage';

type Hl<T, K extends string> = T & { highlight?: Partial<Record<K, string>> };
interface Results {
  users: Hl<User, 'username' | 'displayName' | 'bio'>[];
  posts: Hl<Post, 'content'>[];
  items: Hl<Item, 'title' | 'description'>[];
  counts: { users: number; posts: number; items: number };
}

/** The server stops counting at 1,000 matches; such a count means "at least". */
const countLabel = (n: number) => (n >= 1_000 ? '1,000+' : n.toLocaleString('en-US'));

function SearchResults({ q }: { q: string }) {
  const [state, setState] = useState<{ status: 'loading' } | { status: 'error'; error: string } | { status: 'ok'; data: Results }>({ status: 'loading' });
  useEffect(() => {
    let live = true;
    setState({ status: 'loading' });
    api<Results>(`/search${query({ q })}`).then(
      (data) => live && setState({ status: 'ok', data }),
      (err) =>
        live &&
        setState({
          status: 'error',
          error: err instanceof ApiError && err.status === 404 ? 'Search is not available on this server yet.' : describe(err),
        }),
    );
    return () => {
      live = false;
    };
  }, [q]);
  if (state.status === 'loading') return <Loading label="Searching" />;
  if (state.status === 'error') return <ErrorState error={state.error} />;
  const r = state.data;
  if (!r.users.length && !r.posts.length && !r.items.length) return <Empty>Nothing matches “{q}”. Try fewer or different words.</Empty>;
  return (
    <div className="stack">
      {r.users.length > 0 && (
        <section aria-labelledby="res-users">
          <h2 id="res-users">People ({countLabel(r.counts.users)})</h2>
          <ul className="list">
            {r.users.map((u) => (
              <li key={u.id} className="row" style={{ padding: '8px 0' }}>
                <Avatar user={u} size={36} />
                <Link to={`/u/${u.id}`}>
                  <Highlighted text={u.highlight?.displayName ?? u.displayName ?? u.username} /> <span className="muted">@<Highlighted text={u.highlight?.username ?? u.username} /></span>
                </Link>
              </li>
            ))}
          </ul>
        </section>
      )}
      {r.posts.length > 0 && (
        <section aria-labelledby="res-posts">
          <h2 id="res-posts">Posts ({countLabel(r.counts.posts)})</h2>
          <ul className="list">
            {r.posts.map((p) => (
              <li key={p.id} style={{ padding: '8px 0', borderBottom: '1px solid var(--border)' }}>
                <Link to={`/p/${p.id}`} style={{ color: 'inherit' }}>
                  <strong>@{p.author.username}</strong>: <Highlighted text={p.highlight?.content ?? p.content} />
                </Link>
              </li>
            ))}
          </ul>
        </section>
      )}
      {r.items.length > 0 && (
        <section aria-labelledby="res-items">
          <h2 id="res-items">Items ({countLabel(r.counts.items)})</h2>
          <ul className="list">
            {r.items.map((i) => (
              <li key={i.id} style={{ padding: '8px 0' }}>
                <Link to={`/market/items/${i.id}`}>
                  <Highlighted text={i.highlight?.title ?? i.title} />
                </Link>{' '}
                · {money(i.price)}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

export default function ExplorePage() {
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);
  return (
    <>
      <h1>Explore</h1>
      <form role="search" className="row" onSubmit={(e) => { e.preventDefault(); setParams(text.trim() ? { q: text.trim() } : {}); }} style={{ marginBottom: 16 }}>
        <label htmlFor="explore-q" className="sr-only">Search</label>
        <input id="explore-q" type="search" className="input" placeholder="Search people, posts and items" value={text} onChange={(e) => setText(e.target.value)} />
        <button type="submit" className="btn btn-primary">Search</button>
      </form>
      {q ? <SearchResults q={q} /> : (<><h2>Latest posts</h2><Timeline kind="public" /></>)}
    </>
  );
}
