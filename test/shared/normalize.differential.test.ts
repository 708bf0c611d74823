/**
 * One visitor, every way in, one answer: generated visitor inputs go through the five ways
 * an attribution reaches the package, and every way must store and report the same thing.
 *
 *   1. capture cookie (a landing navigation), then `signupAttribution()`, `recordSignup`, the relay;
 *   2. signup form inputs (UTM fields and a typed code in the body), `recordSignup`, the relay;
 *   3. a host-built `SignupAttribution` without derived fields, `recordSignup`, the relay;
 *   4. a service event (`ingestServiceEvents`), the relay;
 *   5. a FrameWorks-style row without derived fields, read through `attribution_acquisitions`.
 *
 * Compared per input: the stored Postgres fields (paths 1–3; service events do not write
 * `tenant_attribution`), the ClickHouse row as the reports read it (all five), and the
 * channel group and client kind the funnel report shows. A path that lacks an input gets the
 * documented fallback: without a user agent (paths 3–5) the client kind is `unknown`; the
 * channel group is always what the rule table derives from the fields. No e-mail or wallet
 * address and no token may appear anywhere (a valid token-shaped referral code is a code).
 *
 * Path 5 stands for FrameWorks' Go ingest, which is not this package: its row, written to
 * FrameWorks' table, carries the proto fields as FrameWorks captures them (URLs without their
 * query, values raw) and the signup's metadata in its own `event_data`; the usage upkeep
 * copies it into the package's database through the same normalizer. FrameWorks' row itself
 * is the input, so the leak check reads what the package keeps and shows.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import t from 'tap'
import fc from 'fast-check'
import Fastify from 'fastify'
import attributionCapturePlugin from '../../src/plugin/index.ts'
import type { SignupAttribution } from '../../src/contracts.ts'
import { openClickHouse } from '../../src/clickhouse/client.ts'
import { migrateClickHouse } from '../../src/clickhouse/migrations.ts'
import { copyFrameworksSignups } from '../../src/clickhouse/usage-upkeep.ts'
import { createRelay } from '../../src/ingest/relay.ts'
import { ingestServiceEvents } from '../../src/ingest/service-events.ts'
import reportsPlugin from '../../src/routes/reports/index.ts'
import { createReferralCode } from '../../src/store/referral-codes.repository.ts'
import { recordSignup } from '../../src/store/record-signup.ts'
import { assertProperty, expect } from '../helpers/property.ts'
import { postgresTargets } from '../helpers/postgres.ts'
import { openStore } from '../helpers/store.ts'
import { SECRET, UA } from '../plugin/fixtures.ts'

const HOST = 'app.example.com'
const OPERATOR = 'differential-operator-token-0123456789'
const KNOWN_CODE = 'FRIEND42'

// Engines: chDB and PGlite (and the real Postgres when DATABASE_URL is set: the first target is enough here).
const dir = mkdtempSync(join(tmpdir(), 'fw-differential-'))
const ch = await openClickHouse(process.env.CLICKHOUSE_URL ? { url: process.env.CLICKHOUSE_URL } : { dataDir: join(dir, 'chdb') })
t.teardown(async () => { await ch.close(); rmSync(dir, { recursive: true, force: true }) })
const migrated = await migrateClickHouse(ch)
if (migrated.error !== undefined) throw migrated.error
const pg = await openStore(postgresTargets().at(-1)!)
t.teardown(() => pg.close())
await createReferralCode(pg.db, { code: KNOWN_CODE })

// The gateway: the capture plugin, a signup route on every page, and the reports.
const app = Fastify()
await app.register(attributionCapturePlugin, { secrets: [SECRET], publicBaseUrl: `https://${HOST}/` })
app.get('/*', async () => ({ page: true }))
app.post('/*', async (request) => {
  const body = request.body as { utm?: Record<string, string | null>, referralCode?: string | null, metadata?: Record<string, unknown> }
  return request.signupAttribution({ channel: 'web', method: 'email_password', metadata: body.metadata, utm: body.utm ?? null, referralCode: body.referralCode ?? null })
})
await app.register(async (scope) => {
  await scope.register(reportsPlugin, { clickhouse: ch, operatorTokens: [OPERATOR] })
})
t.teardown(() => app.close())
const relay = createRelay({ db: pg.db, clickhouse: ch })

// Visitor inputs. Addresses and tokens are generated values, so each can be looked for.
const ALNUM = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789']
const email = fc.tuple(fc.stringMatching(/^[a-z][a-z0-9.]{2,12}[a-z]$/), fc.constantFrom('example.org', 'mail.example.com')).map(([l, d]) => `${l}@${d}`)
const wallet = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: 40, maxLength: 40 }).map((h) => `0x${h}`)
const token = fc.string({ unit: fc.constantFrom(...ALNUM), minLength: 32, maxLength: 40 }).filter((s) => /[A-Z]/.test(s) && /[a-z]/.test(s) && /\d/.test(s))
const pii = fc.oneof(email, wallet, token)
const word = fc.stringMatching(/^[a-z][a-z0-9]{1,9}$/)
const utmValue = (known: readonly string[]) => fc.option(fc.oneof(fc.constantFrom(...known), word, pii.map((p) => `x_${p}`)), { freq: 3 })
const visitor = fc.record({
  utm_source: utmValue(['google', 'bing', 'facebook', 'newsletter', 'chatgpt.com', 'perplexity', 'partner']),
  utm_medium: utmValue(['cpc', 'email', 'social', 'organic', 'referral', 'display', 'affiliate', 'paid_social']),
  utm_campaign: utmValue(['spring', 'cross-network', 'shop_sale', 'launch']),
  utm_content: utmValue(['hero', 'footer']),
  utm_term: utmValue(['live streaming', 'rtmp']),
  referer: fc.option(fc.tuple(
    fc.constantFrom('https://www.google.com', 'https://chatgpt.com', 'https://news.ycombinator.com', 'https://t.co', 'https://blog.example.net', 'https://mail.google.com', 'https://www.youtube.com'),
    fc.array(fc.oneof(word, pii), { maxLength: 2 })
  ).map(([origin, segments]) => `${origin}/${segments.join('/')}`), { freq: 2 }),
  landing: fc.array(fc.oneof(word, word, pii), { minLength: 1, maxLength: 3 }),
  code: fc.option(fc.oneof(fc.constant(KNOWN_CODE), fc.constant('UNKNOWN-7'), fc.constant('bad code!'), wallet, token, email), { freq: 2 }),
  userAgent: fc.constantFrom(UA.chrome, UA.safariIphone, UA.chatgptUser, UA.claudeCode, UA.curl, UA.headlessChrome, UA.node),
  metadata: fc.record({ agent_name: fc.oneof(word, pii), plan: fc.oneof(word, pii), contact: fc.oneof(email, wallet) })
})
type Visitor = typeof visitor extends fc.Arbitrary<infer V> ? V : never

const UTM = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term'] as const
/** Fields every path must agree on, in Postgres and in ClickHouse. */
const AGREED = [...UTM, 'http_referer', 'landing_page', 'referral_code', 'signup_channel', 'signup_method', 'is_agent', 'channel_group'] as const

