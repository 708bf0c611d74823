// Generated from openapi.yaml by openapi-typescript (`npm run openapi`; checked by test/dashboard/assets.test.ts). Do not edit.
export interface paths {
    "/reports/network-usage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Network usage per day, ISO week or month
         * @description Viewer hours, egress, sessions, network-wide unique viewers, Livepeer and native processing, API requests and active tenants per period, from the package's snapshot of FrameWorks' views `tenant_viewer_daily`, `tenant_analytics_daily` (egress), `processing_daily` and `api_usage_daily`, which the hourly upkeep keeps at most about an hour behind them. Every period of the range appears, zero-filled.
         */
        get: operations["getNetworkUsage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/reports/acquisition-funnel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Signups, activation, streaming and retention per acquisition group
         * @description Tenants who signed up in the range, grouped by attribution dimensions, through the stages signups → activated → streaming → retained. Windows that have not closed yet count what has happened so far.
         */
        get: operations["getAcquisitionFunnel"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/reports/cohort-usage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Network usage by signup cohort and acquisition group
         * @description Usage per period split by the signup week or month of each tenant and one attribution dimension. Tenants without an acquisition event form the `unattributed` cohort, so cohorts add up to the network total.
         */
        get: operations["getCohortUsage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/reports/referral-codes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Referral codes: signups, outcomes and the usage their tenants generated */
        get: operations["getReferralCodes"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/reports/tenant-usage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Usage per tenant and period with attribution (the raw export)
         * @description One row per tenant and usage period with its attribution dimensions and usage metrics. JSON is paginated (`limit`, `cursor`); CSV streams the whole range.
         */
        get: operations["getTenantUsage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/stats/network": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Public network totals: the last 30 days and all time
         * @description Viewer hours, egress, Livepeer and native processing hours and active tenants of the whole network, equal to the network-usage report's `totals` for the same ranges. No authentication. Computed at most once per `max-age` and cached (`ETag`, 304 on `If-None-Match`); rate-limited per client; CORS for the configured origins.
         */
        get: operations["getNetworkStats"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/referral-codes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List referral codes in code order, one page at a time */
        get: operations["listReferralCodes"];
        put?: never;
        /** Create a referral code */
        post: operations["createReferralCode"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/referral-codes/{code}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Show a referral code with its current uses */
        get: operations["getReferralCode"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/referral-codes/{code}/deactivate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Deactivate a referral code (idempotent); later signups record it as inactive */
        post: operations["deactivateReferralCode"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tenants/{tenantId}/attribution": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Show a tenant's stored signup attribution */
        get: operations["getTenantAttribution"];
        put?: never;
        post?: never;
        /**
         * Erase a tenant's signup attribution everywhere the package keeps it
         * @description Deletes the stored row and the tenant's outbox events and records the erasure (time, operator credential) in the audit table; the relay then deletes the tenant's acquisition rows in ClickHouse. The tenant's usage stays in the reports, as unattributed. Calling it again is harmless.
         */
        delete: operations["eraseTenantAttribution"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/ingest/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Backlog and delivery lag of the outbox → ClickHouse relay */
        get: operations["getIngestStatus"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/ingest/service-events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Accept tenant_created service events from the FrameWorks bus (idempotent by event_id) */
        post: operations["ingestServiceEvents"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/ingest/parked/requeue": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Put parked events back in line for delivery */
        post: operations["requeueParkedEvents"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description Problem details (RFC 9457) */
        Problem: {
            type: string;
            title: string;
            status: number;
            detail: string;
            code: string;
            param?: string;
        };
        ReportMeta: {
            /** @description Report name. */
            report: string;
            /** @description The request as understood, defaults filled in. */
            request: {
                [key: string]: unknown;
            };
            /** @description Time of the first acquisition event: attribution (and everything grouped by it) exists only from here on. Usage before it is `unattributed`. */
            data_from: string | null;
            /**
             * Format: date-time
             * @description When this answer was computed.
             */
            generated_at: string;
        };
        NetworkUsageRow: {
            /**
             * Format: date
             * @description First day of the period (UTC).
             */
            period_start: string;
            viewer_hours: components["schemas"]["viewer_hours"];
            egress_gb: components["schemas"]["egress_gb"];
            total_sessions: components["schemas"]["total_sessions"];
            livepeer_seconds: components["schemas"]["livepeer_seconds"];
            native_seconds: components["schemas"]["native_seconds"];
            other_processing_seconds: components["schemas"]["other_processing_seconds"];
            api_requests: components["schemas"]["api_requests"];
            api_errors: components["schemas"]["api_errors"];
            /** @description Network-wide unique viewers of the period: FrameWorks' `tenant_viewer_daily.unique_viewers_state` (a viewer is a client host, else a node and session) merged across tenants and days; approximate above a few thousand, never a sum of per-tenant counts. */
            unique_viewers: number;
            /** @description Distinct tenants with any usage metric above zero (FrameWorks' all-zero rows do not count) on some day of the period. */
            active_tenants: number;
        };
        /** @description The whole range at once: each figure summed over the range before rounding (it may differ from the sum of the rounded rows in the 6th decimal). JSON only. */
        NetworkUsageTotals: {
            viewer_hours: components["schemas"]["viewer_hours"];
            egress_gb: components["schemas"]["egress_gb"];
            total_sessions: components["schemas"]["total_sessions"];
            livepeer_seconds: components["schemas"]["livepeer_seconds"];
            native_seconds: components["schemas"]["native_seconds"];
            other_processing_seconds: components["schemas"]["other_processing_seconds"];
            api_requests: components["schemas"]["api_requests"];
            api_errors: components["schemas"]["api_errors"];
            /** @description Network-wide unique viewers of the whole range (`tenant_viewer_daily` states merged). */
            unique_viewers: number;
            /** @description Distinct tenants with any usage metric above zero (FrameWorks' all-zero rows do not count) on some day of the range (not a sum of the periods). */
            active_tenants: number;
        };
        AcquisitionFunnelRow: {
            /** @description Group value of signup_channel; `(none)` when absent, `(other)` for folded rows, `unattributed` for tenants without an acquisition event. */
            signup_channel?: string;
            /** @description Group value of signup_method; `(none)` when absent, `(other)` for folded rows, `unattributed` for tenants without an acquisition event. */
            signup_method?: string;
            /** @description Group value of channel_group; `(none)` when absent, `(other)` for folded rows, `unattributed` for tenants without an acquisition event. */
            channel_group?: string;
            /** @description Group value of client_kind; `(none)` when absent, `(other)` for folded rows, `unattributed` for tenants without an acquisition event. */
            client_kind?: string;
            /** @description Group value of is_agent; `(none)` when absent, `(other)` for folded rows, `unattributed` for tenants without an acquisition event. */
            is_agent?: string;
            /** @description Group value of utm_source; `(none)` when absent, `(other)` for folded rows, `unattributed` for tenants without an acquisition event. */
            utm_source?: string;
            /** @description Group value of utm_medium; `(none)` when absent, `(other)` for folded rows, `unattributed` for tenants without an acquisition event. */
            utm_medium?: string;
            /** @description Group value of utm_campaign; `(none)` when absent, `(other)` for folded rows, `unattributed` for tenants without an acquisition event. */
            utm_campaign?: string;
            /** @description Group value of referral_code; `(none)` when absent, `(other)` for folded rows, `unattributed` for tenants without an acquisition event. */
            referral_code?: string;
            /** @description Tenants that signed up in the range. */
            signups: number;
            /** @description Of those, tenants with any usage metric above zero within `activation_days` of signup. */
            activated: number;
            /** @description Of those, tenants with viewer hours (`tenant_viewer_daily`) > 0 within `activation_days` of signup. */
            streaming: number;
            /** @description Of those, tenants with any usage metric above zero in the calendar month after their signup month. */
            retained: number;
            /** @description activated / signups (4 decimals). */
            activation_rate: number;
            /** @description streaming / signups (4 decimals). */
            streaming_rate: number;
            /** @description retained / signups (4 decimals). */
            retention_rate: number;
        };
        CohortUsageRow: {
            /** @description First day of the signup week or month, or `unattributed`. */
            cohort_period: string;
            /** @description Group value of signup_channel; `(none)` when absent, `(other)` for folded rows, `unattributed` for tenants without an acquisition event. */
            signup_channel?: string;
            /** @description Group value of signup_method; `(none)` when absent, `(other)` for folded rows, `unattributed` for tenants without an acquisition event. */
            signup_method?: string;
            /** @description Group value of channel_group; `(none)` when absent, `(other)` for folded rows, `unattributed` for tenants without an acquisition event. */
            channel_group?: string;
            /** @description Group value of client_kind; `(none)` when absent, `(other)` for folded rows, `unattributed` for tenants without an acquisition event. */
            client_kind?: string;
            /** @description Group value of is_agent; `(none)` when absent, `(other)` for folded rows, `unattributed` for tenants without an acquisition event. */
            is_agent?: string;
            /** @description Group value of utm_source; `(none)` when absent, `(other)` for folded rows, `unattributed` for tenants without an acquisition event. */
            utm_source?: string;
            /** @description Group value of utm_medium; `(none)` when absent, `(other)` for folded rows, `unattributed` for tenants without an acquisition event. */
            utm_medium?: string;
            /** @description Group value of utm_campaign; `(none)` when absent, `(other)` for folded rows, `unattributed` for tenants without an acquisition event. */
            utm_campaign?: string;
            /** @description Group value of referral_code; `(none)` when absent, `(other)` for folded rows, `unattributed` for tenants without an acquisition event. */
            referral_code?: string;
            /**
             * Format: date
             * @description First day of the usage period.
             */
            period_start: string;
            /** @description Size of the cohort group (its signups; for `unattributed`, the tenants with usage in the range). */
            tenants: number;
            /** @description Tenants of the group with any usage metric above zero (FrameWorks' all-zero rows do not count) on some day of the period. */
            active_tenants: number;
            viewer_hours: components["schemas"]["viewer_hours"];
            egress_gb: components["schemas"]["egress_gb"];
            livepeer_seconds: components["schemas"]["livepeer_seconds"];
            native_seconds: components["schemas"]["native_seconds"];
            api_requests: components["schemas"]["api_requests"];
        };
        ReferralCodeUsageRow: {
            /** @description The code as first seen (codes are case-insensitive). */
            referral_code: string;
            /** @description Partner name of the code (empty when unknown). */
            partner: string;
            /** @description Signups in the range that carried the code. */
            signups: number;
            /** @description Of those, signups where the code was applied. */
            applied: number;
            /** @description Refused: no such code. */
            refused_unknown: number;
            /** @description Refused: code deactivated. */
            refused_inactive: number;
            /** @description Refused: code expired. */
            refused_expired: number;
            /** @description Refused: code used up. */
            refused_exhausted: number;
            /** @description Tenants who signed up with the code (any time) with any usage metric above zero (FrameWorks' all-zero rows do not count) on some day of the range. */
            active_tenants: number;
            viewer_hours: components["schemas"]["viewer_hours"];
            egress_gb: components["schemas"]["egress_gb"];
            livepeer_seconds: components["schemas"]["livepeer_seconds"];
            native_seconds: components["schemas"]["native_seconds"];
            api_requests: components["schemas"]["api_requests"];
        };
        TenantUsageRow: {
            /**
             * Format: date
             * @description First day of the usage period.
             */
            period_start: string;
            /** Format: uuid */
            tenant_id: string;
            /** @description Whether the tenant has an acquisition event. */
            attributed: boolean;
            /** @description UTC day of the acquisition event (empty when unattributed). */
            signup_date: string;
            /** @description The tenant's signup_channel (`(none)` when absent, `unattributed` without an acquisition event). */
            signup_channel: string;
            /** @description The tenant's signup_method (`(none)` when absent, `unattributed` without an acquisition event). */
            signup_method: string;
            /** @description The tenant's channel_group (`(none)` when absent, `unattributed` without an acquisition event). */
            channel_group: string;
            /** @description The tenant's client_kind (`(none)` when absent, `unattributed` without an acquisition event). */
            client_kind: string;
            /** @description The tenant's is_agent (`(none)` when absent, `unattributed` without an acquisition event). */
            is_agent: string;
            /** @description The tenant's utm_source (`(none)` when absent, `unattributed` without an acquisition event). */
            utm_source: string;
            /** @description The tenant's utm_medium (`(none)` when absent, `unattributed` without an acquisition event). */
            utm_medium: string;
            /** @description The tenant's utm_campaign (`(none)` when absent, `unattributed` without an acquisition event). */
            utm_campaign: string;
            /** @description The tenant's referral_code (`(none)` when absent, `unattributed` without an acquisition event). */
            referral_code: string;
            viewer_hours: components["schemas"]["viewer_hours"];
            egress_gb: components["schemas"]["egress_gb"];
            total_sessions: components["schemas"]["total_sessions"];
            livepeer_seconds: components["schemas"]["livepeer_seconds"];
            native_seconds: components["schemas"]["native_seconds"];
            other_processing_seconds: components["schemas"]["other_processing_seconds"];
            api_requests: components["schemas"]["api_requests"];
            api_errors: components["schemas"]["api_errors"];
            /** @description Unique viewers of the tenant in the period: its `tenant_viewer_daily.unique_viewers_state` merged over the days. */
            unique_viewers: number;
        };
        ReferralCode: {
            /** Format: uuid */
            id: string;
            /** @description The code as created (its letter case) */
            code: string;
            /** @description Partner the code belongs to */
            partner_name: string | null;
            /** @description Tenant that owns the code */
            owner_tenant_id: string | null;
            is_active: boolean;
            /** @description Maximum redemptions; null is unlimited */
            max_uses: number | null;
            /** @description Redemptions so far */
            current_uses: number;
            /** @description After this time the code is not applied */
            expires_at: string | null;
            /** Format: date-time */
            created_at: string;
        };
        TenantAttribution: {
            /** Format: uuid */
            tenant_id: string;
            user_id: string | null;
            /** @description web, wallet, x402 or api */
            signup_channel: string;
            /** @description email_password, wallet_ethereum, wallet_base, wallet_arbitrum, x402_usdc, api_key, … */
            signup_method: string | null;
            utm_source: string | null;
            utm_medium: string | null;
            utm_campaign: string | null;
            utm_content: string | null;
            utm_term: string | null;
            /** @description Scheme, host and path of the referrer */
            http_referer: string | null;
            /** @description Scheme, host and path of the landing page */
            landing_page: string | null;
            /** @description The code given at signup (in its stored letter case when applied) */
            referral_code: string | null;
            is_agent: boolean;
            /** @description One of direct, organic_search, paid_search, organic_social, paid_social, email, referral, referral_program, ai_assistant, affiliate, display, paid_video, organic_video, paid_shopping, organic_shopping, paid_other, cross_network, audio, sms, mobile_push */
            channel_group: string | null;
            /** @description One of browser, ai_assistant, ai_crawler, crawler, ai_coding_agent, mcp_client, signed_agent, x402_client, headless_browser, automation, unknown */
            client_kind: string | null;
            /** @description Outcome of the referral code: applied, unknown, inactive, expired, exhausted; null without a code */
            referral_status: string | null;
            /** @description Time of the first touch; null when the signup request was the first */
            first_touch_at: string | null;
            /** @description The last touch before signup */
            last_touch: {
                /** Format: date-time */
                at: string;
                utm_source: string | null;
                utm_medium: string | null;
                utm_campaign: string | null;
                utm_content: string | null;
                utm_term: string | null;
                click_id_type: string | null;
                referral_code: string | null;
                http_referer: string | null;
                landing_page: string | null;
                channel_group: string;
            } | null;
            /** @description Allow-listed signup metadata (never PII) */
            metadata: {
                [key: string]: unknown;
            };
            /** Format: date-time */
            created_at: string;
        };
        IngestStatus: {
            /** @description Events not yet delivered (due, leased or in backoff) */
            pending: number;
            /** @description Events that kept failing and wait for an operator */
            parked: number;
            /** @description Age of the oldest pending event (0 when none) */
            oldest_pending_age_seconds: number;
            /** @description Latest delivery by any relay */
            last_delivered_at: string | null;
            /** @description Delivery lag: creation → delivery of the oldest event in this relay's last batch; null without a relay here */
            lag_seconds: number | null;
            relay: {
                /** @enum {unknown} */
                state: "idle" | "running" | "backing_off" | "draining" | "stopped";
                delivered_total: number;
                parked_total: number;
                batches_total: number;
                consecutive_failures: number;
                /** @description Last failure that was not an event's own (ClickHouse unreachable, …) */
                last_error: string | null;
                /** @description Last delivery by this process */
                last_delivery_at: string | null;
                /** @description Creation → delivery of the newest event of the last batch */
                last_batch_lag_ms: number | null;
                /** @description Creation → delivery of the oldest event of the last batch */
                last_batch_max_lag_ms: number | null;
            } | null;
            /** @description The 20 most recently parked events */
            recent_parked: {
                /** Format: uuid */
                event_id: string;
                /** Format: uuid */
                tenant_id: string;
                attempts: number;
                /** @description Why the last attempt failed */
                last_error: string | null;
                /** Format: date-time */
                parked_at: string;
            }[];
        };
        ServiceEvent: {
            /**
             * Format: uuid
             * @description Idempotency key: an event sent again is accepted and changes nothing
             */
            event_id: string;
            /** @enum {string} */
            event_type: "tenant_created";
            /**
             * Format: date-time
             * @description Tenant creation time (ISO 8601 with time zone)
             */
            timestamp: string;
            /**
             * Format: uuid
             * @description The tenant
             */
            tenant_id: string;
            /** @description The user who signed up */
            user_id?: string | null;
            attribution: {
                /** @enum {unknown} */
                signup_channel: "web" | "wallet" | "x402" | "api";
                /** @description email_password, wallet_ethereum, wallet_base, x402_usdc, api_key, … */
                signup_method: string;
                /** @description Bounded, control characters removed */
                utm_source?: string | null;
                /** @description Bounded, control characters removed */
                utm_medium?: string | null;
                /** @description Bounded, control characters removed */
                utm_campaign?: string | null;
                /** @description Bounded, control characters removed */
                utm_content?: string | null;
                /** @description Bounded, control characters removed */
                utm_term?: string | null;
                /** @description Stored as scheme, host and path only */
                http_referer?: string | null;
                /** @description Stored as scheme, host and path only */
                landing_page?: string | null;
                /** @description Referral code used at signup */
                referral_code?: string | null;
                is_agent?: boolean;
                /** @description A JSON object string; e-mail, wallet and IP addresses are dropped */
                metadata_json?: string | null;
                channel_group?: ("direct" | "organic_search" | "paid_search" | "organic_social" | "paid_social" | "email" | "referral" | "referral_program" | "ai_assistant" | "affiliate" | "display" | "paid_video" | "organic_video" | "paid_shopping" | "organic_shopping" | "paid_other" | "cross_network" | "audio" | "sms" | "mobile_push") | null;
                client_kind?: ("browser" | "ai_assistant" | "ai_crawler" | "crawler" | "ai_coding_agent" | "mcp_client" | "signed_agent" | "x402_client" | "headless_browser" | "automation" | "unknown") | null;
                /** @description Time of the first touch */
                first_touch_at?: string | null;
            };
            referral_status?: ("applied" | "unknown" | "inactive" | "expired" | "exhausted") | null;
        };
        /** @description Hours of playback watched: FrameWorks' `tenant_viewer_daily.viewer_hours` (seconds viewers were connected ÷ 3600). */
        viewer_hours: number;
        /** @description GiB delivered: FrameWorks' `tenant_analytics_daily.egress_bytes` ÷ 2^30, its operator egress figure (playback, plus restream delivery in current FrameWorks releases). */
        egress_gb: number;
        /** @description Media seconds transcoded by Livepeer: `processing_daily.media_seconds` of `process_type` `Livepeer`. */
        livepeer_seconds: number;
        /** @description Media seconds processed natively by MistProcAV: `processing_daily.media_seconds` of `process_type` `AV`. */
        native_seconds: number;
        /** @description API requests (GraphQL queries, mutations, subscriptions, every auth type): `api_usage_daily.requests`. */
        api_requests: number;
        /** @description Viewer sessions: FrameWorks' `tenant_viewer_daily.total_sessions` (distinct sessions per day and cluster, approximate), summed. */
        total_sessions: number;
        /** @description Media seconds of every other process type (`FFmpeg`, …): `processing_daily.media_seconds`. */
        other_processing_seconds: number;
        /** @description Of those, requests that failed: `api_usage_daily.errors`. */
        api_errors: number;
        /** @description Hours of media transcoded by Livepeer: `processing_daily.media_seconds` of `process_type` `Livepeer` ÷ 3600. */
        livepeer_hours: number;
        /** @description Hours of media processed natively by MistProcAV: `processing_daily.media_seconds` of `process_type` `AV` ÷ 3600. */
        native_hours: number;
        /** @description Distinct tenants with any usage metric above zero (FrameWorks' all-zero rows do not count) on some day of the range (a count, never an identity). */
        active_tenants: number;
    };
    responses: {
        /** @description Missing operator credentials */
        Unauthorized: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description These credentials may not use operator routes */
        Forbidden: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
    };
    parameters: {
        /** @description First day, UTC, inclusive (YYYY-MM-DD). Default: `to` minus 30 days. */
        from: string;
        /** @description Day after the last, UTC, exclusive (YYYY-MM-DD). Default: tomorrow (today included). */
        to: string;
        /** @description Answer format; `Accept: text/csv` also selects CSV. Default `json`. */
        format: "json" | "csv";
        /** @description Usage period: UTC day, ISO week (starting Monday) or calendar month. Default `day`. */
        granularity: "day" | "week" | "month";
        /** @description Keep tenants whose signup_channel is one of these comma-separated values. */
        signup_channel: string;
        /** @description Keep tenants whose signup_method is one of these comma-separated values. */
        signup_method: string;
        /** @description Keep tenants whose channel_group is one of these comma-separated values. */
        channel_group: string;
        /** @description Keep tenants whose client_kind is one of these comma-separated values. */
        client_kind: string;
        /** @description Keep tenants whose is_agent is one of these comma-separated values. */
        is_agent: string;
        /** @description Keep tenants whose utm_source is one of these comma-separated values. */
        utm_source: string;
        /** @description Keep tenants whose utm_medium is one of these comma-separated values. */
        utm_medium: string;
        /** @description Keep tenants whose utm_campaign is one of these comma-separated values. */
        utm_campaign: string;
        /** @description Keep tenants whose referral_code is one of these comma-separated values. */
        referral_code: string;
        /** @description Referral code (case-insensitive; 3–64 of A–Z, a–z, 0–9, `_`, `-`) */
        code: string;
        /** @description Tenant id */
        tenantId: string;
    };
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getNetworkUsage: {
        parameters: {
            query?: {
                /** @description First day, UTC, inclusive (YYYY-MM-DD). Default: `to` minus 30 days. */
                from?: components["parameters"]["from"];
                /** @description Day after the last, UTC, exclusive (YYYY-MM-DD). Default: tomorrow (today included). */
                to?: components["parameters"]["to"];
                /** @description Answer format; `Accept: text/csv` also selects CSV. Default `json`. */
                format?: components["parameters"]["format"];
                /** @description Usage period: UTC day, ISO week (starting Monday) or calendar month. Default `day`. */
                granularity?: components["parameters"]["granularity"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Network usage per period */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        meta: components["schemas"]["ReportMeta"];
                        totals: components["schemas"]["NetworkUsageTotals"];
                        data: components["schemas"]["NetworkUsageRow"][];
                    };
                    "text/csv": string;
                };
            };
            /** @description A parameter is invalid (`param` names it) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description ClickHouse is unreachable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getAcquisitionFunnel: {
        parameters: {
            query?: {
                /** @description First day, UTC, inclusive (YYYY-MM-DD). Default: `to` minus 30 days. */
                from?: components["parameters"]["from"];
                /** @description Day after the last, UTC, exclusive (YYYY-MM-DD). Default: tomorrow (today included). */
                to?: components["parameters"]["to"];
                /** @description Answer format; `Accept: text/csv` also selects CSV. Default `json`. */
                format?: components["parameters"]["format"];
                /** @description Comma-separated dimensions to group by: signup_channel, signup_method, channel_group, client_kind, is_agent, utm_source, utm_medium, utm_campaign, referral_code. */
                group_by?: string;
                /** @description Keep tenants whose signup_channel is one of these comma-separated values. */
                signup_channel?: components["parameters"]["signup_channel"];
                /** @description Keep tenants whose signup_method is one of these comma-separated values. */
                signup_method?: components["parameters"]["signup_method"];
                /** @description Keep tenants whose channel_group is one of these comma-separated values. */
                channel_group?: components["parameters"]["channel_group"];
                /** @description Keep tenants whose client_kind is one of these comma-separated values. */
                client_kind?: components["parameters"]["client_kind"];
                /** @description Keep tenants whose is_agent is one of these comma-separated values. */
                is_agent?: components["parameters"]["is_agent"];
                /** @description Keep tenants whose utm_source is one of these comma-separated values. */
                utm_source?: components["parameters"]["utm_source"];
                /** @description Keep tenants whose utm_medium is one of these comma-separated values. */
                utm_medium?: components["parameters"]["utm_medium"];
                /** @description Keep tenants whose utm_campaign is one of these comma-separated values. */
                utm_campaign?: components["parameters"]["utm_campaign"];
                /** @description Keep tenants whose referral_code is one of these comma-separated values. */
                referral_code?: components["parameters"]["referral_code"];
                /** @description Days after signup that count for `activated` and `streaming`. Default 30. */
                activation_days?: number;
                /** @description Groups shown before the rest folds into `(other)`. Default 50. */
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The funnel per group */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        meta: components["schemas"]["ReportMeta"];
                        data: components["schemas"]["AcquisitionFunnelRow"][];
                    };
                    "text/csv": string;
                };
            };
            /** @description A parameter is invalid (`param` names it) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description ClickHouse is unreachable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getCohortUsage: {
        parameters: {
            query?: {
                /** @description First day, UTC, inclusive (YYYY-MM-DD). Default: `to` minus 30 days. */
                from?: components["parameters"]["from"];
                /** @description Day after the last, UTC, exclusive (YYYY-MM-DD). Default: tomorrow (today included). */
                to?: components["parameters"]["to"];
                /** @description Answer format; `Accept: text/csv` also selects CSV. Default `json`. */
                format?: components["parameters"]["format"];
                /** @description Signup period that forms a cohort. Default `month`. */
                cohort?: "week" | "month";
                /** @description Usage period: UTC day, ISO week (starting Monday) or calendar month. Default `day`. */
                granularity?: components["parameters"]["granularity"];
                /** @description The dimension to group by. */
                group_by?: "signup_channel" | "signup_method" | "channel_group" | "client_kind" | "is_agent" | "utm_source" | "utm_medium" | "utm_campaign" | "referral_code";
                /** @description Keep tenants whose signup_channel is one of these comma-separated values. */
                signup_channel?: components["parameters"]["signup_channel"];
                /** @description Keep tenants whose signup_method is one of these comma-separated values. */
                signup_method?: components["parameters"]["signup_method"];
                /** @description Keep tenants whose channel_group is one of these comma-separated values. */
                channel_group?: components["parameters"]["channel_group"];
                /** @description Keep tenants whose client_kind is one of these comma-separated values. */
                client_kind?: components["parameters"]["client_kind"];
                /** @description Keep tenants whose is_agent is one of these comma-separated values. */
                is_agent?: components["parameters"]["is_agent"];
                /** @description Keep tenants whose utm_source is one of these comma-separated values. */
                utm_source?: components["parameters"]["utm_source"];
                /** @description Keep tenants whose utm_medium is one of these comma-separated values. */
                utm_medium?: components["parameters"]["utm_medium"];
                /** @description Keep tenants whose utm_campaign is one of these comma-separated values. */
                utm_campaign?: components["parameters"]["utm_campaign"];
                /** @description Keep tenants whose referral_code is one of these comma-separated values. */
                referral_code?: components["parameters"]["referral_code"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Usage per cohort */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        meta: components["schemas"]["ReportMeta"];
                        data: components["schemas"]["CohortUsageRow"][];
                    };
                    "text/csv": string;
                };
            };
            /** @description A parameter is invalid (`param` names it) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description ClickHouse is unreachable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getReferralCodes: {
        parameters: {
            query?: {
                /** @description First day, UTC, inclusive (YYYY-MM-DD). Default: `to` minus 30 days. */
                from?: components["parameters"]["from"];
                /** @description Day after the last, UTC, exclusive (YYYY-MM-DD). Default: tomorrow (today included). */
                to?: components["parameters"]["to"];
                /** @description Answer format; `Accept: text/csv` also selects CSV. Default `json`. */
                format?: components["parameters"]["format"];
                /** @description Keep tenants whose signup_channel is one of these comma-separated values. */
                signup_channel?: components["parameters"]["signup_channel"];
                /** @description Keep tenants whose signup_method is one of these comma-separated values. */
                signup_method?: components["parameters"]["signup_method"];
                /** @description Keep tenants whose channel_group is one of these comma-separated values. */
                channel_group?: components["parameters"]["channel_group"];
                /** @description Keep tenants whose client_kind is one of these comma-separated values. */
                client_kind?: components["parameters"]["client_kind"];
                /** @description Keep tenants whose is_agent is one of these comma-separated values. */
                is_agent?: components["parameters"]["is_agent"];
                /** @description Keep tenants whose utm_source is one of these comma-separated values. */
                utm_source?: components["parameters"]["utm_source"];
                /** @description Keep tenants whose utm_medium is one of these comma-separated values. */
                utm_medium?: components["parameters"]["utm_medium"];
                /** @description Keep tenants whose utm_campaign is one of these comma-separated values. */
                utm_campaign?: components["parameters"]["utm_campaign"];
                /** @description Keep tenants whose referral_code is one of these comma-separated values. */
                referral_code?: components["parameters"]["referral_code"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Per referral code */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        meta: components["schemas"]["ReportMeta"];
                        data: components["schemas"]["ReferralCodeUsageRow"][];
                    };
                    "text/csv": string;
                };
            };
            /** @description A parameter is invalid (`param` names it) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description ClickHouse is unreachable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getTenantUsage: {
        parameters: {
            query?: {
                /** @description First day, UTC, inclusive (YYYY-MM-DD). Default: `to` minus 30 days. */
                from?: components["parameters"]["from"];
                /** @description Day after the last, UTC, exclusive (YYYY-MM-DD). Default: tomorrow (today included). */
                to?: components["parameters"]["to"];
                /** @description Answer format; `Accept: text/csv` also selects CSV. Default `json`. */
                format?: components["parameters"]["format"];
                /** @description Usage period: UTC day, ISO week (starting Monday) or calendar month. Default `day`. */
                granularity?: components["parameters"]["granularity"];
                /** @description Keep tenants whose signup_channel is one of these comma-separated values. */
                signup_channel?: components["parameters"]["signup_channel"];
                /** @description Keep tenants whose signup_method is one of these comma-separated values. */
                signup_method?: components["parameters"]["signup_method"];
                /** @description Keep tenants whose channel_group is one of these comma-separated values. */
                channel_group?: components["parameters"]["channel_group"];
                /** @description Keep tenants whose client_kind is one of these comma-separated values. */
                client_kind?: components["parameters"]["client_kind"];
                /** @description Keep tenants whose is_agent is one of these comma-separated values. */
                is_agent?: components["parameters"]["is_agent"];
                /** @description Keep tenants whose utm_source is one of these comma-separated values. */
                utm_source?: components["parameters"]["utm_source"];
                /** @description Keep tenants whose utm_medium is one of these comma-separated values. */
                utm_medium?: components["parameters"]["utm_medium"];
                /** @description Keep tenants whose utm_campaign is one of these comma-separated values. */
                utm_campaign?: components["parameters"]["utm_campaign"];
                /** @description Keep tenants whose referral_code is one of these comma-separated values. */
                referral_code?: components["parameters"]["referral_code"];
                /** @description JSON page size. Default 1000. */
                limit?: number;
                /** @description The `next_cursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of tenant usage */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        meta: components["schemas"]["ReportMeta"];
                        /** @description Pass as `cursor` for the next page; null on the last page. */
                        next_cursor: string | null;
                        data: components["schemas"]["TenantUsageRow"][];
                    };
                    "text/csv": string;
                };
            };
            /** @description A parameter is invalid (`param` names it) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description ClickHouse is unreachable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getNetworkStats: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The network totals */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /**
                         * Format: date-time
                         * @description When these figures were computed (they are kept for `max-age` seconds).
                         */
                        generated_at: string;
                        /** @description Time of the first acquisition event the network keeps. */
                        data_from: string | null;
                        /** @description The last 30 days, today included: the range the operator reports default to. */
                        last_30_days: {
                            /**
                             * Format: date
                             * @description First day, UTC, inclusive.
                             */
                            from: string;
                            /**
                             * Format: date
                             * @description Day after the last (today included), UTC, exclusive.
                             */
                            to: string;
                            viewer_hours: components["schemas"]["viewer_hours"];
                            egress_gb: components["schemas"]["egress_gb"];
                            livepeer_hours: components["schemas"]["livepeer_hours"];
                            native_hours: components["schemas"]["native_hours"];
                            active_tenants: components["schemas"]["active_tenants"];
                        };
                        /** @description Everything up to today. */
                        all_time: {
                            /** @description First day with usage or acquisition data; null when there is none. */
                            from: string | null;
                            /**
                             * Format: date
                             * @description Day after the last (today included), UTC, exclusive.
                             */
                            to: string;
                            viewer_hours: components["schemas"]["viewer_hours"];
                            egress_gb: components["schemas"]["egress_gb"];
                            livepeer_hours: components["schemas"]["livepeer_hours"];
                            native_hours: components["schemas"]["native_hours"];
                            active_tenants: components["schemas"]["active_tenants"];
                        };
                    };
                };
            };
            /** @description Not modified: the `ETag` in `If-None-Match` is current */
            304: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Too many requests from this client: retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description ClickHouse is unreachable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listReferralCodes: {
        parameters: {
            query?: {
                /** @description Page size */
                limit?: number;
                /** @description Cursor: the `next_after` of the previous page */
                after?: string;
                /** @description Only active (true) or inactive (false) codes */
                active?: boolean;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of codes */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["ReferralCode"][];
                        /** @description Cursor of the next page; null on the last page */
                        next_after: string | null;
                    };
                };
            };
            /** @description Invalid input */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
        };
    };
    createReferralCode: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description Referral code (case-insensitive; 3–64 of A–Z, a–z, 0–9, `_`, `-`) */
                    code: string;
                    partner_name?: string;
                    /** Format: uuid */
                    owner_tenant_id?: string;
                    max_uses?: number;
                    /**
                     * Format: date-time
                     * @description Years 1000–9998
                     */
                    expires_at?: string;
                };
            };
        };
        responses: {
            /** @description The created code */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReferralCode"];
                };
            };
            /** @description Invalid input */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description The code exists (in any letter case) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getReferralCode: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Referral code (case-insensitive; 3–64 of A–Z, a–z, 0–9, `_`, `-`) */
                code: components["parameters"]["code"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The code */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReferralCode"];
                };
            };
            /** @description Invalid input */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No such code */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deactivateReferralCode: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Referral code (case-insensitive; 3–64 of A–Z, a–z, 0–9, `_`, `-`) */
                code: components["parameters"]["code"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The deactivated code */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReferralCode"];
                };
            };
            /** @description Invalid input */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No such code */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getTenantAttribution: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Tenant id */
                tenantId: components["parameters"]["tenantId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The stored row */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TenantAttribution"];
                };
            };
            /** @description Invalid input */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No attribution for this tenant */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    eraseTenantAttribution: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Tenant id */
                tenantId: components["parameters"]["tenantId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Erased (now, or by an earlier call) */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Invalid input */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No attribution, no pending event and no earlier erasure for this tenant */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getIngestStatus: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Relay status */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IngestStatus"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description Postgres unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    ingestServiceEvents: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description Each event is validated on its own: a bad one is listed in `rejected`, the others land */
                    events: components["schemas"]["ServiceEvent"][];
                };
            };
        };
        responses: {
            /** @description How many events were accepted, and why the others were rejected */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Events stored for delivery (a re-sent event counts) */
                        accepted: number;
                        rejected: {
                            /** @description Position in `events` */
                            index: number;
                            reason: string;
                        }[];
                    };
                };
            };
            /** @description Invalid input */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description Postgres unavailable; nothing was stored, send again */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    requeueParkedEvents: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description Only these events; all parked events when absent */
                    event_ids?: string[];
                };
            };
        };
        responses: {
            /** @description How many parked events were put back */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        requeued: number;
                    };
                };
            };
            /** @description Invalid input */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description Postgres unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
}
