import t, { test } from 'tap'
import fc from 'fast-check'
import { CHANNEL_RULES_VERSION, channelContextSql, channelGroupSql, type ChannelSqlColumns } from '../../src/shared/channel-group.sql.ts'
import { openClickHouse } from '../../src/clickhouse/client.ts'
import {
  AI_ASSISTANT_SOURCES, CHANNEL_RULES, DISPLAY_MEDIUMS, EMAIL_SOURCES, EMAIL_VALUES, HOST_KEYS, HOST_PREFIXES,
  REFERRAL_MEDIUMS, SEARCH_SOURCES, SHOPPING_SOURCES, SOCIAL_MEDIUMS, SOCIAL_SOURCES, SOURCE_ALIASES, VIDEO_SOURCES,
  matchChannelRule, re2Of, ruleContext, sqlString, type ChannelInputs
} from '../../src/shared/channel.ts'
import { CLICK_ID_PARAMS, EXTRA_CAMPAIGN_PARAMS } from '../../src/plugin/params.ts'
import { hostOf, sanitizeUrl } from '../../src/shared/sanitize.ts'
import { buildTouch } from '../../src/plugin/touch.ts'
import { assertProperty } from '../helpers/property.ts'

// CLICKHOUSE_URL runs the parity on a server; otherwise chDB in a temporary directory.
const ch = await openClickHouse(process.env.CLICKHOUSE_URL !== undefined ? { url: process.env.CLICKHOUSE_URL } : {})
t.teardown(() => ch.close())

/** The inputs of an acquisition row as stored; `''` is an empty value, which capture reads as absent. */
interface StoredRow {
  utm_source: string | null
  utm_medium: string | null
  utm_campaign: string | null
  http_referer: string | null
  click_id_type: string | null
  extra: string[]
  referral_code: string | null
}

const EMPTY: StoredRow = { utm_source: null, utm_medium: null, utm_campaign: null, http_referer: null, click_id_type: null, extra: [], referral_code: null }
const row = (over: Partial<StoredRow>): StoredRow => ({ ...EMPTY, ...over })
const present = (v: string | null): string | null => v === '' ? null : v

/** What `buildTouch` hands the rules for this row (checked against `buildTouch` below). */
function inputsOf (r: StoredRow): ChannelInputs {
  const lower = (v: string | null): string | null => present(v)?.toLowerCase() ?? null
  return {
    source: lower(r.utm_source),
    medium: lower(r.utm_medium),
    campaign: lower(r.utm_campaign),
    referrerHost: hostOf(present(r.http_referer)),
    clickIdType: present(r.click_id_type),
    extraParams: r.extra,
    hasReferralCode: present(r.referral_code) !== null
  }
}

function touchGroupOf (r: StoredRow): string {
  const params = {
    utm_source: present(r.utm_source), utm_medium: present(r.utm_medium), utm_campaign: present(r.utm_campaign),
    utm_content: null, utm_term: null, click_id_type: present(r.click_id_type), referral_code: present(r.referral_code), extra: r.extra
  }
  return buildTouch(0, params, present(r.http_referer), null).channel_group
}

const COLUMNS: ChannelSqlColumns = {
  source: 'utm_source',
  medium: 'utm_medium',
  campaign: 'utm_campaign',
  referrer: 'http_referer',
  clickIdType: 'click_id_type',
  extraParams: 'extra',
  hasReferralCode: "ifNull(referral_code, '') != ''"
}
const STRUCTURE = 'id UInt32, utm_source Nullable(String), utm_medium Nullable(String), utm_campaign Nullable(String), http_referer Nullable(String), click_id_type Nullable(String), extra Array(String), referral_code Nullable(String)'

/** Both forms of one row: group, then source key, referrer key, paid medium and every rule's hit. */
interface Verdict {
  group: string
  context: [string | null, string | null, number, number[]]
}

