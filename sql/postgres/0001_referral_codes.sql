-- Referral codes (FrameWorks Quartermaster `referral_codes`, same column names).
-- Host-agnostic: no foreign key to a tenants table, so the table drops into any schema.
-- Codes are case-insensitive: unique on lower(code), redeemed through that index.
CREATE TABLE referral_codes (
    id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    code            VARCHAR(100) NOT NULL UNIQUE,
    owner_tenant_id UUID,
    partner_name    VARCHAR(255),
    is_active       BOOLEAN NOT NULL DEFAULT TRUE,
    max_uses        INTEGER CHECK (max_uses IS NULL OR max_uses >= 0),
    current_uses    INTEGER NOT NULL DEFAULT 0 CHECK (current_uses >= 0),
    expires_at      TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX referral_codes_code_lower ON referral_codes (lower(code));
