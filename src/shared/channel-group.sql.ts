/**
 * The channel group of an acquisition row, derived in ClickHouse SQL with the capture
 * plugin's own rule table.
 *
 * Why: FrameWorks' Go ingest writes `tenant_acquisition_events` rows that carry no channel
 * group, so reports derive the group of every row at query time. The rules are the `sql`
 * forms of `CHANNEL_RULES` (src/shared/channel.ts), evaluated in their order; this module
 * only does what `buildTouch` does before the rules run: values lower-cased, an empty string
 * read as absent, the referrer host taken from the stored URL as `hostOf` takes it (scheme
 * up to `//` dropped, then the port after the last `:` unless the host ends in `]`, then
 * one leading `www.`). `domain()` is not used: it gives `''` for IPv6 and trailing-dot hosts,
 * which `hostOf` keeps.
 *
 * Caveats (what the SQL cannot see):
 * - The capture plugin drops our own hosts and the excluded auth/payment/wallet hops before a
 *   referrer is stored; a Go row's `http_referer` had no such filter. Pass an already
 *   filtered `referrer` expression where that matters.
 * - Rows without a click id type or extra campaign parameters (Go rows) pass `NULL` and
 *   `[]`: a bare `gclid`, `fbclid`, `gad_source` or `mc_cid` visit then falls through to
 *   a later rule (referral, or direct).
 * - A row's referral code may come from the visitor's last touch while its utm values and
 *   referrer come from the first, so such a row derives `referral_program` where the plugin
 *   recorded the first touch's group.
 * - Values are taken as stored: the plugin and the ingest store them trimmed and without
 *   control characters; here only `''` is read as absent.
 * - Strings are UTF-8 in ClickHouse and UTF-16 in JavaScript; the two agree on valid text
 *   (lower-casing was compared on every code point), not on invalid UTF-8 a Go row might hold.
 * - ClickHouse has no `let`. Each derived value is bound once as the argument of a
 *   one-element `arrayMap` lambda: about 12 kB of SQL and 1 µs a row on chDB, where
 *   repeating the host table in every rule made 80 kB and ran eight times slower.
 */
import {
  CHANNEL_RULES, CHANNEL_RULES_VERSION, ruleContextSql, sqlString,
  type ChannelSqlInputs, type SqlRuleContext
} from './channel.ts'

export { CHANNEL_RULES_VERSION }

/** SQL expressions for the columns the rules read, as stored in an acquisition row. */
export interface ChannelSqlColumns {
  /** `utm_source`: String or Nullable(String), any case; `''` counts as absent. */
  source: string
  /** `utm_medium`: String or Nullable(String). */
  medium: string
  /** `utm_campaign`: String or Nullable(String). */
  campaign: string
  /** `http_referer`: the referer URL (scheme, host, path), String or Nullable(String); the host is taken from it here. */
  referrer: string
  /** Click-id parameter name (`gclid`, …), String or Nullable(String); `NULL` for rows that record none. */
  clickIdType: string
  /** Array(String) of extra campaign parameter names (`gad_source`, `mc_cid`, `utm_id`); `[]` for rows that record none. */
  extraParams: string
  /** UInt8 or Bool, non-zero when the row carries a referral code, e.g. `ifNull(referral_code, '') != ''`. */
  hasReferralCode: string
}

// Lambda parameters: local to the expression, so it can appear twice in one query.
const INPUT_NAMES: ChannelSqlInputs = {
  source: 'cg_source',
  medium: 'cg_medium',
  campaign: 'cg_campaign',
  referrerHost: 'cg_referrer_host',
  clickIdType: 'cg_click_id_type',
  extraParams: 'cg_extra_params',
  hasReferralCode: 'cg_has_referral_code'
}
const CONTEXT: SqlRuleContext = { inputs: INPUT_NAMES, source: 'cg_source_key', referrerKey: 'cg_referrer_key', paidMedium: 'cg_paid_medium' }

/** `body` with each name bound to its value, each value evaluated once. */
function bind (values: ReadonlyArray<readonly [name: string, value: string]>, body: string): string {
  return `arrayMap((${values.map(([name]) => name).join(', ')}) -> ${body}, ${values.map(([, value]) => `[${value}]`).join(', ')})[1]`
}

const absentIfEmpty = (expr: string): string => `nullIf(CAST(${expr} AS Nullable(String)), '')`

/**
 * `hostOf` of a Nullable(String) URL expression, with string functions (a regex capture
 * costs several times more). Exact for any URL with `//`, as every stored one has; without
 * one, both skip the first character (here a byte, there a UTF-16 unit).
 */
function hostOfSql (url: string): string {
  // After the first `//`, up to the next `/`.
  const authority = `substringIndex(substring(${url}, position(${url}, '//') + 2), '/', 1)`
  // Up to the last `:`, unless there is none or the host is a bracketed IPv6 address.
  const withoutPort = `if(position(${authority}, ':') = 0 OR endsWith(${authority}, ']'), ${authority}, substring(${authority}, 1, length(${authority}) - position(reverse(${authority}), ':')))`
  return `replaceRegexpOne(${withoutPort}, '^www\\\\.', '')`
}

/**
 * Evaluates `body` over the rule context of one row: the normalized inputs and the derived
 * source key, referrer key and paid-medium test, each computed once. `channelGroupSql` is
 * this with the rules as body; tests use it to read every rule's SQL form.
 */
export function channelContextSql (columns: ChannelSqlColumns, body: (c: SqlRuleContext) => string): string {
  const derived = ruleContextSql(INPUT_NAMES)
  const inner = bind([
    [CONTEXT.source, derived.source],
    [CONTEXT.referrerKey, derived.referrerKey],
    [CONTEXT.paidMedium, derived.paidMedium]
  ], body(CONTEXT))
  return bind([
    [INPUT_NAMES.source, `lowerUTF8(${absentIfEmpty(columns.source)})`],
    [INPUT_NAMES.medium, `lowerUTF8(${absentIfEmpty(columns.medium)})`],
    [INPUT_NAMES.campaign, `lowerUTF8(${absentIfEmpty(columns.campaign)})`],
    [INPUT_NAMES.referrerHost, hostOfSql(absentIfEmpty(columns.referrer))],
    [INPUT_NAMES.clickIdType, absentIfEmpty(columns.clickIdType)],
    [INPUT_NAMES.extraParams, `CAST(${columns.extraParams} AS Array(String))`],
    [INPUT_NAMES.hasReferralCode, `toUInt8(ifNull((${columns.hasReferralCode}) != 0, 0))`]
  ], inner)
}

/**
 * One ClickHouse expression (String) yielding the channel group of a row: a `multiIf` over
 * `CHANNEL_RULES` in order, first match wins, the last rule (`direct`) the fallback. It
 * starts with a `channel rules v<N>` comment; `CHANNEL_RULES_VERSION` (exported here too)
 * is the version to state in reports.
 */
export function channelGroupSql (columns: ChannelSqlColumns): string {
  const last = CHANNEL_RULES[CHANNEL_RULES.length - 1]!
  const groups = channelContextSql(columns, (c) => {
    const branches = CHANNEL_RULES.slice(0, -1).map((rule) => `${rule.sql(c)}, ${sqlString(rule.group)}`)
    return `multiIf(${branches.join(', ')}, ${sqlString(last.group)})`
  })
  return `/* channel rules v${CHANNEL_RULES_VERSION} */ ${groups}`
}
