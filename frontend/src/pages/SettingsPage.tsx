import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { useToast } from '../components/Toasts';
import { Avatar, Field, FormError, TextArea } from '../components/ui';
import { ApiError, describe } from '../lib/api';
import { useMe } from '../lib/hooks';
import { rest } from '../lib/rest';
import { sessionStore } from '../lib/session';
import { checkFile, IMAGE_MAX, IMAGE_TYPES, upload } from '../lib/upload';
import { LoginForm } from './auth';

export default function SettingsPage() {
  const me = useMe();
  const navigate = useNavigate();
  const toast = useToast();
  const [displayName, setDisplayName] = useState(me?.displayName ?? '');
  const [bio, setBio] = useState(me?.bio ?? '');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<number | null>(null);
  if (!me) return <LoginForm />;

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!me) return;
    setBusy(true);
    setErrors({});
    setError(null);
    try {
      const user = await rest.updateUser(me.id, { displayName: displayName.trim() || null, bio: bio.trim() || null });
      sessionStore.updateUser(user);
      toast('Profile saved.');
    } catch (err) {
      if (err instanceof ApiError && err.field) setErrors({ [err.field]: err.message });
      else setError(describe(err));
    } finally {
      setBusy(false);
    }
  }

  async function avatar(file: File) {
    if (!me) return;
    const problem = checkFile(file, IMAGE_TYPES, IMAGE_MAX);
    if (problem) return setErrors({ avatar: problem });
    setErrors({});
    try {
      setProgress(0);
      const media = await upload(file, 'avatar', setProgress);
      const user = await rest.updateUser(me.id, { avatarUrl: media.url });
      sessionStore.updateUser(user);
      toast('Avatar updated.');
    } catch (err) {
      setErrors({ avatar: describe(err) });
    } finally {
      setProgress(null);
    }
  }

  return (
    <>
      <h1>Settings</h1>
      <section className="card stack" aria-labelledby="avatar-title">
        <h2 id="avatar-title">Avatar</h2>
        <div className="row">
          <Avatar user={me} size={64} />
          <div className="field">
            <label htmlFor="avatar-file">Choose a new avatar</label>
            <input id="avatar-file" type="file" accept={IMAGE_TYPES.join(',')} aria-describedby={errors.avatar ? 'avatar-err' : undefined} onChange={(e) => e.target.files?.[0] && void avatar(e.target.files[0])} />
          </div>
        </div>
        {progress !== null && <progress className="progress" max={1} value={progress} aria-label="Avatar upload progress" />}
        {errors.avatar && <p id="avatar-err" className="field-error" role="alert">{errors.avatar}</p>}
      </section>
      <form className="card stack" onSubmit={save} style={{ marginTop: 16 }} aria-labelledby="profile-title">
        <h2 id="profile-title">Profile</h2>
        <Field label="Display name" name="displayName" value={displayName} onChange={(e) => setDisplayName(e.target.value)} error={errors.displayName} hint="Up to 50 characters" />
        <TextArea label="Bio" name="bio" rows={3} value={bio} onChange={(e) => setBio(e.target.value)} error={errors.bio} hint="Up to 500 characters" />
        <FormError error={error} />
        <button type="submit" className="btn btn-primary" disabled={busy}>{busy ? 'Saving…' : 'Save profile'}</button>
      </form>
      <section className="card stack" style={{ marginTop: 16 }}>
        <h2>Session</h2>
        <button
          type="button"
          className="btn btn-danger"
          onClick={async () => {
            const s = sessionStore.get();
            if (s.status !== 'anonymous') await rest.logout(s.session.refreshToken).catch(() => {});
            sessionStore.signOut();
            navigate('/');
          }}
        >
          Sign out
        </button>
      </section>
    </>
  );
}
