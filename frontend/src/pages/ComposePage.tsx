import { useNavigate } from 'react-router';
import { Composer } from '../components/Composer';
import { useMe } from '../lib/hooks';
import { LoginForm } from './auth';

export default function ComposePage() {
  const navigate = useNavigate();
  const me = useMe();
  if (!me) return <LoginForm />;
  return (
    <>
      <h1>New post</h1>
      <Composer autoFocus onPosted={(p) => navigate(`/p/${p.id}`)} />
    </>
  );
}
