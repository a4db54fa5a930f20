import { useEffect, useRef, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useToast } from '../components/Toasts';
import { ErrorState, FormError, Loading } from '../components/ui';
import { ApiError, describe } from '../lib/api';
import { money, relativeTime } from '../lib/format';
import { useLoad, useMe } from '../lib/hooks';
import { rest } from '../lib/rest';
import type { Order } from '../lib/types';
import { LoginForm } from './auth';

const STEPS = ['pending', 'paid', 'shipped'] as const;
const settled = (s: string) => ['shipped', 'completed', 'cancelled', 'refunded'].includes(s);

export default function OrderPage() {
  const { id = '' } = useParams();
  const [params] = useSearchParams();
  const me = useMe();
  const toast = useToast();
  const [order, setOrder, reload] = useLoad<Order>(() => rest.order(id), [id]);
  const [error, setError] = useState<string | null>(null);
  const [downloadsLeft, setDownloadsLeft] = useState<number | null | undefined>(undefined);
  const redirected = useRef(false);
  const current = order.status === 'ok' ? order.data : null;

  // Follow the order live until it settles (pending → paid → shipped).
  const [refunding, setRefunding] = useState(false);
  useEffect(() => {
    if (!current || (settled(current.status) && !(refunding && current.status !== 'refunded'))) return;
    const t = setTimeout(reload, 1000);
    return () => clearTimeout(t);
  }, [current, reload, refunding]);

  // Straight from Buy: on to the provider's checkout page once it exists.
  useEffect(() => {
    if (params.get('pay') && current?.status === 'pending' && current.payment?.checkoutUrl && !redirected.current) {
      redirected.current = true;
      window.location.assign(current.payment.checkoutUrl);
    }
  }, [current, params]);

  if (!me) return <LoginForm />;
  if (order.status === 'loading') return <Loading label="Loading the order" />;
  if (order.status === 'error') return <ErrorState error={order.error} retry={order.retry} />;
  const o = order.data;
  const buyer = me.id === o.buyer.id;
  const failed = o.history.find((h) => h.status === 'cancelled' && h.reason);
  const left = downloadsLeft === undefined ? o.downloadsLeft : downloadsLeft;

  async function download() {
    setError(null);
    try {
      const d = await rest.download(o.id);
      setDownloadsLeft(d.downloadsLeft);
      const a = document.createElement('a');
      a.href = d.url;
      a.rel = 'noopener';
      document.body.appendChild(a);
      a.click();
      a.remove();
      toast('Your download has started.');
    } catch (err) {
      setError(err instanceof ApiError && err.code === 'download_limit_reached' ? 'You have used every download of this order.' : describe(err));
    }
  }

  async function cancel() {
    try {
      setOrder(await rest.cancelOrder(o.id));
    } catch (err) {
      setError(describe(err));
    }
  }

  async function refund() {
    if (!window.confirm(`Refund ${money(o.amount)} to @${o.buyer.username}? Their download ends at once.`)) return;
    try {
      setOrder(await rest.refundOrder(o.id));
      setRefunding(true); // refunded once the provider confirms: follow it until then
    } catch (err) {
      setError(describe(err));
    }
  }

  const at = STEPS.indexOf(o.status as (typeof STEPS)[number]);
  return (
    <article className="stack" aria-labelledby="order-title">
      <h1 id="order-title">Order: {o.item.title}</h1>
      <p style={{ margin: 0 }}>
        {money(o.amount)} · <span className="status" aria-live="polite">Status: {o.status}</span>
      </p>
      {at >= 0 || o.status === 'completed' ? (
        <ol className="steps" aria-label="Progress">
          {STEPS.map((s, i) => (
            <li key={s} aria-current={s === o.status ? 'step' : undefined}>
              {i <= at || o.status === 'completed' ? '✓ ' : ''}
              {s}
            </li>
          ))}
        </ol>
      ) : null}
      {o.status === 'cancelled' && (
        <p className="form-error" role="alert">
          {failed?.reason ? `The payment did not go through (${failed.reason}).` : 'This order was cancelled.'}{' '}
          <Link to={`/market/items/${o.item.id}`}>Try again from the item page</Link>.
        </p>
      )}
      {o.status === 'refunded' && <p className="banner">This order was refunded; the download is no longer available.</p>}
      {buyer && o.status === 'pending' && (
        <div className="row wrap">
          {o.payment?.checkoutUrl ? (
            <a className="btn btn-primary" href={o.payment.checkoutUrl}>Pay on the checkout page</a>
          ) : (
            <span role="status" className="muted">Preparing the checkout…</span>
          )}
          <button type="button" className="btn" onClick={cancel}>Cancel order</button>
        </div>
      )}
      {buyer && (o.status === 'shipped' || o.status === 'completed') && (
        <div className="row">
          <button type="button" className="btn btn-primary" onClick={download} disabled={left === 0}>Download</button>
          <span className="muted">{left === null ? 'Unlimited downloads' : `${left} downloads left`}</span>
        </div>
      )}
      {buyer && o.status === 'paid' && <p role="status">Payment received. Your download is being prepared…</p>}
      {!buyer && (
        <div className="row wrap">
          <span className="muted">Sold to @{o.buyer.username}</span>
          {['paid', 'shipped', 'completed'].includes(o.status) && (
            <button type="button" className="btn btn-danger" onClick={refund} disabled={refunding}>{refunding ? 'Refund requested…' : 'Refund'}</button>
          )}
        </div>
      )}
      <FormError error={error} />
      <h2>History</h2>
      <ul className="list small">
        {o.history.map((h, i) => (
          <li key={i}>
            {h.status} · <time dateTime={h.at}>{relativeTime(h.at)}</time>
            {h.reason ? ` · ${h.reason}` : ''}
          </li>
        ))}
      </ul>
      <Link to="/market/orders">All orders</Link>
    </article>
  );
}