function tsVerdict (r: StoredRow): Verdict {
  const c = ruleContext(inputsOf(r))
  return {
    group: matchChannelRule(c.inputs).group,
    context: [c.source, c.referrerKey, c.paidMedium ? 1 : 0, CHANNEL_RULES.map((rule) => rule.test(c) ? 1 : 0)]
  }
}

const CONTEXT_SQL = channelContextSql(COLUMNS, (c) =>
  `(${c.source}, ${c.referrerKey}, toUInt8(${c.paidMedium}), [${CHANNEL_RULES.map((rule) => `toUInt8(${rule.sql(c)})`).join(', ')}])`)

/** Both SQL forms of every row, in one query (rows travel as one bound JSON parameter). */
async function sqlVerdicts (rows: readonly StoredRow[], columns: ChannelSqlColumns = COLUMNS): Promise<Verdict[]> {
  const json = rows.map((r, id) => JSON.stringify({ id, ...r })).join('\n')
  const res = await ch.client.query({
    query: `SELECT ${channelGroupSql(columns)} AS group, ${CONTEXT_SQL} AS context
FROM format(JSONEachRow, ${sqlString(STRUCTURE)}, {rows:String}) ORDER BY id`,
    query_params: { rows: json },
    format: 'JSONEachRow'
  })
  return await res.json<Verdict>()
}

