-- The example gateway's own tables: what a host already has (tenants, users) plus the
-- single-use SIWE nonces and spent x402 authorizations. Not part of the package: applied
-- with their own migrations table (`example_migrations`).
CREATE TABLE tenants (
    id         UUID PRIMARY KEY,
    name       TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id             UUID PRIMARY KEY,
    tenant_id      UUID NOT NULL REFERENCES tenants (id),
    email          TEXT UNIQUE,
    password_hash  TEXT,
    wallet_address TEXT UNIQUE,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (email IS NOT NULL OR wallet_address IS NOT NULL)
);

-- SIWE challenges: a nonce is bound to the address and chain it was issued for, expires,
-- and is spent in the login transaction.
CREATE TABLE wallet_nonces (
    nonce      TEXT PRIMARY KEY,
    address    TEXT NOT NULL,
    chain_id   INTEGER NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);

-- x402: an EIP-3009 authorization nonce provisions one tenant, once.
CREATE TABLE x402_payments (
    authorization_nonce TEXT PRIMARY KEY,
    tenant_id           UUID NOT NULL REFERENCES tenants (id),
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
