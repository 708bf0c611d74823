import { test } from 'tap'
import fc from 'fast-check'
import { randomUUID } from 'node:crypto'
import type { TenantCreatedEvent } from '../../src/contracts.ts'
import { ACQUISITION_COLUMNS, ROW_LIMITS, toAcquisitionRow, type AcquisitionEventData } from '../../src/ingest/acquisition-row.ts'
import { scrubMetadata } from '../../src/shared/metadata.ts'
import { dedupToken } from '../../src/ingest/acquisition-writer.ts'
import { sanitizeUrl } from '../../src/shared/sanitize.ts'
import { parseServiceEvent } from '../../src/ingest/service-events.ts'
import { attribution } from './fixtures.ts'
import { assertProperty } from '../helpers/property.ts'

function event (overrides: Partial<TenantCreatedEvent> = {}): TenantCreatedEvent {
  return { event_id: randomUUID(), event_type: 'tenant_created', timestamp: '2026-02-03T04:05:06.789Z', tenant_id: randomUUID(), user_id: null, attribution: attribution(), referral_status: 'applied', ...overrides }
}

test('an event maps to FrameWorks columns only, with epoch times and the derived fields in event_data', async (t) => {
  const e = event({ tenant_id: 'AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE' })
  const row = toAcquisitionRow(e)
  t.same(Object.keys(row).filter((k) => k !== 'event_id').sort(), [...ACQUISITION_COLUMNS].sort())
  t.equal(row.timestamp, Date.UTC(2026, 1, 3, 4, 5, 6) / 1000, 'seconds since the epoch: the same instant in any server time zone')
  t.equal(row.tenant_id, 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee')
  t.equal(row.is_agent, 0)
  t.same(JSON.parse(row.event_data), {
    source: 'outbox',
    event_id: e.event_id,
    referral_status: 'applied',
    attribution: { channel_group: 'email', client_kind: 'browser', first_touch_at: '2026-01-02T03:04:05.678Z', metadata: { plan: 'free' }, last_touch: null }
  })
})

test('texts are bounded and stripped of control characters, URLs keep scheme, host and path', async (t) => {
  const row = toAcquisitionRow(event({
    attribution: attribution({
      utm_source: 'a\u0000b\u202e' + 'x'.repeat(1000),
      http_referer: 'https://u:p@example.com/a/b?token=secret#x',
      landing_page: 'javascript:alert(1)',
      channel_group: 'made_up' as never,
      client_kind: 'robot' as never
    })
  }))
  t.equal(row.utm_source?.length, ROW_LIMITS.utm)
  t.ok(row.utm_source?.startsWith('abx'))
  t.equal(row.http_referer, 'https://example.com/a/b')
  t.equal(row.landing_page, null)
  const data = JSON.parse(row.event_data) as AcquisitionEventData
  t.equal(data.attribution.channel_group, 'email', 'an unknown channel group is derived from the fields (medium email)')
  t.equal(data.attribution.client_kind, 'unknown', 'an unknown client kind is unknown')
})

test('event_data stays within its bound however large the metadata is', async (t) => {
  const level = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`k${i}`, 'v'.repeat(200)]))
  const big = Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`n${i}`, level]))
  const row = toAcquisitionRow(event({ attribution: attribution({ metadata_json: JSON.stringify(big) }) }))
  t.ok(row.event_data.length <= ROW_LIMITS.eventData)
  t.same(JSON.parse(row.event_data).attribution.metadata, {}, 'metadata over the bound is dropped whole')
  // Each within the bound, together over it: metadata gives way first, flagged.
  const url = 'https://example.com/' + 'p/'.repeat(480)
  const lastTouch = { at: '2026-01-01T00:00:00.000Z', utm_source: 's'.repeat(255), utm_medium: null, utm_campaign: 'c'.repeat(255), utm_content: null, utm_term: null, click_id_type: null, referral_code: null, http_referer: url, landing_page: url, channel_group: 'referral' as const }
  const both = toAcquisitionRow(event({ attribution: attribution({ metadata_json: JSON.stringify(level), last_touch: lastTouch }) }))
  const data = JSON.parse(both.event_data)
  t.ok(both.event_data.length <= ROW_LIMITS.eventData)
  t.equal(data.truncated, true)
  t.same(data.attribution.metadata, {})
  t.equal(data.attribution.last_touch.utm_source, 's'.repeat(255))
})

test('metadata redacts e-mail, wallet and IP addresses and tokens and loses odd keys and deep nesting', async (t) => {
  t.same(scrubMetadata({
    plan: 'pro',
    email: 'ada@example.com',
    payer: '0x52908400098527886E0F7030069857D2E4169EE7',
    ip: '203.0.113.9',
    'bad key': 1,
    count: 3,
    nested: { network: 'base', deeper: { x: 1 } },
    list: [1, 2],
    ['f0'.repeat(16)]: 'token as a key'
  }), { plan: 'pro', email: '(redacted)', payer: '(redacted)', ip: '(redacted)', count: 3, nested: { network: 'base' } })
})

test('an event without valid ids or time cannot become a row', async (t) => {
  t.throws(() => toAcquisitionRow(event({ tenant_id: 'x' })), /tenant_id/)
  t.throws(() => toAcquisitionRow(event({ event_id: '' })), /event_id/)
  t.throws(() => toAcquisitionRow(event({ timestamp: '2200-01-01T00:00:00Z' })), /timestamp/)
  t.throws(() => toAcquisitionRow({ ...event(), attribution: null as never }), /attribution/)
})

test('the deduplication token depends on the set of event ids, not their order', async (t) => {
  const ids = [randomUUID(), randomUUID(), randomUUID()]
  t.equal(dedupToken(ids), dedupToken([...ids].reverse().map((i) => i.toUpperCase())))
  t.not(dedupToken(ids), dedupToken(ids.slice(0, 2)))
  t.match(dedupToken(ids), /^fw-acq-[0-9a-f]{64}$/)
})

test('a service event without derived fields gets the documented fallbacks', async (t) => {
  const parsed = parseServiceEvent({ event_id: randomUUID(), event_type: 'tenant_created', timestamp: '2026-01-01T00:00:00+02:00', tenant_id: randomUUID(), attribution: { signup_channel: 'api', signup_method: 'api_key', is_agent: true } })
  t.equal(parsed.timestamp, '2025-12-31T22:00:00.000Z')
  t.equal(parsed.attribution.channel_group, 'direct', 'derived by the rule table: no campaign, no referrer')
  t.equal(parsed.attribution.client_kind, 'unknown')
  t.equal(parsed.user_id, null)
  t.equal(parsed.attribution.metadata_json, '{}')
})

test('URLs are stored exactly as the capture sanitizer would store them', async (t) => {
  const path = fc.array(fc.oneof(fc.constantFrom('a', 'b.c', '.hidden', '..', '%41', 'x@y.z', '0x52908400098527886E0F7030069857D2E4169EE7', ''), fc.webSegment()), { maxLength: 4 })
  const url = fc.oneof(
    fc.webUrl({ withQueryParameters: true, withFragments: true }),
    fc.tuple(fc.constantFrom('http://', 'https://', 'HTTPS://'), fc.domain(), fc.constantFrom('', ':8080'), path)
      .map(([scheme, host, port, segments]) => `${scheme}${host}${port}/${segments.join('/')}`)
  )
  await assertProperty(t, fc.property(url, (u) => {
    const row = toAcquisitionRow(event({ attribution: attribution({ http_referer: u }) }))
    return row.http_referer === sanitizeUrl(u, ROW_LIMITS.url)
  }), { numRuns: 2000 })
})
