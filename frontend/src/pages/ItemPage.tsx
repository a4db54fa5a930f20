import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { Avatar, ErrorState, FormError, Loading, UserLink } from '../components/ui';
import { ApiError, describe } from '../lib/api';
import { money, newId } from '../lib/format';
import { useLoad, useMe } from '../lib/hooks';
import { rest } from '../lib/rest';
import type { Item } from '../lib/types';

/** One idempotency key per item until its order is made, so a retried Buy makes one order. */
function buyKey(itemId: string) {
  const k = `cs.buy.${itemId}`;
  const existing = sessionStorage.getItem(k);
  if (existing) return existing;
  const key = newId();
  sessionStorage.setItem(k, key);
  return key;
}

export default function ItemPage() {
  const { id = '' } = useParams();
  const me = useMe();
  const navigate = useNavigate();
  const [item] = useLoad<Item>(() => rest.item(id), [id]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (item.status === 'loading') return <Loading label="Loading the item" />;
  if (item.status === 'error') return <ErrorState error={item.error} retry={item.retry} />;
  const it = item.data;
  const mine = me?.id === it.seller.id;
  const img = it.preview?.url;

  async function buy() {
    setBusy(true);
    setError(null);
    try {
      const order = await rest.createOrder(it.id, buyKey(it.id));
      sessionStorage.removeItem(`cs.buy.${it.id}`);
      navigate(`/market/orders/${order.id}?pay=1`);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'already_purchased') setError('You already own this item. Find it under Orders to download it.');
      else if (err instanceof ApiError && err.code === 'item_not_available') setError('This item is no longer available.');
      else setError(describe(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <article className="stack" aria-labelledby="item-title">
      {img && <img src={img} alt={`Preview of ${it.title}`} width={it.preview?.width ?? 640} height={it.preview?.height ?? 480} style={{ borderRadius: 12, width: '100%', height: 'auto' }} />}
      <h1 id="item-title">{it.title}</h1>
      <p className="row" style={{ fontSize: 'var(--text-lg)', margin: 0 }}><strong>{money(it.price)}</strong>{it.status !== 'active' && <span className="status">{it.status}</span>}</p>
      <div className="row"><Avatar user={it.seller} size={32} /><UserLink user={it.seller} /></div>
      <p style={{ whiteSpace: 'pre-wrap' }}>{it.description}</p>
      <p className="muted small">
        {it.fileName && <>File: {it.fileName}{it.fileSize ? ` (${(it.fileSize / 1024).toFixed(0)} KB)` : ''} · </>}
        {it.copiesLeft === null ? 'Unlimited copies' : `${it.copiesLeft} left`} · {it.salesCount} sold
      </p>
      <FormError error={error} />
      {mine ? (
        <p className="muted">This is your item. <Link to="/market/orders?role=seller">See your sales</Link></p>
      ) : me ? (
        <button type="button" className="btn btn-primary" onClick={buy} disabled={busy || it.copiesLeft === 0 || it.status !== 'active'}>
          {busy ? 'Starting checkout…' : it.copiesLeft === 0 ? 'Sold out' : `Buy for ${money(it.price)}`}
        </button>
      ) : (
        <Link to="/login" className="btn btn-primary">Sign in to buy</Link>
      )}
    </article>
  );
}
