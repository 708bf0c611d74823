-- Erasure of a tenant's attribution (`DELETE /tenants/:tenantId/attribution`, see
-- docs/privacy.md and src/store/erasure.repository.ts). Both tables are the package's own.
--
-- `attribution_erasures`: the audit trail, one row per erasure call, never updated. It keeps
-- the tenant id, the time, the identifier of the operator credential (a token fingerprint or
-- the host hook's operator name, never a token) and what was removed in Postgres; no
-- attribution value. The relay also reads it: an acquisition event of a tenant erased after
-- its signup time is dropped instead of written (a late replay cannot bring it back).
CREATE TABLE attribution_erasures (
    id                     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id              UUID NOT NULL,
    erased_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    operator               TEXT NOT NULL,
    attribution_row        BOOLEAN NOT NULL,
    outbox_events          INTEGER NOT NULL
);

CREATE INDEX attribution_erasures_tenant ON attribution_erasures (tenant_id, erased_at);

-- `attribution_erasure_jobs`: the ClickHouse side of an erasure, one row per tenant, run by
-- the relay. Written in the erasure's transaction, so a ClickHouse outage delays it and loses
-- nothing. A pass deletes the tenant's rows; the first pass schedules a second one
-- (`first_pass_at` + the relay's settle time) that removes what an insert in flight during
-- the erasure may have added, then the job is `completed_at`. `generation` grows whenever the
-- job is armed again (another erasure, or a relay that saw the erasure after its insert), so
-- a pass that started before cannot mark the newer request done.
CREATE TABLE attribution_erasure_jobs (
    tenant_id     UUID PRIMARY KEY,
    generation    INTEGER NOT NULL DEFAULT 1,
    requested_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    available_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    first_pass_at TIMESTAMPTZ,
    completed_at  TIMESTAMPTZ
);

CREATE INDEX attribution_erasure_jobs_due ON attribution_erasure_jobs (available_at)
    WHERE completed_at IS NULL;
