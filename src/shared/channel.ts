/**
 * Channel grouping: GA4's default channel rules, plus an AI-assistant group and a
 * referral-program group, as one versioned, ordered table.
 *
 * Why our own table: GA4's rules live in Google's UI, Plausible's port is AGPL and
 * Snowplow's referrer list is GPL-derived, and none of them knows AI assistants (Perplexity
 * lands in Organic Search and ChatGPT in Referral elsewhere). The host lists below are ours,
 * kept short and explicit. Bump `CHANNEL_RULES_VERSION` whenever a rule or a list changes
 * meaning; the version is recorded with every signup (`metadata_json.channel_rules`).
 *
 * Inputs are lower-cased; the first matching rule wins.
 *
 * Each rule has two forms in one row: `test` (TypeScript, the capture path) and `sql`
 * (a ClickHouse boolean expression, for rows whose writer recorded no channel group; see
 * src/shared/channel-group.sql.ts). Lists, host keys and aliases are emitted into SQL
 * from the constants below, never retyped, and test/plugin/channel-sql.test.ts checks that
 * both forms agree rule by rule on a real engine. Change a rule in both forms or in neither.
 */
import type { ChannelGroup } from '../contracts.ts'

export const CHANNEL_RULES_VERSION = 1

/** What the rules look at, all lower-cased; null when absent. */
export interface ChannelInputs {
  /** `utm_source` (or a source alias), lower-cased. */
  source: string | null
  medium: string | null
  campaign: string | null
  /** Host of an external referrer (own hosts and excluded hops are already removed). */
  referrerHost: string | null
  clickIdType: string | null
  /** Other campaign parameters present (`gad_source`, `mc_cid`, `utm_id`). */
  extraParams: readonly string[]
  hasReferralCode: boolean
}

/** Well-known hosts mapped to a source key (the rest map to their brand label). */
export const HOST_KEYS: Readonly<Record<string, string>> = {
  'chat.openai.com': 'chatgpt',
  'chatgpt.com': 'chatgpt',
  'openai.com': 'chatgpt',
  'claude.ai': 'claude',
  'perplexity.ai': 'perplexity',
  'gemini.google.com': 'gemini',
  'bard.google.com': 'gemini',
  'copilot.microsoft.com': 'copilot',
  'copilot.cloud.microsoft': 'copilot',
  'chat.mistral.ai': 'mistral',
  'chat.deepseek.com': 'deepseek',
  'meta.ai': 'meta_ai',
  'grok.com': 'grok',
  'you.com': 'you',
  'phind.com': 'phind',
  'poe.com': 'poe',
  'kagi.com': 'kagi',
  'search.brave.com': 'brave',
  'news.ycombinator.com': 'hackernews',
  't.co': 'twitter',
  'x.com': 'twitter',
  'youtu.be': 'youtube',
  'bsky.app': 'bluesky',
  'lnkd.in': 'linkedin',
  'threads.net': 'threads',
  'mastodon.social': 'mastodon',
  'shopping.google.com': 'google_shopping',
  'mail.google.com': 'gmail',
  'outlook.live.com': 'outlook',
  'outlook.office.com': 'outlook',
  'outlook.office365.com': 'outlook',
  'mail.yahoo.com': 'yahoo_mail',
  'mail.proton.me': 'proton_mail',
  't.me': 'telegram',
  'wa.me': 'whatsapp',
  'web.whatsapp.com': 'whatsapp'
}

/** Source values people put in `utm_source` that mean the same key. */
export const SOURCE_ALIASES: Readonly<Record<string, string>> = {
  fb: 'facebook',
  ig: 'instagram',
  x: 'twitter',
  yt: 'youtube',
  li: 'linkedin',
  openai: 'chatgpt',
  bard: 'gemini',
  hn: 'hackernews',
  ycombinator: 'hackernews',
  'e-mail': 'email',
  e_mail: 'email',
  'e mail': 'email',
  'meta.ai': 'meta_ai'
}

const set = (...values: string[]): ReadonlySet<string> => new Set(values)

export const AI_ASSISTANT_SOURCES = set('chatgpt', 'claude', 'perplexity', 'gemini', 'copilot',
  'mistral', 'deepseek', 'meta_ai', 'grok', 'you', 'phind', 'poe')
