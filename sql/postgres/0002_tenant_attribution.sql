-- Tenant attribution, 1:1 by tenant: FrameWorks Quartermaster's `tenant_attribution`, plus
-- the package's derived columns beside Quartermaster's.
-- In a FrameWorks deployment (schema `quartermaster`) the table exists and is only extended;
-- elsewhere it is created with Quartermaster's own column types and indexes (same names, so
-- they are no-ops where Quartermaster has them): `created_at` TIMESTAMP without time zone
-- (the store writes and reads it as UTC), nullable `is_agent` and `metadata`.
-- Quartermaster's `tenant_id` references `tenants(id) ON DELETE CASCADE`; that foreign key is
-- left out here because a host may have no tenants table.
CREATE TABLE IF NOT EXISTS tenant_attribution (
    tenant_id       UUID PRIMARY KEY,
    signup_channel  VARCHAR(50) NOT NULL,
    signup_method   VARCHAR(50),
    utm_source      VARCHAR(255),
    utm_medium      VARCHAR(100),
    utm_campaign    VARCHAR(255),
    utm_content     VARCHAR(255),
    utm_term        VARCHAR(255),
    http_referer    TEXT,
    landing_page    TEXT,
    referral_code   VARCHAR(100),
    is_agent        BOOLEAN DEFAULT FALSE,
    metadata        JSONB DEFAULT '{}',
    created_at      TIMESTAMP DEFAULT NOW()
);

CREATE INDEX IF NOT EXISTS idx_tenant_attribution_channel ON tenant_attribution (signup_channel, created_at);
CREATE INDEX IF NOT EXISTS idx_tenant_attribution_utm ON tenant_attribution (utm_source) WHERE utm_source IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_tenant_attribution_referral ON tenant_attribution (referral_code) WHERE referral_code IS NOT NULL;

-- The package's derived columns: additive and nullable, so rows Quartermaster writes stay
-- valid and Quartermaster's own queries are unaffected. The CHECK constrains only the
-- package's own column (NULL passes it).
ALTER TABLE tenant_attribution
    ADD COLUMN IF NOT EXISTS user_id         UUID,
    ADD COLUMN IF NOT EXISTS channel_group   VARCHAR(50),
    ADD COLUMN IF NOT EXISTS client_kind     VARCHAR(50),
    ADD COLUMN IF NOT EXISTS first_touch_at  TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS referral_status VARCHAR(20)
        CHECK (referral_status IN ('applied', 'unknown', 'inactive', 'expired', 'exhausted')),
    ADD COLUMN IF NOT EXISTS last_touch      JSONB;
