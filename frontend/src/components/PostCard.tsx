import { useState } from 'react';
import { Link } from 'react-router';
import { describe } from '../lib/api';
import { relativeTime } from '../lib/format';
import { useMe } from '../lib/hooks';
import { rest } from '../lib/rest';
import type { Post } from '../lib/types';
import { useToast } from './Toasts';
import { Avatar, UserLink } from './ui';

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#x27;': "'" };
const unescape = (s: string) => s.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (e) => ENTITIES[e] ?? e);

/** Search highlights: HTML-escaped text with <mark>…</mark> around matches, rendered as text. */
export function Highlighted({ text }: { text: string }) {
  const parts = text.split(/(<mark>[\s\S]*?<\/mark>)/g);
  return (
    <>
      {parts.map((p, i) => (p.startsWith('<mark>') ? <mark key={i}>{unescape(p.slice(6, -7))}</mark> : <span key={i}>{unescape(p)}</span>))}
    </>
  );
}

/** Post text with @mentions as plain emphasis (they resolve on the server). */
function Content({ text }: { text: string }) {
  const parts = text.split(/(@[A-Za-z0-9_]{3,30})/g);
  return <>{parts.map((p, i) => (p.startsWith('@') ? <strong key={i}>{p}</strong> : p))}</>;
}

export function PostCard({ post, onChange, onDeleted }: { post: Post; onChange?: (p: Post) => void; onDeleted?: (id: string) => void }) {
  const me = useMe();
  const toast = useToast();
  // The like state as this card last knew it (optimistic, then the server's), over the prop.
  const [like, setLike] = useState<Pick<Post, 'likedByMe' | 'likeCount'> | null>(null);
  const p = like ? { ...post, ...like } : post;
  const [busy, setBusy] = useState(false);

  const update = (next: Post) => {
    setLike({ likedByMe: next.likedByMe, likeCount: next.likeCount });
    onChange?.(next);
  };

  async function toggleLike() {
    if (!me) {
      toast('Sign in to like posts.');
      return;
    }
    if (busy) return;
    const before = p;
    const liked = !p.likedByMe;
    update({ ...p, likedByMe: liked, likeCount: p.likeCount + (liked ? 1 : -1) }); // optimistic
    setBusy(true);
    try {
      const r = liked ? await rest.like(p.id) : await rest.unlike(p.id);
      update({ ...before, likedByMe: r.likedByMe, likeCount: r.likeCount });
    } catch (err) {
      update(before); // rolled back
      toast(`Could not ${liked ? 'like' : 'unlike'} the post: ${describe(err)}`, { label: 'Retry', run: () => void toggleLike() });
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    if (!window.confirm('Delete this post? Its comments and likes go too.')) return;
    try {
      await rest.deletePost(p.id);
      onDeleted?.(p.id);
      toast('Post deleted.');
    } catch (err) {
      toast(`Could not delete the post: ${describe(err)}`);
    }
  }

  const media = p.media ?? (p.mediaUrl ? { id: '', url: p.mediaUrl } : null);
  return (
    <article className="post" aria-labelledby={`post-${p.id}-author`} tabIndex={-1} data-post-id={p.id}>
      <Avatar user={p.author} size={44} />
      <div style={{ minWidth: 0 }}>
        <div className="row wrap" id={`post-${p.id}-author`}>
          <UserLink user={p.author} />
          <span className="muted small">·</span>
          <Link to={`/p/${p.id}`} className="muted small">
            <time dateTime={p.createdAt}>{relativeTime(p.createdAt)}</time>
          </Link>
        </div>
        <p className="post-body">
          <Content text={p.content} />
        </p>
        {media?.url && (
          <img
            className="post-media"
            src={media.thumbnailUrl ?? media.url}
            alt={`Image attached by ${p.author.username}`}
            loading="lazy"
            width={media.width ?? undefined}
            height={media.height ?? undefined}
          />
        )}
        <div className="post-actions">
          <button
            type="button"
            className="btn btn-ghost btn-sm like"
            aria-pressed={p.likedByMe}
            aria-label={`${p.likedByMe ? 'Unlike' : 'Like'} (${p.likeCount} ${p.likeCount === 1 ? 'like' : 'likes'})`}
            onClick={toggleLike}
          >
            <span className="heart" aria-hidden="true">{p.likedByMe ? '♥' : '♡'}</span> {p.likeCount}
          </button>
          <Link className="btn btn-ghost btn-sm" to={`/p/${p.id}`} aria-label={`Comments (${p.commentCount})`}>
            <span aria-hidden="true">❝</span> {p.commentCount}
          </Link>
          {onDeleted && me?.id === p.author.id && (
            <button type="button" className="btn btn-ghost btn-sm" onClick={remove}>
              Delete
            </button>
          )}
        </div>
      </div>
    </article>
  );
}
