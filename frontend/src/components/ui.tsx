import { useId, type InputHTMLAttributes, type ReactNode, type TextareaHTMLAttributes } from 'react';
import { Link } from 'react-router';
import { displayName } from '../lib/format';

export function Avatar({ user, size = 40 }: { user: { username: string; displayName?: string | null; avatarUrl?: string | null }; size?: number }) {
  if (user.avatarUrl) {
    return <img className="avatar" src={user.avatarUrl} width={size} height={size} alt="" loading="lazy" />;
  }
  return (
    <span className="avatar" style={{ width: size, height: size, fontSize: size * 0.42 }} aria-hidden="true">
      {displayName(user).slice(0, 1).toUpperCase()}
    </span>
  );
}

export function UserLink({ user }: { user: { id: string; username: string; displayName?: string | null } }) {
  return (
    <Link to={`/u/${user.id}`} className="row" style={{ color: 'inherit', textDecoration: 'none', gap: 4 }}>
      <strong>{displayName(user)}</strong> <span className="muted small">@{user.username}</span>
    </Link>
  );
}

type FieldProps = { label: string; error?: string | null; hint?: ReactNode; name: string };
type Control = { id: string; 'aria-invalid'?: true; 'aria-describedby'?: string };

/** A label, the control, a hint and the server's error for it, tied together for screen readers. */
function FieldShell({ label, error, hint, control }: Omit<FieldProps, 'name'> & { control: (c: Control) => ReactNode }) {
  const id = useId();
  const describedBy = [error ? `${id}-err` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {control({ id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy })}
      {hint && (
        <span id={`${id}-hint`} className="hint">
          {hint}
        </span>
      )}
      {error && (
        <span id={`${id}-err`} className="field-error">
          {error}
        </span>
      )}
    </div>
  );
}

export function Field({ label, error, hint, name, ...input }: FieldProps & InputHTMLAttributes<HTMLInputElement>) {
  return <FieldShell label={label} error={error} hint={hint} control={(c) => <input {...c} name={name} className="input" {...input} />} />;
}

export function TextArea({ label, error, hint, name, ...input }: FieldProps & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return <FieldShell label={label} error={error} hint={hint} control={(c) => <textarea {...c} name={name} className="input" {...input} />} />;
}

export function FormError({ error }: { error: string | null | undefined }) {
  if (!error) return null;
  return (
    <p className="form-error" role="alert">
      {error}
    </p>
  );
}

export function PostSkeleton({ count = 3 }: { count?: number }) {
  return (
    <div aria-hidden="true">
      {Array.from({ length: count }, (_, i) => (
        <div className="post" key={i}>
          <div className="skeleton" style={{ width: 40, height: 40, borderRadius: '50%' }} />
          <div className="stack" style={{ gap: 8 }}>
            <div className="skeleton" style={{ width: '40%', height: 14 }} />
            <div className="skeleton" style={{ width: '90%', height: 14 }} />
            <div className="skeleton" style={{ width: '70%', height: 14 }} />
          </div>
        </div>
      ))}
    </div>
  );
}

export function Loading({ label }: { label: string }) {
  return (
    <div role="status" aria-live="polite">
      <span className="sr-only">{label}</span>
      <PostSkeleton count={2} />
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

export function ErrorState({ error, retry }: { error: string; retry?: () => void }) {
  return (
    <div className="empty" role="alert">
      <p>{error}</p>
      {retry && (
        <button className="btn" type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function PageTitle({ children, actions }: { children: ReactNode; actions?: ReactNode }) {
  return (
    <div className="row spread" style={{ marginBottom: 12 }}>
      <h1 style={{ margin: 0 }}>{children}</h1>
      {actions}
    </div>
  );
}
