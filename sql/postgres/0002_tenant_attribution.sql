-- Tenant attribution, 1:1 by tenant (FrameWorks Quartermaster `tenant_attribution`, same
-- column names), with our derived columns beside them. Host-agnostic: no foreign key to a
-- tenants table. Derived columns are nullable so rows written by other code stay valid.
CREATE TABLE tenant_attribution (
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
    is_agent        BOOLEAN NOT NULL DEFAULT FALSE,
    metadata        JSONB NOT NULL DEFAULT '{}',
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- derived (this package)
    user_id         UUID,
    channel_group   VARCHAR(50),
    client_kind     VARCHAR(50),
    first_touch_at  TIMESTAMPTZ,
    referral_status VARCHAR(20)
        CHECK (referral_status IN ('applied', 'unknown', 'inactive', 'expired', 'exhausted')),
    last_touch      JSONB
);

CREATE INDEX tenant_attribution_channel ON tenant_attribution (signup_channel, created_at);
CREATE INDEX tenant_attribution_utm ON tenant_attribution (utm_source) WHERE utm_source IS NOT NULL;
CREATE INDEX tenant_attribution_referral ON tenant_attribution (referral_code) WHERE referral_code IS NOT NULL;
