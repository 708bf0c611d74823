-- Transactional outbox: `recordSignup` appends a `tenant_created` event in the signup
-- transaction; the relay (src/ingest/) claims pending rows with FOR UPDATE SKIP LOCKED,
-- writes them to ClickHouse and marks them delivered (or parks them after too many tries).
-- `event_id` is deterministic per tenant, so a replayed signup never adds a second event.
CREATE TABLE attribution_outbox (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id     UUID NOT NULL UNIQUE,
    event_type   TEXT NOT NULL,
    tenant_id    UUID NOT NULL,
    payload      JSONB NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    available_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    delivered_at TIMESTAMPTZ,
    parked_at    TIMESTAMPTZ
);

CREATE INDEX attribution_outbox_pending ON attribution_outbox (available_at, id)
    WHERE delivered_at IS NULL AND parked_at IS NULL;