export const SEARCH_SOURCES = set('google', 'bing', 'duckduckgo', 'yahoo', 'yandex', 'baidu',
  'ecosia', 'brave', 'startpage', 'qwant', 'naver', 'seznam', 'ask', 'aol', 'sogou', 'kagi', 'mojeek')
export const SOCIAL_SOURCES = set('facebook', 'instagram', 'twitter', 'linkedin', 'reddit',
  'pinterest', 'tiktok', 'snapchat', 'threads', 'bluesky', 'mastodon', 'hackernews', 'discord',
  'telegram', 'whatsapp', 'wechat', 'weibo', 'vk', 'quora', 'tumblr', 'producthunt')
export const VIDEO_SOURCES = set('youtube', 'vimeo', 'twitch', 'dailymotion', 'wistia')
export const SHOPPING_SOURCES = set('amazon', 'ebay', 'etsy', 'shopify', 'walmart', 'aliexpress',
  'alibaba', 'mercadolibre', 'google_shopping')
export const EMAIL_SOURCES = set('email', 'newsletter', 'gmail', 'outlook', 'yahoo_mail', 'proton_mail',
  'mailchimp', 'klaviyo')

const PAID_MEDIUM = /^(?:.*cp.*|ppc|retargeting|paid.*)$/
// GA4's `^(.*(([^a-df-z]|^)shop|shopping).*)$`, unanchored (same matches, no backtracking).
const SHOP_CAMPAIGN = /(?:[^a-df-z]|^)shop|shopping/
export const DISPLAY_MEDIUMS = set('display', 'banner', 'expandable', 'interstitial', 'cpm')
export const SOCIAL_MEDIUMS = set('social', 'social-network', 'social-media', 'sm', 'social network', 'social media')
export const EMAIL_VALUES = set('email', 'e-mail', 'e_mail', 'e mail')
export const REFERRAL_MEDIUMS = set('referral', 'app', 'link')
export const PAID_SEARCH_CLICK_IDS = set('gclid', 'gclsrc', 'gbraid', 'wbraid', 'msclkid')
export const PAID_SOCIAL_CLICK_IDS = set('ttclid', 'twclid', 'li_fat_id', 'rdt_cid', 'sccid', 'epik', 'qclid')
export const SOCIAL_CLICK_IDS = set('fbclid', 'igshid')
const TWO_LEVEL_SECOND = set('co', 'com', 'org', 'net', 'ac', 'gov', 'edu', 'ne', 'or', 'gob')
/** Host prefixes dropped before a host is looked up (the first that matches). */
export const HOST_PREFIXES = Object.freeze(['www.', 'm.', 'l.', 'lm.', 'mobile.'])

/**
 * The source key of a host: an explicit entry, else the brand label of a bare registrable
 * domain (`google.co.uk` → `google`, but `docs.google.com` stays itself so it never counts
 * as a search engine).
 */
export function hostSourceKey (rawHost: string): string {
  let host = rawHost.toLowerCase()
  for (const prefix of HOST_PREFIXES) {
    if (host.startsWith(prefix)) { host = host.slice(prefix.length); break }
  }
  const known = HOST_KEYS[host]
  if (known !== undefined) return known
  const labels = host.split('.')
  if (labels.length === 2) return labels[0]!
  if (labels.length === 3 && labels[2]!.length === 2 && TWO_LEVEL_SECOND.has(labels[1]!)) return labels[0]!
  return host
}

/** The source key of a `utm_source` value (which may be a host or an alias). */
export function sourceKey (source: string): string {
  const lower = source.toLowerCase()
  const alias = SOURCE_ALIASES[lower]
  if (alias !== undefined) return alias
  return lower.includes('.') ? hostSourceKey(lower) : lower
}

/** Precomputed view of the inputs the rules test. */
export interface RuleContext {
  readonly inputs: ChannelInputs
  /** Source key from `utm_source`, else from the referrer host. */
  readonly source: string | null
  readonly referrerKey: string | null
  readonly paidMedium: boolean
}

/** ClickHouse expressions of the rule inputs, normalized as `ChannelInputs` are. */
export interface ChannelSqlInputs {
  /** Nullable(String): `utm_source`, lower-cased; NULL when absent. */
  readonly source: string
  /** Nullable(String), lower-cased. */
  readonly medium: string
  /** Nullable(String), lower-cased. */
  readonly campaign: string
  /** Nullable(String): host of the external referrer, as `hostOf` gives it. */
  readonly referrerHost: string
  /** Nullable(String): the click-id parameter name. */
  readonly clickIdType: string
  /** Array(String): other campaign parameter names present. */
  readonly extraParams: string
  /** UInt8 (0 or 1, never NULL). */
  readonly hasReferralCode: string
}

