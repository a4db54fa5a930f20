import { useState } from 'react';
import { Link } from 'react-router';
import { InfiniteList } from '../components/InfiniteList';
import { Empty, PageTitle } from '../components/ui';
import { money } from '../lib/format';
import { useMe, usePaged } from '../lib/hooks';
import { rest } from '../lib/rest';
import type { Item } from '../lib/types';

export function ItemCard({ item }: { item: Item }) {
  const img = item.preview?.thumbnailUrl ?? item.preview?.url;
  return (
    <Link to={`/market/items/${item.id}`} className="item-card">
      {img ? <img className="thumb" src={img} alt="" loading="lazy" width={240} height={180} /> : <div className="thumb" aria-hidden="true" />}
      <strong>{item.title}</strong>
      <span className="row spread">
        <span>{money(item.price)}</span>
        {item.copiesLeft === 0 && <span className="status">Sold out</span>}
      </span>
    </Link>
  );
}

export default function MarketPage() {
  const me = useMe();
  const [sort, setSort] = useState('newest');
  const paged = usePaged<Item>((cursor) => rest.items({ cursor, sort }), [sort]);
  return (
    <>
      <PageTitle
        actions={
          me && (
            <div className="row">
              <Link to="/market/orders" className="btn btn-sm">Orders</Link>
              <Link to="/market/sell" className="btn btn-primary btn-sm">Sell an item</Link>
            </div>
          )
        }
      >
        Marketplace
      </PageTitle>
      <div className="field" style={{ maxWidth: 220, marginBottom: 12 }}>
        <label htmlFor="sort">Sort by</label>
        <select id="sort" className="input" value={sort} onChange={(e) => setSort(e.target.value)}>
          <option value="newest">Newest</option>
          <option value="price_asc">Price, low to high</option>
          <option value="price_desc">Price, high to low</option>
        </select>
      </div>
      <InfiniteList
        paged={paged}
        label="Items for sale"
        render={(item) => <ItemCard item={item} />}
        empty={<Empty><p>Nothing for sale yet.</p>{me && <Link to="/market/sell" className="btn">List the first item</Link>}</Empty>}
      />
    </>
  );
}
