import { useEffect, useRef, type ReactNode } from 'react';
import type { Paged } from '../lib/hooks';
import { ErrorState, Loading } from './ui';

/** A paged list that loads the next page when its end scrolls into view (or on the button). */
export function InfiniteList<T extends { id: string }>({
  paged,
  render,
  empty,
  label,
}: {
  paged: Paged<T>;
  render: (item: T, index: number) => ReactNode;
  empty: ReactNode;
  label: string;
}) {
  const sentinel = useRef<HTMLDivElement>(null);
  const { status, loadMore } = paged;
  useEffect(() => {
    const el = sentinel.current;
    if (!el || status !== 'idle' || typeof IntersectionObserver === 'undefined') return;
    const io = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && loadMore(), { rootMargin: '600px' });
    io.observe(el);
    return () => io.disconnect();
  }, [status, loadMore]);

  if (paged.items.length === 0) {
    if (status === 'loading') return <Loading label={`Loading ${label}`} />;
    if (status === 'error') return <ErrorState error={paged.error ?? 'Could not load.'} retry={paged.reload} />;
    if (status === 'done') return <>{empty}</>;
  }
  return (
    <section aria-label={label} aria-busy={status === 'loading'}>
      <ul className="list">{paged.items.map((item, i) => <li key={item.id}>{render(item, i)}</li>)}</ul>
      <div ref={sentinel} />
      {status === 'loading' && <Loading label={`Loading more ${label}`} />}
      {status === 'error' && <ErrorState error={paged.error ?? 'Could not load more.'} retry={loadMore} />}
      {status === 'idle' && (
        <button type="button" className="btn btn-block btn-ghost" onClick={loadMore}>
          Load more
        </button>
      )}
      {status === 'done' && paged.items.length > 5 && <p className="empty small">You are all caught up.</p>}
    </section>
  );
}