/** The SQL twin of `RuleContext`: every member is a ClickHouse expression. */
export interface SqlRuleContext {
  readonly inputs: ChannelSqlInputs
  /** Nullable(String). */
  readonly source: string
  /** Nullable(String). */
  readonly referrerKey: string
  /** UInt8. */
  readonly paidMedium: string
}

export interface ChannelRule {
  /** Stable rule id, as documented in the README. */
  readonly id: string
  readonly group: ChannelGroup
  /** One line for the README table. */
  readonly when: string
  readonly test: (c: RuleContext) => boolean
  /** The same test as a ClickHouse expression that is 1 or 0, never NULL. */
  readonly sql: (c: SqlRuleContext) => string
}

/** A ClickHouse string literal (backslashes and quotes escaped), for our own constants: request values are bound, never spliced. */
export function sqlString (value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

/** A ClickHouse `Array(String)` literal, in iteration order. */
function sqlStringArray (values: Iterable<string>): string {
  return `[${Array.from(values, sqlString).join(', ')}]`
}

/**
 * 1 when `expr` is one of `values`, else 0 (NULL included). `IN` over a literal list is a
 * hash lookup; `has([...], x)` costs about ten times more per row.
 */
function sqlIn (expr: string, values: Iterable<string>): string {
  const list = Array.from(values, sqlString)
  if (list.length === 0) return '0'
  return `ifNull(${expr} IN (${list.join(', ')}), 0)`
}

const re2Literal = (text: string): string => text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')

// A JavaScript `.` (no `s` flag) stops at line terminators; ClickHouse compiles `match()`
// patterns with `.` matching `\n`, so the class is spelled out.
const JS_DOT = '[^\\n\\r\\x{2028}\\x{2029}]'

/**
 * The RE2 pattern (ClickHouse `match()`, UTF-8) that accepts exactly the strings `re`
 * accepts. It covers what the rules use: literals, classes, groups, alternation, anchors,
 * and `.` only in `.*` or `.+` (a JavaScript `.` is one UTF-16 unit and an RE2 `.` one
 * code point: runs of them match the same strings, a fixed count does not). Anything else
 * throws when this module loads, so a new pattern cannot reach SQL mistranslated.
 */
export function re2Of (re: RegExp): string {
  const src = re.source
  const refuse = (why: string): never => { throw new Error(`re2Of(${String(re)}): ${why} is not translated`) }
  if (re.flags !== '') refuse('a flag')
  let out = ''
  let inClass = false
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!
    if (ch === '\\') refuse('an escape')
    if (inClass) {
      if (ch === ']') inClass = false
      out += ch
    } else if (ch === '[') {
      // `[]` and `[^]` mean different things in JavaScript and RE2.
      if (src[i + 1] === ']' || src.startsWith('^]', i + 1)) refuse('an empty class')
      inClass = true
      out += ch
    } else if (ch === '(' && src[i + 1] === '?' && src[i + 2] !== ':') {
      refuse('a lookaround or named group')
    } else if (ch === '.') {
      if (src[i + 1] !== '*' && src[i + 1] !== '+') refuse('a `.` outside `.*`/`.+`')
      out += JS_DOT
    } else {
      out += ch
    }
  }
  return out
}

const PAID_MEDIUM_SQL = sqlString(re2Of(PAID_MEDIUM))
const SHOP_CAMPAIGN_SQL = sqlString(re2Of(SHOP_CAMPAIGN))
// RE2 alternation prefers the earlier branch, as `hostSourceKey`'s loop takes the first prefix.
const HOST_PREFIX_SQL = sqlString(`^(?:${HOST_PREFIXES.map(re2Literal).join('|')})`)
const HOST_KEYS_SQL = `${sqlStringArray(Object.keys(HOST_KEYS))}, ${sqlStringArray(Object.values(HOST_KEYS))}`
const SOURCE_ALIASES_SQL = `${sqlStringArray(Object.keys(SOURCE_ALIASES))}, ${sqlStringArray(Object.values(SOURCE_ALIASES))}`

