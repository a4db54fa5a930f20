import { Link } from 'react-router';
export default function NotFoundPage() {
  return (
    <section className="empty">
      <h1>Page not found</h1>
      <p>That link leads nowhere. It may have been deleted.</p>
      <Link to="/" className="btn">Go home</Link>
    </section>
  );
}