/** What must never be kept: every generated address and token, but a token given as a (valid) referral code. */
function forbidden (v: Visitor): string[] {
  const texts = [...UTM.map((f) => v[f]), v.referer, v.landing.join('/'), v.metadata.agent_name, v.metadata.plan, v.metadata.contact]
  const out = new Set<string>()
  for (const text of texts) {
    if (text === null) continue
    for (const m of text.matchAll(/[a-z0-9.]+@[a-z.]+|0x[0-9a-fA-F]{40}|[A-Za-z0-9]{32,}/g)) out.add(m[0].toLowerCase())
  }
  if (v.code !== null && (v.code.includes('@') || /^0x[0-9a-f]{40}$/i.test(v.code))) out.add(v.code.toLowerCase())
  return [...out]
}

/** The visitor's UTM values as query pairs. */
const utmPairs = (v: Visitor): Array<[string, string]> => UTM.flatMap((f) => v[f] === null ? [] : [[f, v[f]!] as [string, string]])

/** The attribution a host builds from the raw request: proto fields only. */
function hostBuilt (v: Visitor, isAgent: boolean): Record<string, unknown> {
  const query = new URLSearchParams(utmPairs(v))
  return {
    signup_channel: 'web',
    signup_method: 'email_password',
    ...Object.fromEntries(UTM.map((f) => [f, v[f]])),
    http_referer: v.referer,
    // The scheme of the request the plugin saw (inject speaks plain HTTP).
    landing_page: `http://${HOST}/${v.landing.join('/')}?${query}`,
    referral_code: v.code,
    is_agent: isAgent,
    metadata_json: JSON.stringify(v.metadata)
  }
}

interface Outcome { ids: string[], kind: string, leaks: string[] }

