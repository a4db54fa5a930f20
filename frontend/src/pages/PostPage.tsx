import { useState, type FormEvent } from 'react';
import { useParams } from 'react-router';
import { InfiniteList } from '../components/InfiniteList';
import { PostCard } from '../components/PostCard';
import { Avatar, Empty, ErrorState, FormError, Loading, UserLink } from '../components/ui';
import { describe } from '../lib/api';
import { relativeTime } from '../lib/format';
import { useDraft, useLoad, useMe, usePaged } from '../lib/hooks';
import { gql } from '../lib/queries';
import { rest } from '../lib/rest';
import type { Comment, Post } from '../lib/types';

export default function PostPage() {
  const { id = '' } = useParams();
  const me = useMe();
  const [post, setPost] = useLoad<Post>(() => gql.post(id), [id]);
  const comments = usePaged<Comment>((cursor) => gql.comments(id, cursor), [id]);
  const [text, setText, clear] = useDraft(`cs.draft.comment.${id}`);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (post.status === 'loading') return <Loading label="Loading the post" />;
  if (post.status === 'error') return <ErrorState error={post.error} retry={post.retry} />;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!text.trim()) return;
    setBusy(true);
    setError(null);
    try {
      const c = await rest.comment(id, text);
      comments.setItems((items) => [...items, c]);
      if (post.status === 'ok') setPost({ ...post.data, commentCount: post.data.commentCount + 1 });
      clear();
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <h1 className="sr-only">Post by {post.data.author.username}</h1>
      <PostCard post={post.data} onChange={setPost} />
      <h2 style={{ marginTop: 16 }}>Comments</h2>
      {me && (
        <form onSubmit={submit} className="stack" style={{ marginBottom: 16 }}>
          <label htmlFor="comment" className="sr-only">Write a comment</label>
          <textarea id="comment" className="input" rows={2} placeholder="Write a comment" value={text} onChange={(e) => setText(e.target.value)} />
          <FormError error={error} />
          <div className="row" style={{ justifyContent: 'flex-end' }}>
            <button className="btn btn-primary btn-sm" type="submit" disabled={busy || !text.trim()}>
              {busy ? 'Sending…' : 'Comment'}
            </button>
          </div>
        </form>
      )}
      <InfiniteList
        paged={comments}
        label="Comments"
        empty={<Empty>No comments yet. Start the conversation.</Empty>}
        render={(c) => (
          <div className="post" style={{ gridTemplateColumns: '36px 1fr' }}>
            <Avatar user={c.author} size={32} />
            <div>
              <div className="row wrap">
                <UserLink user={c.author} />
                <span className="muted small"><time dateTime={c.createdAt}>{relativeTime(c.createdAt)}</time></span>
              </div>
              <p className="post-body">{c.content}</p>
            </div>
          </div>
        )}
      />
    </>
  );
}
