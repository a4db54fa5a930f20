import { useEffect, useRef, useState, type FormEvent } from 'react';
import { describe } from '../lib/api';
import { useSession } from '../lib/hooks';
import { rest } from '../lib/rest';
import { sessionStore } from '../lib/session';
import { Field, FormError } from './ui';

/** When the session cannot be refreshed: sign in again over the page, which keeps its state. */
export function SessionDialog() {
  const session = useSession();
  const ref = useRef<HTMLDialogElement>(null);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const expired = session.status === 'expired';

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (expired && !d.open) d.showModal?.();
    if (!expired && d.open) d.close();
  }, [expired]);

  if (session.status !== 'expired') return <dialog ref={ref} className="dialog" aria-label="Session" />;
  const email = session.session.user.email ?? '';

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const s = await rest.login({ email, password });
      sessionStore.signIn(s);
      setPassword('');
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <dialog ref={ref} className="dialog" aria-labelledby="session-title" onCancel={(e) => e.preventDefault()}>
      <form className="stack" onSubmit={submit}>
        <h2 id="session-title">Your session has ended</h2>
        <p className="muted">Sign in again to carry on. Nothing you typed on this page is lost.</p>
        <Field label="Email" name="email" type="email" value={email} readOnly autoComplete="email" />
        <Field label="Password" name="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" required autoFocus />
        <FormError error={error} />
        <div className="row spread">
          <button type="button" className="btn btn-ghost" onClick={() => sessionStore.signOut()}>
            Sign out
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </div>
      </form>
    </dialog>
  );
}