/** Sends one visitor through the five paths; returns the tenant ids (paths 1–5), the client kind classified, and what leaked into cookies or answers. */
async function sendThroughEveryPath (v: Visitor): Promise<Outcome> {
  const ids = Array.from({ length: 5 }, () => randomUUID())
  const page = '/' + v.landing.map(encodeURIComponent).join('/')
  const query = new URLSearchParams([...utmPairs(v), ...(v.code === null ? [] : [['ref', v.code] as [string, string]])])
  const base = { host: HOST, 'user-agent': v.userAgent }
  const seen: string[] = []

  // 1. A landing navigation sets the cookie; the signup on the next request reads it.
  const land = await app.inject({ url: `${page}?${query}`, headers: { ...base, 'sec-fetch-mode': 'navigate', ...(v.referer === null ? {} : { referer: v.referer }) } })
  const cookie = String(land.headers['set-cookie'] ?? '').split(';')[0]!
  seen.push(String(land.headers['set-cookie']))
  const fromCookie = await app.inject({ method: 'POST', url: page, headers: { ...base, cookie }, payload: { metadata: v.metadata } })
  // 2. No cookie: the form carries the UTM fields and the code; the request its Referer.
  const fromForm = await app.inject({
    method: 'POST', url: page, headers: { ...base, ...(v.referer === null ? {} : { referer: v.referer }) },
    payload: { utm: Object.fromEntries(UTM.map((f) => [f, v[f]])), referralCode: v.code, metadata: v.metadata }
  })
  seen.push(fromCookie.body, fromForm.body)
  const captured = fromCookie.json<SignupAttribution>()
  const host = hostBuilt(v, captured.is_agent)
  await pg.db.transaction().execute(async (trx) => {
    await recordSignup(trx, { tenantId: ids[0]!, attribution: captured })
    await recordSignup(trx, { tenantId: ids[1]!, attribution: fromForm.json<SignupAttribution>() })
    // 3. What a host builds itself, without derived fields.
    await recordSignup(trx, { tenantId: ids[2]!, attribution: host as unknown as SignupAttribution })
  })
  // 4. A service event from FrameWorks' bus.
  const ingested = await ingestServiceEvents(pg.db, [{ event_id: randomUUID(), event_type: 'tenant_created', timestamp: new Date().toISOString(), tenant_id: ids[3], attribution: host }])
  expect(ingested.accepted === 1, `service event rejected: ${JSON.stringify(ingested.rejected)}`)
  // 5. A row as FrameWorks' Go ingest writes it: proto fields as captured (URLs without their
  // query, values raw), the signup's metadata in its own `event_data`, no derived field. The
  // hourly upkeep copies it into the package's database through the normalizer.
  await ch.frameworksClient.insert({
    table: 'tenant_acquisition_events',
    values: [{
      timestamp: Math.floor(Date.now() / 1000), tenant_id: ids[4]!, user_id: null,
      signup_channel: 'web', signup_method: 'email_password',
      ...Object.fromEntries(UTM.map((f) => [f, v[f]])),
      http_referer: v.referer, landing_page: `http://${HOST}/${v.landing.join('/')}`, referral_code: v.code,
      is_agent: captured.is_agent ? 1 : 0, event_data: JSON.stringify({ metadata_json: JSON.stringify(v.metadata) })
    }],
    format: 'JSONEachRow'
  })
  return { ids, kind: captured.client_kind, leaks: seen }
}

type Row = Record<string, unknown>

/** The ClickHouse side, in one place: raw rows and the rows the reports read, by tenant. */
async function clickHouseRows (ids: readonly string[]): Promise<{ raw: Row[], reported: Map<string, Row> }> {
  const read = async (query: string): Promise<Row[]> => (await ch.client.query({ query, query_params: { ids }, format: 'JSONEachRow' })).json<Row>()
  const raw = await read(`SELECT * FROM ${ch.database}.tenant_acquisition_events WHERE tenant_id IN {ids:Array(UUID)}`)
  const reported = await read('SELECT * FROM attribution_acquisitions WHERE tenant_id IN {ids:Array(UUID)}')
  return { raw, reported: new Map(reported.map((r) => [String(r.tenant_id), r])) }
}

/** The agreed fields of a row, `is_agent` as a boolean whatever the engine gives. */
const agreed = (row: Row | undefined): string => JSON.stringify(row === undefined ? null : AGREED.map((f) => f === 'is_agent' ? Boolean(Number(row[f] === true ? 1 : row[f])) : row[f] ?? null))