/** Hand-built rows: each names the rule the TypeScript form must pick. */
const CASES: Array<{ rule: string, row: StoredRow }> = [
  { rule: 'cross_network', row: row({ utm_source: 'Google', utm_medium: 'CPC', utm_campaign: 'PMax Cross-Network Q3' }) },
  { rule: 'paid_shopping', row: row({ utm_source: 'amazon', utm_medium: 'cpc' }) },
  { rule: 'paid_shopping', row: row({ utm_source: 'google', utm_medium: 'ppc', utm_campaign: 'E-Shop spring' }) },
  { rule: 'paid_search', row: row({ utm_source: 'google', utm_medium: 'cpc' }) },
  { rule: 'paid_search', row: row({ utm_source: 'www.Bing.com', utm_medium: 'paid-search' }) },
  { rule: 'paid_search', row: row({ click_id_type: 'gclid', http_referer: 'https://www.google.com/' }) },
  { rule: 'paid_search', row: row({ extra: ['gad_source'] }) },
  { rule: 'paid_social', row: row({ utm_source: 'FB', utm_medium: 'Paid_Social' }) },
  { rule: 'paid_social', row: row({ click_id_type: 'ttclid' }) },
  { rule: 'paid_video', row: row({ utm_source: 'youtube', utm_medium: 'cpv' }) },
  { rule: 'paid_video', row: row({ utm_source: 'yt', utm_medium: 'paid' }) },
  { rule: 'display', row: row({ utm_source: 'dv360', utm_medium: 'Banner' }) },
  { rule: 'display', row: row({ click_id_type: 'dclid' }) },
  { rule: 'paid_other', row: row({ utm_source: 'carbon', utm_medium: 'ppc' }) },
  { rule: 'paid_other', row: row({ utm_medium: 'retargeting' }) },
  { rule: 'organic_shopping', row: row({ http_referer: 'https://www.etsy.com/listing/1' }) },
  { rule: 'organic_shopping', row: row({ http_referer: 'https://shopping.google.com/' }) },
  { rule: 'organic_shopping', row: row({ utm_source: 'partner', utm_campaign: 'Shopping week' }) },
  { rule: 'organic_social', row: row({ http_referer: 'https://t.co/abc' }) },
  { rule: 'organic_social', row: row({ http_referer: 'https://lm.facebook.com/l.php' }) },
  { rule: 'organic_social', row: row({ http_referer: 'https://m.facebook.com:443/story' }) },
  { rule: 'organic_social', row: row({ http_referer: 'https://news.ycombinator.com/item' }) },
  { rule: 'organic_social', row: row({ utm_source: 'partner', utm_medium: 'social' }) },
  { rule: 'organic_social', row: row({ utm_source: 'x' }) },
  { rule: 'organic_social', row: row({ click_id_type: 'fbclid' }) },
  { rule: 'organic_video', row: row({ http_referer: 'https://www.youtube.com/watch' }) },
  { rule: 'organic_video', row: row({ http_referer: 'https://youtu.be/x' }) },
  { rule: 'organic_video', row: row({ utm_source: 'webinar', utm_medium: 'Video' }) },
  { rule: 'ai_assistant', row: row({ http_referer: 'https://chatgpt.com/' }) },
  { rule: 'ai_assistant', row: row({ utm_source: 'ChatGPT.com' }) },
  { rule: 'ai_assistant', row: row({ utm_source: 'openai' }) },
  { rule: 'ai_assistant', row: row({ utm_source: 'meta.ai' }) },
  { rule: 'ai_assistant', row: row({ http_referer: 'https://www.perplexity.ai/search/x' }) },
  { rule: 'ai_assistant', row: row({ http_referer: 'https://gemini.google.com/app' }) },
  { rule: 'ai_assistant', row: row({ utm_source: 'newsletter', http_referer: 'https://chat.openai.com/c/1' }) },
  { rule: 'organic_search', row: row({ http_referer: 'https://www.google.com/' }) },
  { rule: 'organic_search', row: row({ http_referer: 'https://www.google.co.uk/' }) },
  { rule: 'organic_search', row: row({ http_referer: 'https://google.com.au/' }) },
  { rule: 'organic_search', row: row({ http_referer: 'http://www.bing.com:8080/search' }) },
  { rule: 'organic_search', row: row({ http_referer: 'https://search.brave.com/search' }) },
  { rule: 'organic_search', row: row({ utm_source: '', http_referer: 'https://duckduckgo.com/' }) },
  { rule: 'organic_search', row: row({ utm_source: 'partner', utm_medium: 'organic' }) },
  { rule: 'email', row: row({ utm_source: 'newsletter', utm_medium: 'email' }) },
  { rule: 'email', row: row({ utm_medium: 'E-Mail' }) },
  { rule: 'email', row: row({ utm_source: 'e mail' }) },
  { rule: 'email', row: row({ http_referer: 'https://mail.google.com/mail/u/0/' }) },
  { rule: 'email', row: row({ extra: ['mc_cid'] }) },
  { rule: 'email', row: row({ click_id_type: '_kx' }) },
  { rule: 'affiliate', row: row({ utm_source: 'partnerstack', utm_medium: 'affiliate' }) },
  { rule: 'affiliate', row: row({ click_id_type: 'irclid' }) },
  { rule: 'audio', row: row({ utm_source: 'spotify', utm_medium: 'audio' }) },
  { rule: 'sms', row: row({ utm_source: 'SMS' }) },
  { rule: 'mobile_push', row: row({ utm_source: 'app', utm_medium: 'web-push' }) },
  { rule: 'mobile_push', row: row({ utm_medium: 'in-app notification' }) },
  { rule: 'mobile_push', row: row({ utm_source: 'firebase' }) },
  { rule: 'referral_program', row: row({ referral_code: 'FRIEND42' }) },
  { rule: 'referral_program', row: row({ referral_code: 'FRIEND42', http_referer: 'https://blog.example.org/post' }) },
  { rule: 'referral', row: row({ http_referer: 'https://blog.example.org/post' }) },
  { rule: 'referral', row: row({ http_referer: 'https://docs.google.com/document/d/1' }) },
  { rule: 'referral', row: row({ http_referer: 'https://[::1]:8080/x' }) },
  { rule: 'referral', row: row({ http_referer: 'https://[2001:db8::1]/x' }) },
  { rule: 'referral', row: row({ http_referer: 'https://example.com./' }) },
  { rule: 'referral', row: row({ utm_source: 'partner', utm_medium: 'link' }) },
  { rule: 'referral', row: row({ utm_source: "O'Reilly\\feed" }) },
  { rule: 'referral', row: row({ utm_source: '.com' }) },
  { rule: 'referral', row: row({ utm_source: 'brand.co.😀' }) },
  { rule: 'referral', row: row({ utm_source: 'brand.com.éé' }) },
  { rule: 'direct', row: EMPTY },
  { rule: 'direct', row: row({ utm_source: '', utm_medium: '', utm_campaign: '', http_referer: '', click_id_type: '', referral_code: '' }) },
  { rule: 'direct', row: row({ extra: ['utm_id'] }) }
]

