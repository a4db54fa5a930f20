import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { FormError, Field } from '../components/ui';
import { ApiError, describe } from '../lib/api';
import { rest } from '../lib/rest';
import { sessionStore } from '../lib/session';

/** Sign in with email and password; what was typed stays on a failure. */
export function LoginForm({ compact }: { compact?: boolean }) {
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      sessionStore.signIn(await rest.login({ email, password }));
      navigate('/');
    } catch (err) {
      setError(
        err instanceof ApiError && err.code === 'invalid_credentials'
          ? 'That email and password do not match. Check them and try again.'
          : describe(err),
      );
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="stack" onSubmit={submit} aria-labelledby="login-title" noValidate>
      <h2 id="login-title">Sign in</h2>
      <Field label="Email" name="email" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} required />
      <Field label="Password" name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
      <FormError error={error} />
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
      <p className={compact ? 'small' : ''}>
        New here? <Link to="/signup">Create an account</Link>
      </p>
    </form>
  );
}

type Errors = Partial<Record<'username' | 'email' | 'password', string>>;

export function SignupForm() {
  const navigate = useNavigate();
  const [form, setForm] = useState({ username: '', email: '', password: '' });
  const [errors, setErrors] = useState<Errors>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) => {
    setForm({ ...form, [k]: e.target.value });
    setErrors({ ...errors, [k]: undefined });
  };
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setErrors({});
    try {
      sessionStore.signIn(await rest.register(form));
      navigate('/');
    } catch (err) {
      if (err instanceof ApiError && err.code === 'username_taken') setErrors({ username: 'That username is taken. Try another one.' });
      else if (err instanceof ApiError && err.code === 'email_taken') setErrors({ email: 'An account with that email exists. Sign in instead?' });
      else if (err instanceof ApiError && err.field && ['username', 'email', 'password'].includes(err.field)) setErrors({ [err.field]: err.message });
      else setError(describe(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="stack" onSubmit={submit} aria-labelledby="signup-title" noValidate>
      <h1 id="signup-title">Create your account</h1>
      <Field label="Username" name="username" autoComplete="username" value={form.username} onChange={set('username')} error={errors.username} hint="3–30 letters, digits or _" required />
      <Field label="Email" name="email" type="email" autoComplete="email" value={form.email} onChange={set('email')} error={errors.email} required />
      <Field label="Password" name="password" type="password" autoComplete="new-password" value={form.password} onChange={set('password')} error={errors.password} hint="At least 8 characters" required />
      <FormError error={error} />
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {busy ? 'Creating…' : 'Create account'}
      </button>
      <p>
        Already have an account? <Link to="/login">Sign in</Link>
      </p>
    </form>
  );
}