/** Signups per `channel_group|client_kind` the funnel report shows. */
async function funnelCounts (): Promise<Map<string, number>> {
  const day = (offset: number): string => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10)
  const res = await app.inject({ url: `/reports/acquisition-funnel?from=${day(-2)}&to=${day(2)}&group_by=channel_group,client_kind&limit=1000`, headers: { authorization: `Bearer ${OPERATOR}` } })
  expect(res.statusCode === 200, `funnel answered ${res.statusCode}: ${res.body}`)
  const out = new Map<string, number>()
  for (const r of res.json<{ data: Row[] }>().data) out.set(`${String(r.channel_group)}|${String(r.client_kind)}`, Number(r.signups))
  return out
}

t.test('every way in stores and reports the same attribution, and keeps no address or token', async (t) => {
  await assertProperty(t, fc.asyncProperty(fc.array(visitor, { minLength: 1, maxLength: 5 }), async (batch) => {
    const before = await funnelCounts()
    const expectedFunnel = new Map<string, number>()
    const outcomes: Outcome[] = []
    for (const v of batch) outcomes.push(await sendThroughEveryPath(v))
    await relay.runUntilIdle()
    await copyFrameworksSignups(ch)
    const all = outcomes.flatMap((o) => o.ids)
    const stored = new Map((await pg.db.selectFrom('tenant_attribution').selectAll().where('tenant_id', 'in', all).execute()).map((r) => [String(r.tenant_id), r as unknown as Row]))
    const outbox = await pg.db.selectFrom('attribution_outbox').select('payload').where('tenant_id', 'in', all).execute()
    const { raw, reported } = await clickHouseRows(all)
    // FrameWorks' own row of path 5 is the input, not something the package keeps.
    const goRows = new Set(outcomes.map((o) => o.ids[4]))
    const ours = raw.filter((r) => !goRows.has(String(r.tenant_id)))
    const everything = JSON.stringify([[...stored.values()], outbox, ours, [...reported.values()], outcomes.map((o) => o.leaks)]).toLowerCase()

    batch.forEach((v, i) => {
      const { ids, kind } = outcomes[i]!
      const label = `visitor ${JSON.stringify(v)}`
      // Postgres: paths 1–3 store the same fields; the client kind where a user agent was seen, else unknown.
      const pgRows = ids.slice(0, 3).map((id) => stored.get(id))
      expect(pgRows.every((r) => r !== undefined), `${label}: a Postgres row is missing`)
      const pgFields = pgRows.map(agreed)
      expect(pgFields.every((f) => f === pgFields[0]), `${label}: Postgres rows differ: ${pgFields.join(' / ')}`)
      expect(pgRows.map((r) => r!.client_kind).join() === [kind, kind, 'unknown'].join(), `${label}: Postgres client kinds ${pgRows.map((r) => r!.client_kind).join()}`)
      // ClickHouse, as the reports read it: all five agree, and agree with Postgres (the channel group derived in SQL included).
      const chRows = ids.map((id) => reported.get(id))
      expect(chRows.every((r) => r !== undefined), `${label}: a ClickHouse row is missing`)
      const chFields = chRows.map(agreed)
      expect(chFields.every((f) => f === pgFields[0]), `${label}: ClickHouse rows differ from Postgres: ${pgFields[0]} vs ${chFields.join(' / ')}`)
      expect(chRows.map((r) => r!.client_kind).join() === [kind, kind, 'unknown', 'unknown', 'unknown'].join(), `${label}: ClickHouse client kinds ${chRows.map((r) => r!.client_kind).join()}`)
      const group = String(pgRows[0]!.channel_group)
      for (const k of [kind, kind, 'unknown', 'unknown', 'unknown']) expectedFunnel.set(`${group}|${k}`, (expectedFunnel.get(`${group}|${k}`) ?? 0) + 1)
      // Nothing sensitive anywhere: rows, outbox events, ClickHouse rows, cookies, answers.
      const leaked = forbidden(v).filter((p) => everything.includes(p))
      expect(leaked.length === 0, `${label}: kept ${leaked.join(', ')}`)
    })
    // The funnel report shows the batch's tenants under the channel group and client kind above.
    const after = await funnelCounts()
    const added = [...after].flatMap(([k, n]) => n === (before.get(k) ?? 0) ? [] : [[k, n - (before.get(k) ?? 0)] as const])
    const want = JSON.stringify([...expectedFunnel].sort())
    const got = JSON.stringify(added.sort())
    expect(got === want, `funnel shows ${got}, expected ${want}`)
  }), { numRuns: 6 }, 'all five ways in agree')
})
