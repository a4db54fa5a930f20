import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { Composer } from '../components/Composer';
import { InfiniteList } from '../components/InfiniteList';
import { PostCard } from '../components/PostCard';
import { WhoToFollow } from '../components/Sidebar';
import { Empty } from '../components/ui';
import { forgetKept, useMe, usePaged } from '../lib/hooks';
import { gql } from '../lib/queries';
import type { Post } from '../lib/types';
import { LoginForm } from './auth';

/** j / k move through the posts of a timeline (as on most social sites). */
export function useTimelineKeys() {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (t.closest('input, textarea, select, [contenteditable]') || e.metaKey || e.ctrlKey || e.altKey) return;
      if (e.key !== 'j' && e.key !== 'k') return;
      const posts = [...document.querySelectorAll<HTMLElement>('article.post')];
      const at = posts.findIndex((p) => p.contains(document.activeElement));
      const next = posts[Math.max(0, Math.min(posts.length - 1, at + (e.key === 'j' ? 1 : -1)))];
      next?.focus();
      next?.scrollIntoView({ block: 'nearest' });
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

export function Timeline({ kind }: { kind: 'home' | 'public' }) {
  const me = useMe();
  const gkind = kind === 'home' ? 'HOME' : 'PUBLIC';
  const paged = usePaged<Post>((cursor) => gql.timeline(gkind, cursor), [kind], `timeline:${kind}:${me?.id ?? ''}`);
  const [fresh, setFresh] = useState<Post[]>([]);
  useTimelineKeys();

  // New posts wait behind a pill instead of pushing the list down while it is read.
  useEffect(() => {
    const t = setInterval(async () => {
      if (document.hidden) return;
      try {
        const page = await gql.timeline(gkind, null);
        setFresh(() => {
          const seen = new Set(paged.items.map((p) => p.id));
          const newest = paged.items[0]?.createdAt ?? '';
          return page.items.filter((p) => !seen.has(p.id) && p.createdAt > newest);
        });
      } catch {
        /* next time */
      }
    }, 20_000);
    return () => clearInterval(t);
  }, [gkind, paged.items]);

  const showFresh = () => {
    paged.setItems((items) => [...fresh, ...items]);
    setFresh([]);
    window.scrollTo({ top: 0 });
  };

  return (
    <>
      {fresh.length > 0 && (
        <button type="button" className="btn btn-primary btn-sm pill" onClick={showFresh}>
          {fresh.length} new {fresh.length === 1 ? 'post' : 'posts'}
        </button>
      )}
      <InfiniteList
        paged={paged}
        label={kind === 'home' ? 'Home timeline' : 'Public timeline'}
        render={(p) => (
          <PostCard
            post={p}
            onChange={(n) => paged.setItems((items) => items.map((x) => (x.id === n.id ? n : x)))}
            onDeleted={(id) => paged.setItems((items) => items.filter((x) => x.id !== id))}
          />
        )}
        empty={
          <Empty>
            {kind === 'home' ? (
              <>
                <p>Your home timeline is empty. Follow people to fill it, or write your first post.</p>
                <div style={{ maxWidth: 360, margin: '0 auto 12px', textAlign: 'left' }}>
                  <WhoToFollow />
                </div>
                <Link to="/explore" className="btn">Find people to follow</Link>
              </>
            ) : (
              <p>No posts yet. Be the first to write one.</p>
            )}
          </Empty>
        }
      />
    </>
  );
}

export default function HomePage() {
  const me = useMe();
  if (!me) {
    return (
      <>
        <h1 className="sr-only">ConnectSphere</h1>
        <section className="card" style={{ marginBottom: 16 }}>
          <LoginForm compact />
        </section>
        <h2>Latest posts</h2>
        <Timeline kind="public" />
      </>
    );
  }
  return <SignedInHome />;
}

function SignedInHome() {
  const me = useMe();
  const [key, setKey] = useState(0);
  const posted = () => {
    forgetKept(`timeline:home:${me?.id ?? ''}`);
    setKey((k) => k + 1);
  };
  return (
    <>
      <h1>Home</h1>
      <Composer onPosted={posted} />
      <Timeline key={key} kind="home" />
    </>
  );
}
