import { Link, NavLink, useNavigate, useParams } from 'react-router';
import { InfiniteList } from '../components/InfiniteList';
import { PostCard } from '../components/PostCard';
import { useToast } from '../components/Toasts';
import { Avatar, Empty, ErrorState, Loading, UserLink } from '../components/ui';
import { describe } from '../lib/api';
import { displayName } from '../lib/format';
import { useLoad, useMe, usePaged } from '../lib/hooks';
import { gql } from '../lib/queries';
import { rest } from '../lib/rest';
import type { Post, User } from '../lib/types';

function FollowButton({ user, onChange }: { user: User & { followedByMe: boolean }; onChange: (u: User & { followedByMe: boolean }) => void }) {
  const me = useMe();
  const toast = useToast();
  const following = user.followedByMe;
  if (!me || me.id === user.id) return null;
  async function toggle() {
    if (!me) return;
    const was = following;
    onChange({ ...user, followedByMe: !was, followersCount: user.followersCount + (was ? -1 : 1) }); // optimistic
    try {
      if (was) await rest.unfollow(me.id, user.id);
      else await rest.follow(me.id, user.id);
    } catch (err) {
      onChange(user);
      toast(`Could not ${was ? 'unfollow' : 'follow'} @${user.username}: ${describe(err)}`);
    }
  }
  return (
    <button type="button" className={following ? 'btn' : 'btn btn-primary'} aria-pressed={following} onClick={toggle}>
      {following ? 'Following' : 'Follow'}
    </button>
  );
}

function MessageButton({ user }: { user: User }) {
  const me = useMe();
  const navigate = useNavigate();
  const toast = useToast();
  if (!me || me.id === user.id) return null;
  return (
    <button
      type="button"
      className="btn"
      onClick={async () => {
        try {
          const c = await rest.startConversation([user.id]);
          navigate(`/messages/${c.id}`);
        } catch (err) {
          toast(describe(err));
        }
      }}
    >
      Message
    </button>
  );
}

export default function ProfilePage() {
  const { id = '', tab = 'posts' } = useParams();
  const me = useMe();
  const [user, setUser] = useLoad(() => gql.user(id), [id]);
  const posts = usePaged<Post>((cursor) => gql.userPosts(id, cursor), [id]);
  const people = usePaged<User>(
    (cursor) => (tab === 'followers' ? rest.followers(id, { cursor }) : tab === 'following' ? rest.following(id, { cursor }) : Promise.resolve({ items: [], nextCursor: null })),
    [id, tab],
  );
  if (user.status === 'loading') return <Loading label="Loading the profile" />;
  if (user.status === 'error') return <ErrorState error={user.error} retry={user.retry} />;
  const u = user.data;
  return (
    <>
      <section className="stack" aria-labelledby="profile-name">
        <div className="row spread wrap">
          <div className="row">
            <Avatar user={u} size={72} />
            <div>
              <h1 id="profile-name" style={{ margin: 0 }}>{displayName(u)}</h1>
              <span className="muted">@{u.username}</span>
            </div>
          </div>
          <div className="row">
            <MessageButton user={u} />
            <FollowButton user={u} onChange={setUser} />
            {me?.id === u.id && <Link to="/settings" className="btn">Edit profile</Link>}
          </div>
        </div>
        {u.bio && <p style={{ margin: 0 }}>{u.bio}</p>}
        <nav aria-label="Profile sections" className="row">
          <NavLink end className="nav-link" to={`/u/${u.id}`}>Posts</NavLink>
          <NavLink className="nav-link" to={`/u/${u.id}/followers`}><strong>{u.followersCount}</strong>&nbsp;followers</NavLink>
          <NavLink className="nav-link" to={`/u/${u.id}/following`}><strong>{u.followingCount}</strong>&nbsp;following</NavLink>
        </nav>
      </section>
      {tab === 'posts' ? (
        <InfiniteList paged={posts} label={`Posts by ${u.username}`} render={(p) => <PostCard post={p} />} empty={<Empty>@{u.username} has not posted yet.</Empty>} />
      ) : (
        <InfiniteList
          paged={people}
          label={tab === 'followers' ? 'Followers' : 'Following'}
          render={(p) => (
            <div className="row" style={{ padding: '8px 0', borderBottom: '1px solid var(--border)' }}>
              <Avatar user={p} size={36} />
              <UserLink user={p} />
            </div>
          )}
          empty={<Empty>{tab === 'followers' ? 'No followers yet.' : 'Not following anyone yet.'}</Empty>}
        />
      )}
    </>
  );
}