test('every hand-built row picks its rule in TypeScript and the same group in SQL', async (t) => {
  const sql = await sqlVerdicts(CASES.map((c) => c.row))
  CASES.forEach(({ rule, row: r }, i) => {
    const label = `${rule} ${JSON.stringify(r)}`
    t.equal(matchChannelRule(inputsOf(r)).id, rule, label)
    t.equal(touchGroupOf(r), tsVerdict(r).group, `buildTouch agrees: ${label}`)
    t.same(sql[i], tsVerdict(r), label)
  })
})

test('every rule of the table has a hand-built row', async (t) => {
  t.same(new Set(CASES.map((c) => c.rule)), new Set(CHANNEL_RULES.map((r) => r.id)))
})

test('the SQL form accepts LowCardinality, String and literal NULL and [] columns', async (t) => {
  const columns: ChannelSqlColumns = {
    source: 'CAST(utm_source AS LowCardinality(Nullable(String)))',
    medium: "ifNull(utm_medium, '')",
    campaign: 'utm_campaign',
    referrer: "toLowCardinality(ifNull(http_referer, ''))",
    clickIdType: 'NULL',
    extraParams: '[]',
    hasReferralCode: 'referral_code IS NOT NULL'
  }
  // Rows a Go writer could hold: no click id, no extra parameters, no empty referral code.
  const rows = CASES.map((c) => c.row).filter((r) => present(r.click_id_type) === null && r.extra.length === 0 && r.referral_code !== '')
  const groups = (await sqlVerdicts(rows, columns)).map((v) => v.group)
  t.same(groups, rows.map((r) => tsVerdict(r).group))
})

test('the generated SQL states the rules version', async (t) => {
  t.match(channelGroupSql(COLUMNS), `/* channel rules v${CHANNEL_RULES_VERSION} */`)
})

test('regex translation refuses what it cannot carry over to RE2', async (t) => {
  t.equal(re2Of(/^a.*b$/), '^a[^\\n\\r\\x{2028}\\x{2029}]*b$')
  t.throws(() => re2Of(/a.b/), /outside/)
  t.throws(() => re2Of(/a\.b/), /escape/)
  t.throws(() => re2Of(/ab/i), /flag/)
  t.throws(() => re2Of(/a(?=b)/), /lookaround/)
})

// Generated rows, drawn from the rule table's own lists plus noise.
const word = fc.string({ unit: 'binary', maxLength: 12 })
const cased = (values: Iterable<string>): fc.Arbitrary<string> => fc.mixedCase(fc.constantFrom(...values))
const hostNames = [
  ...Object.keys(HOST_KEYS), ...[...SEARCH_SOURCES, ...SOCIAL_SOURCES, ...VIDEO_SOURCES, ...SHOPPING_SOURCES].map((s) => `${s}.com`),
  'google.co.uk', 'google.com.au', 'bbc.co.uk', 'docs.google.com', 'blog.example.org', 'a.b.c.d', 'co.uk'
]
const oddHosts = ['[::1]', '[2001:db8::1]', '127.0.0.1', 'example.com.', 'xn--bcher-kva.de', 'localhost', 'www.www.google.com', 'WWW.Google.COM']
// `brand.<second>.<top>`: where `hostSourceKey` counts the top label's UTF-16 units.
const brandHost = fc.tuple(word, fc.constantFrom('co', 'com', 'org', 'blog'), fc.oneof(fc.constantFrom('uk', 'éé', '😀', 'é', 'com'), word))
  .map(([brand, second, top]) => `${brand}.${second}.${top}`)
