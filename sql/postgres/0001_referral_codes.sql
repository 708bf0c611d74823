-- Referral codes: FrameWorks Quartermaster's `referral_codes`, as it is.
-- In a FrameWorks deployment (schema `quartermaster`) the table exists and this file changes
-- nothing in it. Elsewhere (embedded PGlite, tests, a host without Quartermaster) the table is
-- created with Quartermaster's own column types, so the store meets one shape everywhere:
-- TIMESTAMP without time zone (the store reads and writes it as UTC), nullable flags and
-- counters, and codes unique case-sensitively. `expires_at` may also be TIMESTAMPTZ (a later
-- FrameWorks migration); the store works on both.
-- Quartermaster's `owner_tenant_id` references `tenants(id)`; that foreign key is left out
-- here because a host may have no tenants table.
CREATE TABLE IF NOT EXISTS referral_codes (
    id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    code            VARCHAR(100) NOT NULL UNIQUE,
    owner_tenant_id UUID,
    partner_name    VARCHAR(255),
    is_active       BOOLEAN DEFAULT TRUE,
    max_uses        INTEGER,
    current_uses    INTEGER DEFAULT 0,
    expires_at      TIMESTAMP,
    created_at      TIMESTAMP DEFAULT NOW()
);

-- The store finds codes case-insensitively (src/store/referral-codes.repository.ts). Not
-- unique: Quartermaster's codes may differ only in letter case.
CREATE INDEX IF NOT EXISTS attribution_referral_codes_code_lower ON referral_codes (lower(code));
