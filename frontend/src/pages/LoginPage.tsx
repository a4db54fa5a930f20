import { LoginForm } from './auth';
export default function LoginPage() {
  return (
    <section className="card" style={{ maxWidth: 420, margin: '0 auto' }}>
      <h1 className="sr-only">Sign in to ConnectSphere</h1>
      <LoginForm />
    </section>
  );
}
