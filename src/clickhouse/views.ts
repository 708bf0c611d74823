/**
 * Views generated from code: the deduplicated acquisition view every report reads, and the
 * views for BI tools (Grafana, Metabase).
 *
 * Why generated: the acquisition view derives each row's channel group in SQL from the same
 * versioned rule table the capture plugin uses (src/shared/channel.ts), and lists the client
 * kinds and referral outcomes the package knows. When a rule or a list changes, the view's
 * text changes and the migration runner replaces it (`CREATE OR REPLACE VIEW`), so reports
 * and BI always derive with the rules of the package that is running. The view is evaluated
 * at query time: nothing derived is stored, and rows that FrameWorks' Go ingest wrote (with
 * no channel group) are grouped by exactly the rules the capture plugin applies.
 *
 * Every BI view reads `attribution_acquisitions` (one row per tenant) and
 * `attribution_usage_daily` (one row per day and tenant with usage, kept current by the
 * hourly usage upkeep from FrameWorks' rollups), so replays and refresh versions never double-count. Filter on
 * `day` / `signup_day` first: the views push those filters down.
 */
import { CLIENT_KINDS, REFERRAL_STATUSES } from '../contracts.ts'
import { CHANNEL_RULES_VERSION, sqlString } from '../shared/channel.ts'
import { channelGroupSql } from '../shared/channel-group.sql.ts'

/** A view the runner keeps equal to this text. */
export interface GeneratedView {
  name: string
  query: string
}

/** Client kind of a row whose writer recorded none (FrameWorks' Go ingest). */
export const UNKNOWN_CLIENT_KIND = 'unknown'

const literalList = (values: readonly string[]): string => values.map(sqlString).join(', ')

/** One row per acquired tenant (its earliest event), with derived dimensions. */
function acquisitionsView (): string {
  const channelGroup = channelGroupSql({
    source: 'utm_source',
    medium: 'utm_medium',
    campaign: 'utm_campaign',
    referrer: 'http_referer',
    clickIdType: "nullIf(click_id_type, '')",
    extraParams: 'CAST([], \'Array(String)\')',
    hasReferralCode: "(referral_code IS NOT NULL AND referral_code != '')"
  })
  return `-- channel rules version ${CHANNEL_RULES_VERSION}
SELECT
    tenant_id, timestamp, user_id, signup_channel, signup_method,
    utm_source, utm_medium, utm_campaign, utm_content, utm_term,
    http_referer, landing_page, referral_code, is_agent,
    ${channelGroup} AS channel_group,
    if(client_kind IN (${literalList(CLIENT_KINDS)}), client_kind, '${UNKNOWN_CLIENT_KIND}') AS client_kind,
    if(referral_status IN (${literalList(REFERRAL_STATUSES)}), referral_status, '') AS referral_status,
    first_touch_at, event_id, writer, recorded_channel_group
FROM attribution_signups FINAL`
}

/** The usage columns of `attribution_usage_daily` (`from` a table alias) summed, unique viewers merged. */
const usageSums = (from = ''): string => `sum(${from}viewer_hours) AS viewer_hours,
    sum(${from}egress_gb) AS egress_gb,
    sum(${from}total_sessions) AS sessions,
    uniqCombinedMerge(${from}unique_viewers_state) AS unique_viewers,
    sum(${from}livepeer_seconds) AS livepeer_seconds,
    sum(${from}native_seconds) AS native_seconds,
    sum(${from}other_processing_seconds) AS other_processing_seconds,
    sum(${from}api_requests) AS api_requests,
    sum(${from}api_errors) AS api_errors`

/** The views, in the order they must be created (later ones read earlier ones). */
export function generatedViews (): GeneratedView[] {
  return [
    { name: 'attribution_acquisitions', query: acquisitionsView() },
    {
      name: 'attribution_bi_tenant_cohorts',
      query: `SELECT
    tenant_id,
    timestamp AS signed_up_at,
    toDate(timestamp) AS signup_day,
    toMonday(timestamp) AS signup_week,
    toStartOfMonth(timestamp) AS signup_month,
    signup_channel, signup_method, channel_group, client_kind, is_agent,
    utm_source, utm_medium, utm_campaign, referral_code, referral_status, first_touch_at
FROM attribution_acquisitions`
    },
    {
      name: 'attribution_bi_acquisition_daily',
      query: `SELECT
    toDate(timestamp) AS day,
    channel_group, signup_channel, signup_method, client_kind, is_agent,
    ifNull(utm_source, '') AS utm_source,
    ifNull(utm_medium, '') AS utm_medium,
    ifNull(utm_campaign, '') AS utm_campaign,
    ifNull(referral_code, '') AS referral_code,
    count() AS tenants
FROM attribution_acquisitions
GROUP BY day, channel_group, signup_channel, signup_method, client_kind, is_agent, utm_source, utm_medium, utm_campaign, referral_code`
    },
    {
      name: 'attribution_bi_usage_daily',
      query: `SELECT
    day, tenant_id, viewer_hours, egress_gb, total_sessions AS sessions,
    finalizeAggregation(unique_viewers_state) AS unique_viewers,
    livepeer_seconds, native_seconds, other_processing_seconds, api_requests, api_errors, refreshed_at
FROM attribution_usage_daily`
    },
    {
      name: 'attribution_bi_network_usage_daily',
      query: `SELECT
    day,
    ${usageSums()},
    count() AS active_tenants
FROM attribution_usage_daily
GROUP BY day`
    },
    {
      name: 'attribution_bi_cohort_usage_daily',
      query: `SELECT
    u.day AS day,
    if(c.attributed = 1, c.channel_group, 'unattributed') AS channel_group,
    if(c.attributed = 1, c.signup_channel, 'unattributed') AS signup_channel,
    if(c.attributed = 1, c.signup_method, 'unattributed') AS signup_method,
    if(c.attributed = 1, c.is_agent, 0) AS is_agent,
    ${usageSums('u.')},
    count() AS tenants
FROM attribution_usage_daily AS u
LEFT JOIN (
    SELECT tenant_id, channel_group, signup_channel, signup_method, is_agent, toUInt8(1) AS attributed
    FROM attribution_acquisitions
) AS c ON u.tenant_id = c.tenant_id
GROUP BY day, channel_group, signup_channel, signup_method, is_agent`
    }
  ]
}
