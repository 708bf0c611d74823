import { test } from 'tap'
import { randomBytes, randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { sql } from 'kysely'
import { openClickHouse } from '../../src/clickhouse/client.ts'
import { openPostgres } from '../../src/postgres/client.ts'
import { buildTestGateway, gatewayTargets } from '../helpers/gateway.ts'

const OPERATOR = 'operator-token-for-privacy-tests'
const API_KEY = 'api-key-for-privacy-tests-0123456789'
const OP = { authorization: `Bearer ${OPERATOR}` }

// What must never be stored: the real links of issue 12, a JWT, a hex and a base64url token,
// the raw user agent and the client's IP address.
const EMAIL = 'john.doe@example.com'
const INVITEE = 'jane@corp.example'
const WALLET = '0x52908400098527886E0F7030069857D2E4169EE7'
const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJpbnZpdGUtOTkifQ.c2lnbmF0dXJlLW9mLXRoZS10b2tlbi0xMjM0'
const HEX = randomBytes(20).toString('hex')
const BASE64 = 'Zk4pQ9zR2mL7tBwN5vC8hJ3fD6gS1aEu'
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 PrivacyProbe/7.3'
const IP = '198.51.100.77'
const NEVER = [EMAIL, INVITEE, WALLET.slice(2), JWT.split('.')[1]!, HEX, BASE64, 'PrivacyProbe', IP]
const CLIENT = { 'user-agent': USER_AGENT, 'x-forwarded-for': IP, 'x-real-ip': IP }

function leaks (text: string): string[] {
  const lower = text.toLowerCase()
  return NEVER.filter((s) => lower.includes(s.toLowerCase()))
}

for (const target of gatewayTargets()) {
  test(`${target.name}: addresses and tokens sent through every path in reach no stored row, outbox event, ClickHouse row or CSV export`, async (t) => {
    const { app, dataDir, schema, relay } = await buildTestGateway(t, target, { OPERATOR_TOKENS: OPERATOR, API_KEYS: API_KEY, COOKIE_SECRETS: 'p'.repeat(40) }, { relay: 'manual' })
    await app.ready()
    const tenants: string[] = []

    // A browser lands from an e-mail whose link carries the subscriber's address and a token.
    const query = new URLSearchParams({ utm_source: 'newsletter', utm_medium: 'email', utm_content: EMAIL, utm_campaign: `airdrop_${WALLET}`, utm_term: HEX })
    const land = await app.inject({ url: `/?${query}`, headers: { ...CLIENT, accept: 'text/html', 'sec-fetch-mode': 'navigate', referer: `https://partner.example.org/invite/${INVITEE}/${JWT}` } })
    const setCookie = String(land.headers['set-cookie'])
    t.same(leaks(setCookie + land.body), [], 'nothing in the cookie or the landing page')
    const cookie = setCookie.split(';')[0]!
    const register = await app.inject({ method: 'POST', url: `/auth/register`, headers: { ...CLIENT, cookie }, payload: { email: 'new.user@example.org', password: 'correct horse battery', referral_code: WALLET } })
    t.equal(register.statusCode, 201)
    tenants.push(register.json().tenant_id)

    // An API client sends its campaign in the body, a token in the query's landing path.
    const api = await app.inject({
      method: 'POST', url: `/api/tenants?utm_source=${encodeURIComponent(EMAIL)}`,
      headers: { ...CLIENT, authorization: `Bearer ${API_KEY}` },
      payload: { name: 'Acme', utm_source: 'partner', utm_content: BASE64, utm_campaign: JWT, utm_term: `subscriber ${EMAIL}` }
    })
    t.equal(api.statusCode, 201)
    tenants.push(api.json().tenant_id)

    // A signup under denied consent (Global Privacy Control): the request alone, marked.
    const denied = await app.inject({ method: 'POST', url: `/auth/register?utm_source=blog&utm_content=${HEX}`, headers: { ...CLIENT, cookie, 'sec-gpc': '1' }, payload: { email: 'gpc.user@example.org', password: 'correct horse battery' } })
    t.equal(denied.statusCode, 201)
    t.match(denied.headers['set-cookie'], /^fw_attr=; Max-Age=0;/, 'the cookie is cleared')
    const deniedTenant = denied.json().tenant_id as string
    tenants.push(deniedTenant)

    // FrameWorks' bus sends an event with addresses and tokens everywhere.
    const service = {
      event_id: randomUUID(), event_type: 'tenant_created', timestamp: new Date().toISOString(), tenant_id: randomUUID(),
      attribution: {
        signup_channel: 'wallet', signup_method: 'wallet_base', utm_source: EMAIL, utm_medium: WALLET, utm_campaign: `reset_${HEX}`, utm_content: JWT, utm_term: BASE64,
        http_referer: `https://mail.example.net/u/${INVITEE}/x?e=${EMAIL}`, landing_page: `https://app.example.com/invite/${BASE64}`, referral_code: EMAIL,
        metadata_json: JSON.stringify({ contact: EMAIL, payer: WALLET, session: JWT, ip: IP, ua: USER_AGENT, [HEX]: 1 })
      }
    }
    t.same((await app.inject({ method: 'POST', url: '/ingest/service-events', headers: OP, payload: { events: [service] } })).json(), { accepted: 1, rejected: [] })
    tenants.push(service.tenant_id)

    // The signups' rows (a service event has none: it goes to the outbox only).
    const rows = await Promise.all(tenants.slice(0, 3).map(async (id) => (await app.inject({ url: `/tenants/${id}/attribution`, headers: OP })).json<Record<string, unknown>>()))
    t.same(leaks(JSON.stringify(rows)), [], 'nothing in the stored rows')
    t.match(rows[0], { utm_content: '(redacted)', utm_campaign: '(redacted)', utm_term: '(redacted)', http_referer: 'https://partner.example.org/invite/(redacted)/(redacted)', referral_code: '(redacted)' })
    t.match(rows[1], { utm_source: 'partner', utm_content: '(redacted)', utm_campaign: '(redacted)', utm_term: '(redacted)' })
    t.match(rows[2], { utm_source: 'blog', utm_content: '(redacted)', first_touch_at: null, last_touch: null, metadata: { consent: 'denied' } })

    // The test drives the gateway's relay (built `manual`): everything due goes to ClickHouse now.
    t.equal((await relay.runUntilIdle()).delivered, tenants.length)
    t.equal((await app.inject({ url: '/ingest/status', headers: OP })).json().pending, 0)
    const from = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)
    const to = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10)
    const csv = await app.inject({ url: `/reports/acquisition-funnel?from=${from}&to=${to}&group_by=utm_source,utm_campaign,referral_code&format=csv`, headers: OP })
    t.equal(csv.statusCode, 200)
    t.same(leaks(csv.body), [], 'nothing in the CSV export')
    t.match(csv.body, /\(redacted\)/, 'the export shows that something was removed')
    await app.close()

    // The gateway closed its engines: this process may open them now.
    const pg = await openPostgres<Record<string, never>>(target.url !== undefined ? { url: target.url, schema } : { dataDir: join(dataDir, 'pglite'), schema })
    t.teardown(() => pg.close())
    const outbox = await sql<{ payload: unknown }>`SELECT payload FROM ${sql.id(schema, 'attribution_outbox')} WHERE tenant_id IN (${sql.join(tenants)})`.execute(pg.db)
    t.equal(outbox.rows.length, tenants.length)
    t.same(leaks(JSON.stringify(outbox.rows)), [], 'nothing in the outbox events')
    const deniedEvent = outbox.rows.map((r) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as { tenant_id: string, attribution: { metadata_json: string } }).find((e) => e.tenant_id === deniedTenant)
    t.equal(JSON.parse(deniedEvent!.attribution.metadata_json).consent, 'denied')

    const ch = await openClickHouse({ dataDir: join(dataDir, 'chdb') })
    t.teardown(() => ch.close())
    for (const table of [`${ch.database}.tenant_acquisition_events`, 'attribution_signups']) {
      const res = await ch.client.query({ query: `SELECT * FROM ${table} WHERE tenant_id IN {ids:Array(UUID)}`, query_params: { ids: tenants }, format: 'JSONEachRow' })
      const chRows = await res.json<Record<string, unknown>>()
      t.ok(chRows.length >= tenants.length, `${table}: every signup arrived`)
      t.same(leaks(JSON.stringify(chRows)), [], `nothing in ${table}`)
      t.match(JSON.stringify(chRows), /\(redacted\)/)
    }
    const relayed = await ch.client.query({ query: `SELECT utm_source, utm_medium, referral_code, http_referer, landing_page FROM ${ch.database}.tenant_acquisition_events WHERE tenant_id = {id:UUID}`, query_params: { id: service.tenant_id }, format: 'JSONEachRow' })
    t.match((await relayed.json())[0], { utm_source: '(redacted)', utm_medium: '(redacted)', referral_code: null, http_referer: 'https://mail.example.net/u/(redacted)/x', landing_page: 'https://app.example.com/invite/(redacted)' }, 'the service event\'s row shows the marker (an e-mail address is no referral code at all, as in ?ref=)')
    const consent = await ch.client.query({ query: `SELECT JSONExtractString(event_data, 'attribution', 'metadata', 'consent') AS consent FROM ${ch.database}.tenant_acquisition_events WHERE tenant_id = {id:UUID}`, query_params: { id: deniedTenant }, format: 'JSONEachRow' })
    t.same(await consent.json(), [{ consent: 'denied' }], 'the ClickHouse row is marked consent denied')
  })
}