/** `hostSourceKey` of a Nullable(String) expression (NULL stays NULL). */
export function hostSourceKeySql (host: string): string {
  const stripped = `replaceRegexpOne(lowerUTF8(${host}), ${HOST_PREFIX_SQL}, '')`
  const labels = `splitByChar('.', ifNull(${stripped}, ''))`
  // `length === 2` counts UTF-16 units: an astral character (4 UTF-8 bytes) counts twice.
  const top = `${labels}[3]`
  const topIsTwoUnits = `lengthUTF8(${top}) + countMatches(${top}, '[\\\\x{10000}-\\\\x{10FFFF}]') = 2`
  const brand = `multiIf(length(${labels}) = 2, ${labels}[1], length(${labels}) = 3 AND ${sqlIn(`${labels}[2]`, TWO_LEVEL_SECOND)} AND ${topIsTwoUnits}, ${labels}[1], ${stripped})`
  // A NULL host falls through every branch to `stripped`, which is NULL.
  return `transform(${stripped}, ${HOST_KEYS_SQL}, ${brand})`
}

/** `sourceKey` of a Nullable(String) expression (NULL stays NULL). */
export function sourceKeySql (source: string): string {
  const lower = `lowerUTF8(${source})`
  return `transform(${lower}, ${SOURCE_ALIASES_SQL}, if(position(${lower}, '.') > 0, ${hostSourceKeySql(lower)}, ${lower}))`
}

/** The derived members of `SqlRuleContext`, built as `ruleContext` builds them. */
export function ruleContextSql (inputs: ChannelSqlInputs): Omit<SqlRuleContext, 'inputs'> {
  const referrerKey = hostSourceKeySql(inputs.referrerHost)
  // `sourceKey` of a present source is never NULL.
  const source = `coalesce(${sourceKeySql(inputs.source)}, ${referrerKey})`
  const paidMedium = `(${inputs.medium} IS NOT NULL AND match(${inputs.medium}, ${PAID_MEDIUM_SQL}))`
  return { source, referrerKey, paidMedium }
}

const sourceIn = (c: RuleContext, list: ReadonlySet<string>): boolean => c.source !== null && list.has(c.source)
const mediumIn = (c: RuleContext, list: ReadonlySet<string>): boolean => c.inputs.medium !== null && list.has(c.inputs.medium)
const clickIn = (c: RuleContext, list: ReadonlySet<string>): boolean => c.inputs.clickIdType !== null && list.has(c.inputs.clickIdType)
const shopCampaign = (c: RuleContext): boolean => c.inputs.campaign !== null && SHOP_CAMPAIGN.test(c.inputs.campaign)

// SQL twins of the helpers above; `ifNull` keeps every test 0 or 1, as the TypeScript is.
const or = (...terms: string[]): string => `(${terms.join(' OR ')})`
const and = (...terms: string[]): string => `(${terms.join(' AND ')})`
const sqlSourceIn = (c: SqlRuleContext, list: ReadonlySet<string>): string => sqlIn(c.source, list)
const sqlMediumIn = (c: SqlRuleContext, list: ReadonlySet<string>): string => sqlIn(c.inputs.medium, list)
const sqlClickIn = (c: SqlRuleContext, list: ReadonlySet<string>): string => sqlIn(c.inputs.clickIdType, list)
const sqlShopCampaign = (c: SqlRuleContext): string => `(${c.inputs.campaign} IS NOT NULL AND match(${c.inputs.campaign}, ${SHOP_CAMPAIGN_SQL}))`
const sqlIs = (expr: string, value: string): string => `ifNull(${expr} = ${sqlString(value)}, 0)`
const sqlContains = (expr: string, part: string): string => `ifNull(position(${expr}, ${sqlString(part)}) > 0, 0)`
const sqlHasParam = (c: SqlRuleContext, name: string): string => `has(${c.inputs.extraParams}, ${sqlString(name)})`

