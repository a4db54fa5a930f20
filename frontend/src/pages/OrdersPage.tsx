import { Link, useSearchParams } from 'react-router';
import { InfiniteList } from '../components/InfiniteList';
import { Empty, PageTitle } from '../components/ui';
import { money, relativeTime } from '../lib/format';
import { useMe, usePaged } from '../lib/hooks';
import { rest } from '../lib/rest';
import type { Order } from '../lib/types';
import { LoginForm } from './auth';

export default function OrdersPage() {
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const role = params.get('role') === 'seller' ? 'seller' : 'buyer';
  const paged = usePaged<Order>((cursor) => rest.orders({ cursor, role }), [role]);
  if (!me) return <LoginForm />;
  return (
    <>
      <PageTitle>{role === 'seller' ? 'Your sales' : 'Your orders'}</PageTitle>
      <div className="row" role="group" aria-label="Show">
        <button type="button" className="btn btn-sm" aria-pressed={role === 'buyer'} onClick={() => setParams({})}>Purchases</button>
        <button type="button" className="btn btn-sm" aria-pressed={role === 'seller'} onClick={() => setParams({ role: 'seller' })}>Sales</button>
      </div>
      <InfiniteList
        paged={paged}
        label={role === 'seller' ? 'Sales' : 'Purchases'}
        empty={<Empty>{role === 'seller' ? 'No sales yet.' : <>No orders yet. <Link to="/market">Browse the marketplace</Link>.</>}</Empty>}
        render={(o) => (
          <Link to={`/market/orders/${o.id}`} className="row spread" style={{ padding: '12px 0', borderBottom: '1px solid var(--border)', color: 'inherit', textDecoration: 'none' }}>
            <span>
              <strong>{o.item.title}</strong>
              <span className="muted small"> · {relativeTime(o.createdAt)}</span>
            </span>
            <span className="row">
              {money(o.amount)} <span className="status">{o.status}</span>
            </span>
          </Link>
        )}
      />
    </>
  );
}