const host = fc.tuple(fc.constantFrom('', ...HOST_PREFIXES), fc.oneof(cased(hostNames), fc.constantFrom(...oddHosts), brandHost, fc.domain()), fc.constantFrom('', ':8080', ':443', ':'))
  .map(([prefix, name, port]) => prefix + name + port)
const url = fc.tuple(fc.constantFrom('https://', 'http://', 'android-app://'), host, fc.constantFrom('', '/', '/x/y', '/a:b'))
  .chain(([scheme, h, path]) => fc.constantFrom(scheme + h + path, sanitizeUrl(scheme + h + path, 1024)))
const sourceWords = [
  ...Object.keys(SOURCE_ALIASES), ...AI_ASSISTANT_SOURCES, ...SEARCH_SOURCES, ...SOCIAL_SOURCES, ...VIDEO_SOURCES,
  ...SHOPPING_SOURCES, ...EMAIL_SOURCES, 'sms', 'firebase', 'partner', '.com'
]
const mediumWords = [
  ...DISPLAY_MEDIUMS, ...SOCIAL_MEDIUMS, ...EMAIL_VALUES, ...REFERRAL_MEDIUMS, 'cpc', 'ppc', 'cpv', 'paid', 'paid_social',
  'retargeting', 'organic', 'video', 'audio', 'sms', 'push', 'web-push', 'mobile', 'notification', 'affiliate',
  'x\ncp', 'cp\r', 'paid\u2028', 'c\u2029p', 'paidé'
]
const campaignWords = ['cross-network', 'shop', 'shopping', 'eshop', 'bshop', 'e-shop', 'workshop', '\nshop', '😀shop', 'spring']
const text = (words: readonly string[]): fc.Arbitrary<string | null> => fc.oneof(
  fc.constant(null), fc.constant(''), cased(words), word,
  fc.tuple(word, cased(words), word).map(([a, b, c]) => a + b + c)
)
// Click ids, extra parameters and referral codes win early: mostly absent, so later rules get rows.
const rarely = <T>(absent: T, arb: fc.Arbitrary<T>): fc.Arbitrary<T> => fc.oneof({ arbitrary: fc.constant(absent), weight: 5 }, { arbitrary: arb, weight: 1 })
const storedRow: fc.Arbitrary<StoredRow> = fc.record({
  utm_source: fc.oneof(text(sourceWords), host, brandHost),
  utm_medium: text(mediumWords),
  utm_campaign: text(campaignWords),
  http_referer: fc.oneof(fc.constant(null), fc.constant(''), url),
  click_id_type: rarely<string | null>(null, fc.oneof(fc.constant(''), fc.constantFrom(...CLICK_ID_PARAMS), cased(['GCLID', 'dclid']), word)),
  extra: rarely<string[]>([], fc.subarray([...EXTRA_CAMPAIGN_PARAMS, 'other'])),
  referral_code: rarely<string | null>(null, fc.constantFrom('', 'FRIEND42'))
})

test('generated rows get the same group, keys and rule hits from both forms', async (t) => {
  // Big batches: a query costs ~0.15 s to plan whatever its size, a row next to nothing.
  await assertProperty(t, fc.asyncProperty(fc.array(storedRow, { minLength: 1, maxLength: 800 }), async (rows) => {
    const sql = await sqlVerdicts(rows)
    const differing = rows.flatMap((r, i) => {
      const ts = tsVerdict(r)
      return JSON.stringify(sql[i]) === JSON.stringify(ts) ? [] : [{ row: r, ts, sql: sql[i] }]
    })
    if (differing.length > 0) throw new Error(`forms differ: ${JSON.stringify(differing[0])}`)
  }), { numRuns: 40 }, 'no generated row tells the forms apart')
})