/** The rule table, in evaluation order; each row holds its TypeScript and its SQL form. */
export const CHANNEL_RULES: readonly ChannelRule[] = Object.freeze([
  {
    id: 'cross_network', group: 'cross_network', when: 'campaign contains `cross-network`',
    test: (c) => c.inputs.campaign?.includes('cross-network') === true,
    sql: (c) => sqlContains(c.inputs.campaign, 'cross-network')
  },
  {
    id: 'paid_shopping', group: 'paid_shopping', when: '(shopping source or campaign matches `shop`/`shopping`) and paid medium',
    test: (c) => c.paidMedium && (sourceIn(c, SHOPPING_SOURCES) || shopCampaign(c)),
    sql: (c) => and(c.paidMedium, or(sqlSourceIn(c, SHOPPING_SOURCES), sqlShopCampaign(c)))
  },
  {
    id: 'paid_search', group: 'paid_search', when: '(search source and paid medium) or a `gclid`/`gclsrc`/`gbraid`/`wbraid`/`msclkid` click id or `gad_source`',
    test: (c) => (c.paidMedium && sourceIn(c, SEARCH_SOURCES)) || clickIn(c, PAID_SEARCH_CLICK_IDS) || c.inputs.extraParams.includes('gad_source'),
    sql: (c) => or(and(c.paidMedium, sqlSourceIn(c, SEARCH_SOURCES)), sqlClickIn(c, PAID_SEARCH_CLICK_IDS), sqlHasParam(c, 'gad_source'))
  },
  {
    id: 'paid_social', group: 'paid_social', when: '(social source and paid medium) or a `ttclid`/`twclid`/`li_fat_id`/`rdt_cid`/`sccid`/`epik`/`qclid` click id',
    test: (c) => (c.paidMedium && sourceIn(c, SOCIAL_SOURCES)) || clickIn(c, PAID_SOCIAL_CLICK_IDS),
    sql: (c) => or(and(c.paidMedium, sqlSourceIn(c, SOCIAL_SOURCES)), sqlClickIn(c, PAID_SOCIAL_CLICK_IDS))
  },
  {
    id: 'paid_video', group: 'paid_video', when: 'video source and paid medium',
    test: (c) => c.paidMedium && sourceIn(c, VIDEO_SOURCES),
    sql: (c) => and(c.paidMedium, sqlSourceIn(c, VIDEO_SOURCES))
  },
  {
    id: 'display', group: 'display', when: 'medium `display`, `banner`, `expandable`, `interstitial` or `cpm`, or a `dclid` click id',
    test: (c) => mediumIn(c, DISPLAY_MEDIUMS) || c.inputs.clickIdType === 'dclid',
    sql: (c) => or(sqlMediumIn(c, DISPLAY_MEDIUMS), sqlIs(c.inputs.clickIdType, 'dclid'))
  },
  {
    id: 'paid_other', group: 'paid_other', when: 'paid medium (`^(.*cp.*|ppc|retargeting|paid.*)$`)',
    test: (c) => c.paidMedium,
    sql: (c) => c.paidMedium
  },
  {
    id: 'organic_shopping', group: 'organic_shopping', when: 'shopping source or campaign matches `shop`/`shopping`',
    test: (c) => sourceIn(c, SHOPPING_SOURCES) || shopCampaign(c),
    sql: (c) => or(sqlSourceIn(c, SHOPPING_SOURCES), sqlShopCampaign(c))
  },
  {
    id: 'organic_social', group: 'organic_social', when: 'social source, medium `social`/`social-network`/`social-media`/`sm`, or a `fbclid`/`igshid` click id',
    test: (c) => sourceIn(c, SOCIAL_SOURCES) || mediumIn(c, SOCIAL_MEDIUMS) || clickIn(c, SOCIAL_CLICK_IDS),
    sql: (c) => or(sqlSourceIn(c, SOCIAL_SOURCES), sqlMediumIn(c, SOCIAL_MEDIUMS), sqlClickIn(c, SOCIAL_CLICK_IDS))
  },
  {
    id: 'organic_video', group: 'organic_video', when: 'video source or medium containing `video`',
    test: (c) => sourceIn(c, VIDEO_SOURCES) || c.inputs.medium?.includes('video') === true,
    sql: (c) => or(sqlSourceIn(c, VIDEO_SOURCES), sqlContains(c.inputs.medium, 'video'))
  },
  {
    id: 'ai_assistant', group: 'ai_assistant', when: 'AI assistant as source or referrer (chatgpt.com, claude.ai, perplexity.ai, gemini.google.com, copilot.microsoft.com, …)',
    test: (c) => sourceIn(c, AI_ASSISTANT_SOURCES) || (c.referrerKey !== null && AI_ASSISTANT_SOURCES.has(c.referrerKey)),
    sql: (c) => or(sqlSourceIn(c, AI_ASSISTANT_SOURCES), sqlIn(c.referrerKey, AI_ASSISTANT_SOURCES))
  },
  {
    id: 'organic_search', group: 'organic_search', when: 'search source (engine as referrer or `utm_source`) or medium `organic`',
    test: (c) => sourceIn(c, SEARCH_SOURCES) || c.inputs.medium === 'organic',
    sql: (c) => or(sqlSourceIn(c, SEARCH_SOURCES), sqlIs(c.inputs.medium, 'organic'))
  },
  {
    id: 'email', group: 'email', when: 'source or medium `email`/`e-mail`/`e_mail`, a webmail referrer, a `_kx` click id or `mc_cid`',
    test: (c) => sourceIn(c, EMAIL_SOURCES) || mediumIn(c, EMAIL_VALUES) || c.inputs.clickIdType === '_kx' || c.inputs.extraParams.includes('mc_cid'),
    sql: (c) => or(sqlSourceIn(c, EMAIL_SOURCES), sqlMediumIn(c, EMAIL_VALUES), sqlIs(c.inputs.clickIdType, '_kx'), sqlHasParam(c, 'mc_cid'))
  },
  {
    id: 'affiliate', group: 'affiliate', when: 'medium `affiliate` or an `irclid` click id',
    test: (c) => c.inputs.medium === 'affiliate' || c.inputs.clickIdType === 'irclid',
    sql: (c) => or(sqlIs(c.inputs.medium, 'affiliate'), sqlIs(c.inputs.clickIdType, 'irclid'))
  },
  {
    id: 'audio', group: 'audio', when: 'medium `audio`',
    test: (c) => c.inputs.medium === 'audio',
    sql: (c) => sqlIs(c.inputs.medium, 'audio')
  },
  {
    id: 'sms', group: 'sms', when: 'source or medium `sms`',
    test: (c) => c.source === 'sms' || c.inputs.medium === 'sms',
    sql: (c) => or(sqlIs(c.source, 'sms'), sqlIs(c.inputs.medium, 'sms'))
  },
  {
    id: 'mobile_push', group: 'mobile_push', when: 'medium ending in `push` or containing `mobile`/`notification`, or source `firebase`',
    test: (c) => { const m = c.inputs.medium; return (m !== null && (m.endsWith('push') || m.includes('mobile') || m.includes('notification'))) || c.source === 'firebase' },
    sql: (c) => or(`ifNull(endsWith(${c.inputs.medium}, 'push'), 0)`, sqlContains(c.inputs.medium, 'mobile'), sqlContains(c.inputs.medium, 'notification'), sqlIs(c.source, 'firebase'))
  },
  {
    id: 'referral_program', group: 'referral_program', when: 'a referral code (query parameter or `/r/:code`)',
    test: (c) => c.inputs.hasReferralCode,
    sql: (c) => c.inputs.hasReferralCode
  },
  {
    id: 'referral', group: 'referral', when: 'medium `referral`/`app`/`link`, an external referrer, or any other tagged source',
    test: (c) => mediumIn(c, REFERRAL_MEDIUMS) || c.inputs.referrerHost !== null || c.source !== null,
    sql: (c) => or(sqlMediumIn(c, REFERRAL_MEDIUMS), `(${c.inputs.referrerHost} IS NOT NULL)`, `(${c.source} IS NOT NULL)`)
  },
  { id: 'direct', group: 'direct', when: 'nothing of the above', test: () => true, sql: () => '1' }
] satisfies ChannelRule[])

/** Builds the rule context (source keys and the paid-medium test) once per touch. */
export function ruleContext (inputs: ChannelInputs): RuleContext {
  const referrerKey = inputs.referrerHost === null ? null : hostSourceKey(inputs.referrerHost)
  const source = inputs.source !== null ? sourceKey(inputs.source) : referrerKey
  const paidMedium = inputs.medium !== null && PAID_MEDIUM.test(inputs.medium)
  return { inputs, source, referrerKey, paidMedium }
}

/** The matching rule for a touch's inputs (the last rule always matches). */
export function matchChannelRule (inputs: ChannelInputs): ChannelRule {
  const context = ruleContext(inputs)
  for (const rule of CHANNEL_RULES) if (rule.test(context)) return rule
  return CHANNEL_RULES[CHANNEL_RULES.length - 1]!
}

/** The channel group of a touch's inputs. */
export function channelGroupOf (inputs: ChannelInputs): ChannelGroup {
  return matchChannelRule(inputs).group
}
