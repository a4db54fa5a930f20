import { Suspense, useEffect, useRef, useState, type ReactNode } from 'react';
import { Link, NavLink, Outlet, ScrollRestoration, useLocation, useNavigate } from 'react-router';
import { useMe, useOnline } from '../lib/hooks';
import { useLive } from '../lib/live';
import { SessionDialog } from './SessionDialog';
import { SidebarPanels } from './Sidebar';
import { Loading } from './ui';

function Badge({ count, label }: { count: number; label: string }) {
  if (count <= 0) return null;
  return (
    <span className="badge" aria-label={`${count} ${label}`}>
      {count > 99 ? '99+' : count}
    </span>
  );
}

function NavItems() {
  const me = useMe();
  const { unreadNotifications, unreadMessages } = useLive();
  const unreadChats = Object.values(unreadMessages).reduce((a, b) => a + b, 0);
  const item = (to: string, icon: string, label: string, badge?: ReactNode) => (
    <NavLink to={to} end={to === '/'} className="nav-link">
      <span className="nav-icon" aria-hidden="true">{icon}</span>
      <span className="nav-label">{label}</span>
      {badge}
    </NavLink>
  );
  return (
    <>
      {item('/', '⌂', 'Home')}
      {item('/explore', '⌕', 'Explore')}
      {me && item('/activity', '⚑', 'Notifications', <Badge count={unreadNotifications} label="unread notifications" />)}
      {me && item('/messages', '✉', 'Messages', <Badge count={unreadChats} label="unread messages" />)}
      {item('/market', '¤', 'Marketplace')}
      {me && item(`/u/${me.id}`, '☺', 'Profile')}
    </>
  );
}

function SearchBox() {
  const navigate = useNavigate();
  const [q, setQ] = useState('');
  return (
    <form role="search" onSubmit={(e) => { e.preventDefault(); if (q.trim()) navigate(`/explore?q=${encodeURIComponent(q.trim())}`); }}>
      <label htmlFor="global-search" className="sr-only">
        Search ConnectSphere
      </label>
      <input id="global-search" className="input" type="search" placeholder="Search people, posts, items" value={q} onChange={(e) => setQ(e.target.value)} />
    </form>
  );
}

function ConnectionBanner() {
  const online = useOnline();
  const me = useMe();
  const { status } = useLive();
  const [shown, setShown] = useState(false);
  // A blip of a reconnect is not worth a banner; a few seconds without the socket is.
  useEffect(() => {
    if (online && (status === 'open' || !me)) return setShown(false);
    const t = setTimeout(() => setShown(true), online ? 4000 : 0);
    return () => clearTimeout(t);
  }, [online, status, me]);
  if (!shown) return null;
  return (
    <p className="banner banner-danger" role="status">
      {online ? 'Reconnecting to live updates… Messages you send are kept and sent when the connection is back.' : 'You are offline. What you type is kept; it is sent when you are back online.'}
    </p>
  );
}

export function Layout() {
  const me = useMe();
  const location = useLocation();
  // After a client-side navigation, focus goes to the new page (as a page load would start
  // there); not on the first load, where the skip link comes first.
  const firstPath = useRef(location.pathname);
  useEffect(() => {
    if (firstPath.current === location.pathname) return;
    firstPath.current = '';
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [location.pathname]);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          ConnectSphere
        </Link>
        {me ? <Link to="/compose" className="btn btn-primary btn-sm">Post</Link> : <Link to="/login" className="btn btn-sm">Sign in</Link>}
      </header>
      <div className="shell">
        <nav className="rail" aria-label="Main">
          <Link to="/" className="brand">
            <span aria-hidden="true">◉</span> <span className="brand-text">ConnectSphere</span>
          </Link>
          <NavItems />
          {me ? (
            <>
              <NavLink to="/settings" className="nav-link">
                <span className="nav-icon" aria-hidden="true">⚙</span>
                <span className="nav-label">Settings</span>
              </NavLink>
              <Link to="/compose" className="btn btn-primary" style={{ marginTop: 8 }}>
                <span aria-hidden="true">✎</span> <span className="nav-label">Post</span>
              </Link>
            </>
          ) : (
            <Link to="/login" className="btn btn-primary" style={{ marginTop: 8 }}>
              Sign in
            </Link>
          )}
        </nav>
        <main id="main" tabIndex={-1}>
          <ConnectionBanner />
          <Suspense fallback={<Loading label="Loading the page" />}>
            <Outlet />
          </Suspense>
        </main>
        <aside className="sidebar" aria-label="Search and suggestions">
          <SearchBox />
          <SidebarPanels />
        </aside>
      </div>
      <nav className="tabbar" aria-label="Tabs">
        <NavItems />
      </nav>
      <SessionDialog />
      <ScrollRestoration />
    </>
  );
}
