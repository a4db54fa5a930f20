-- Listings. Money is NUMERIC (never a float); `copies_left` NULL means unlimited, and it is
-- decremented atomically, never below zero.
CREATE TABLE items (
    id               uuid PRIMARY KEY,
    seller_id        uuid NOT NULL,
    title            text NOT NULL,
    description      text NOT NULL DEFAULT '',
    price            numeric(12, 2) NOT NULL CHECK (price > 0 AND price <= 1000000),
    currency         text NOT NULL,
    status           text NOT NULL CHECK (status IN ('draft', 'active', 'archived')),
    copies_left      int CHECK (copies_left >= 0),
    sales_count      int NOT NULL DEFAULT 0,
    file_media_id    uuid NOT NULL,
    file_key         text NOT NULL,
    file_name        text NOT NULL,
    file_size        bigint NOT NULL,
    preview_media_id uuid,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX items_active_newest ON items (created_at DESC, id DESC) WHERE status = 'active';
CREATE INDEX items_active_price ON items (price, id) WHERE status = 'active';
CREATE INDEX items_seller ON items (seller_id, created_at DESC);

-- Orders: a state machine (pending → paid → shipped → completed; pending → cancelled;
-- paid/shipped/completed, or cancelled with a late payment → refunded) whose every
-- transition is in order_history.
CREATE TABLE orders (
    id                  uuid PRIMARY KEY,
    item_id             uuid NOT NULL REFERENCES items (id),
    buyer_id            uuid NOT NULL,
    seller_id           uuid NOT NULL,
    amount              numeric(12, 2) NOT NULL CHECK (amount > 0),
    currency            text NOT NULL,
    status              text NOT NULL
        CHECK (status IN ('pending', 'paid', 'shipped', 'completed', 'cancelled', 'refunded')),
    -- A copy was reserved (limited copies) and is given back if the order is cancelled.
    copy_reserved       boolean NOT NULL,
    payment_provider    text,
    payment_id          text,
    checkout_url        text,
    payment_expires_at  timestamptz NOT NULL,
    downloads_left      int NOT NULL CHECK (downloads_left >= 0),
    refund_requested_at timestamptz,
    idempotency_key     text NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    -- The same key from the same buyer is the same order, however many requests race.
    CONSTRAINT orders_idempotency UNIQUE (buyer_id, idempotency_key)
);
-- One live order per buyer and item: a second purchase is 409 already_purchased.
CREATE UNIQUE INDEX orders_live ON orders (buyer_id, item_id)
    WHERE status IN ('pending', 'paid', 'shipped', 'completed');
CREATE INDEX orders_buyer ON orders (buyer_id, created_at DESC, id DESC);
CREATE INDEX orders_seller ON orders (seller_id, created_at DESC, id DESC);
CREATE INDEX orders_pending_expiry ON orders (payment_expires_at) WHERE status = 'pending';
CREATE UNIQUE INDEX orders_payment ON orders (payment_id) WHERE payment_id IS NOT NULL;

CREATE TABLE order_history (
    id       bigserial PRIMARY KEY,
    order_id uuid NOT NULL REFERENCES orders (id),
    status   text NOT NULL,
    reason   text,
    at       timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX order_history_order ON order_history (order_id, id);

-- The provider's events already applied: a repeat changes nothing.
CREATE TABLE payment_events (
    id          text PRIMARY KEY,
    type        text NOT NULL,
    order_id    uuid,
    payment_id  text,
    outcome     text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
