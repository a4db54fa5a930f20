import { SignupForm } from './auth';
export default function SignupPage() {
  return (
    <section className="card" style={{ maxWidth: 420, margin: '0 auto' }}>
      <SignupForm />
    </section>
  );
}
