import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Highlighted, PostCard } from '../components/PostCard';
import { ToastProvider } from '../components/Toasts';
import { Field } from '../components/ui';
import { ApiError } from '../lib/api';
import { rest } from '../lib/rest';
import { sessionStore } from '../lib/session';
import type { Post } from '../lib/types';

const author = { id: 'u2', username: 'ben', displayName: 'Ben', bio: null, avatarUrl: null, followersCount: 0, followingCount: 0, createdAt: '', updatedAt: '' };
const post: Post = { id: 'p1', author, content: 'Hello @ana', mediaUrl: null, likeCount: 2, commentCount: 0, likedByMe: false, createdAt: new Date().toISOString(), updatedAt: '' };

function renderCard(p = post) {
  return render(
    <MemoryRouter>
      <ToastProvider>
        <PostCard post={p} />
      </ToastProvider>
    </MemoryRouter>,
  );
}

afterEach(() => {
  vi.restoreAllMocks();
  sessionStore.signOut();
});

describe('PostCard', () => {
  it('likes at once, then keeps the server’s count', async () => {
    sessionStore.signIn({ user: { ...author, id: 'me', username: 'me' }, accessToken: 't', refreshToken: 'r', expiresIn: 900 });
    let resolve!: (v: { likedByMe: boolean; likeCount: number }) => void;
    vi.spyOn(rest, 'like').mockReturnValue(new Promise((r) => (resolve = r)));
    renderCard();
    await userEvent.click(screen.getByRole('button', { name: 'Like (2 likes)' }));
    expect(screen.getByRole('button', { name: 'Unlike (3 likes)' })).toHaveAttribute('aria-pressed', 'true');
    await act(async () => resolve({ likedByMe: true, likeCount: 7 }));
    expect(screen.getByRole('button', { name: 'Unlike (7 likes)' })).toBeInTheDocument();
  });

  it('rolls a refused like back and says why', async () => {
    sessionStore.signIn({ user: { ...author, id: 'me', username: 'me' }, accessToken: 't', refreshToken: 'r', expiresIn: 900 });
    vi.spyOn(rest, 'like').mockRejectedValue(new ApiError(404, 'post_not_found', 'post not found'));
    renderCard();
    await userEvent.click(screen.getByRole('button', { name: 'Like (2 likes)' }));
    expect(await screen.findByText('Could not like the post: post not found')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Like (2 likes)' })).toHaveAttribute('aria-pressed', 'false');
  });

  it('asks an anonymous visitor to sign in instead of liking', async () => {
    const like = vi.spyOn(rest, 'like');
    renderCard();
    await userEvent.click(screen.getByRole('button', { name: 'Like (2 likes)' }));
    expect(await screen.findByText('Sign in to like posts.')).toBeInTheDocument();
    expect(like).not.toHaveBeenCalled();
  });
});

describe('Highlighted', () => {
  it('marks matches and shows escaped text as text', () => {
    const { container } = render(<Highlighted text={'a &lt;script&gt; and <mark>fjords</mark> &amp; more'} />);
    expect(container.querySelector('mark')?.textContent).toBe('fjords');
    expect(container.textContent).toBe('a <script> and fjords & more');
    expect(container.querySelector('script')).toBeNull();
  });
});

describe('Field', () => {
  it('ties its label, hint and error to the input', () => {
    render(<Field label="Username" name="username" error="That username is taken." hint="3–30 letters" />);
    const input = screen.getByLabelText('Username');
    expect(input).toHaveAttribute('aria-invalid', 'true');
    expect(input).toHaveAccessibleDescription('That username is taken. 3–30 letters');
  });
});
