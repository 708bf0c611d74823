import { randomUUID } from 'node:crypto'
import { test } from 'tap'
import type { Kysely } from 'kysely'
import type { TenantCreatedEvent } from '../../src/contracts.ts'
import { recordSignup, type RecordSignupInput, type RecordSignupResult } from '../../src/store/record-signup.ts'
import { createReferralCode, findReferralCode } from '../../src/store/referral-codes.repository.ts'
import { findTenantAttribution } from '../../src/store/tenant-attribution.repository.ts'
import { tenantCreatedEventId, uuidV5 } from '../../src/store/outbox.repository.ts'
import { postgresTargets } from '../helpers/postgres.ts'
import { STORE_SHAPES, attribution, countsFor, type HostDatabase } from '../helpers/store.ts'

/** The host's signup transaction: create the tenant, then record the signup. */
async function signup (db: Kysely<HostDatabase>, input: Omit<RecordSignupInput, 'tenantId'> & { tenantId?: string }): Promise<RecordSignupResult & { tenantId: string }> {
  const tenantId = input.tenantId ?? randomUUID()
  const result = await db.transaction().execute(async (trx) => {
    await trx.insertInto('tenants').values({ id: tenantId, name: 'acme' }).execute()
    return recordSignup(trx, { ...input, tenantId })
  })
  return { ...result, tenantId }
}

test('event ids are RFC 9562 UUIDv5 and stable per tenant', async (t) => {
  t.equal(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com'), '2ed6657d-e927-568b-95e1-2665a8aea6a2')
  const tenant = randomUUID()
  t.equal(tenantCreatedEventId(tenant), tenantCreatedEventId(tenant.toUpperCase()))
  t.not(tenantCreatedEventId(tenant), tenantCreatedEventId(randomUUID()))
})

for (const target of postgresTargets()) for (const shape of STORE_SHAPES) {
  test(`${target.name}, ${shape.name}: recording signups`, async (t) => {
    const handle = await shape.open(target)
    t.teardown(() => handle.close())
    const { db } = handle

    t.test('a signup stores its attribution row and one tenant_created outbox event', async (t) => {
      const userId = randomUUID()
      const touch = {
        at: '2026-11-01T10:00:00.000Z', utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'launch', utm_content: null, utm_term: null,
        click_id_type: null, referral_code: null, http_referer: null, landing_page: 'https://frameworks.network/pricing', channel_group: 'email' as const
      }
      const input = attribution({
        utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'launch', landing_page: 'https://frameworks.network/pricing',
        metadata_json: '{"flow":"modal"}', channel_group: 'email', first_touch_at: '2026-11-01T10:00:00.000Z', last_touch: touch
      })
      const result = await signup(db, { userId, attribution: input })
      t.same(result, { recorded: true, eventId: tenantCreatedEventId(result.tenantId), referralStatus: null, tenantId: result.tenantId })

      const row = await findTenantAttribution(db, result.tenantId)
      if (row === undefined) throw new Error('no attribution row')
      t.match(row, {
        tenant_id: result.tenantId, user_id: userId, signup_channel: 'web', signup_method: 'email_password',
        utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'launch', utm_content: null, utm_term: null,
        http_referer: null, landing_page: 'https://frameworks.network/pricing', referral_code: null, is_agent: false,
        metadata: { flow: 'modal' }, channel_group: 'email', client_kind: 'browser', referral_status: null, last_touch: touch
      })
      t.equal(row.first_touch_at?.toISOString(), '2026-11-01T10:00:00.000Z')

      const outbox = await db.selectFrom('attribution_outbox').selectAll().where('tenant_id', '=', result.tenantId).execute()
      t.equal(outbox.length, 1)
      const event = outbox[0]?.payload as TenantCreatedEvent
      t.equal(outbox[0]?.event_id, result.eventId)
      t.equal(outbox[0]?.event_type, 'tenant_created')
      t.same(event, {
        event_id: result.eventId,
        event_type: 'tenant_created',
        timestamp: row.created_at.toISOString(),
        tenant_id: result.tenantId,
        user_id: userId,
        attribution: input,
        referral_status: null
      })
    })

    t.test('a replay for the same tenant changes nothing', async (t) => {
      await createReferralCode(db, { code: 'REPLAY10', max_uses: 10 })
      const first = await signup(db, { attribution: attribution({ referral_code: 'replay10', utm_source: 'first' }) })
      t.equal(first.referralStatus, 'applied')
      const before = await db.selectFrom('tenant_attribution').selectAll().where('tenant_id', '=', first.tenantId).executeTakeFirstOrThrow()

      const again = await db.transaction().execute((trx) => recordSignup(trx, {
        tenantId: first.tenantId, attribution: attribution({ referral_code: 'replay10', utm_source: 'second', signup_channel: 'api' })
      }))
      t.same(again, { recorded: false, eventId: first.eventId, referralStatus: null })
      t.same(await db.selectFrom('tenant_attribution').selectAll().where('tenant_id', '=', first.tenantId).executeTakeFirstOrThrow(), before)
      t.same(await countsFor(db, first.tenantId), { attribution: 1, outbox: 1, tenants: 1 })
      t.equal((await findReferralCode(db, 'REPLAY10'))?.current_uses, 1)
    })

    t.test('a referral code is applied case-insensitively and stored in its own letter case', async (t) => {
      await createReferralCode(db, { code: 'Partner-Acme', partner_name: 'Acme', max_uses: 5 })
      const result = await signup(db, { attribution: attribution({ referral_code: 'pARTNER-aCME' }) })
      t.equal(result.referralStatus, 'applied')
      const row = await db.selectFrom('tenant_attribution').select(['referral_code', 'referral_status']).where('tenant_id', '=', result.tenantId).executeTakeFirstOrThrow()
      t.same(row, { referral_code: 'Partner-Acme', referral_status: 'applied' })
      const event = (await db.selectFrom('attribution_outbox').select('payload').where('tenant_id', '=', result.tenantId).executeTakeFirstOrThrow()).payload as TenantCreatedEvent
      t.equal(event.referral_status, 'applied')
      t.equal(event.attribution.referral_code, 'Partner-Acme')
      t.equal((await findReferralCode(db, 'partner-acme'))?.current_uses, 1)
    })

    t.test('unknown, inactive, expired and exhausted codes leave the signup successful with the reason', async (t) => {
      await createReferralCode(db, { code: 'OFF1', is_active: false })
      await createReferralCode(db, { code: 'OLD1', expires_at: new Date(Date.now() - 60_000) })
      await createReferralCode(db, { code: 'FULL1', max_uses: 1 })
      t.equal((await signup(db, { attribution: attribution({ referral_code: 'FULL1' }) })).referralStatus, 'applied')

      for (const [code, status] of [['NOPE1', 'unknown'], ['OFF1', 'inactive'], ['OLD1', 'expired'], ['FULL1', 'exhausted']] as const) {
        const result = await signup(db, { attribution: attribution({ referral_code: code }) })
        t.equal(result.referralStatus, status, code)
        t.same(await countsFor(db, result.tenantId), { attribution: 1, outbox: 1, tenants: 1 }, code)
        const row = await db.selectFrom('tenant_attribution').select(['referral_code', 'referral_status']).where('tenant_id', '=', result.tenantId).executeTakeFirstOrThrow()
        t.same(row, { referral_code: code, referral_status: status }, code)
      }
      t.equal((await findReferralCode(db, 'OFF1'))?.current_uses, 0)
      t.equal((await findReferralCode(db, 'OLD1'))?.current_uses, 0)
      t.equal((await findReferralCode(db, 'FULL1'))?.current_uses, 1)
    })

    t.test('a tenant transaction that fails after recordSignup leaves no attribution, no outbox row and no redemption', async (t) => {
      await createReferralCode(db, { code: 'ROLLBACK1', max_uses: 3 })
      const tenantId = randomUUID()
      await t.rejects(db.transaction().execute(async (trx) => {
        await trx.insertInto('tenants').values({ id: tenantId, name: 'acme' }).execute()
        const result = await recordSignup(trx, { tenantId, attribution: attribution({ referral_code: 'ROLLBACK1' }) })
        t.equal(result.referralStatus, 'applied')
        await trx.insertInto('tenants').values({ id: tenantId, name: 'duplicate' }).execute()
      }), /duplicate key|unique/i)
      t.same(await countsFor(db, tenantId), { attribution: 0, outbox: 0, tenants: 0 })
      t.equal((await findReferralCode(db, 'ROLLBACK1'))?.current_uses, 0)
    })

    t.test('oversized and malformed attribution values are clamped instead of failing the signup', async (t) => {
      const result = await signup(db, {
        attribution: attribution({
          utm_source: 's'.repeat(300), utm_medium: 'm'.repeat(300), referral_code: 'r'.repeat(300),
          metadata_json: '[1,2]', first_touch_at: 'not a date', signup_method: 'x'.repeat(80)
        })
      })
      t.equal(result.referralStatus, null, 'a text longer than any code is no code')
      const row = await db.selectFrom('tenant_attribution').selectAll().where('tenant_id', '=', result.tenantId).executeTakeFirstOrThrow()
      t.equal(row.utm_source?.length, 255)
      t.equal(row.utm_medium?.length, 100)
      t.equal(row.referral_code, null)
      t.equal(row.signup_method?.length, 50)
      t.same(row.metadata, {})
      t.equal(row.first_touch_at, null)
    })

    t.test('NUL characters, lone surrogates and impossible dates never fail the signup', async (t) => {
      const touch = {
        at: '2026-11-01T10:00:00.000Z', utm_source: 'a\u0000b', utm_medium: null, utm_campaign: '\ud800x', utm_content: null, utm_term: null,
        click_id_type: null, referral_code: null, http_referer: null, landing_page: null, channel_group: 'direct' as const
      }
      const result = await signup(db, {
        attribution: attribution({
          utm_source: 'news\u0000letter', utm_term: 'x\udc00', landing_page: 'https://a.example/\u0000',
          metadata_json: '{"k\\u0000":"v\\ud800","n":1}', last_touch: touch, first_touch_at: '+275000-01-01T00:00:00Z'
        })
      })
      t.equal(result.recorded, true)
      const row = await db.selectFrom('tenant_attribution').selectAll().where('tenant_id', '=', result.tenantId).executeTakeFirstOrThrow()
      t.equal(row.utm_source, 'newsletter')
      t.equal(row.utm_term, 'x')
      t.same(row.metadata, { n: 1 }, 'a key holding a control character is dropped')
      t.match(row.last_touch, { utm_source: 'ab', utm_campaign: 'x' })
      t.equal(row.first_touch_at, null)
      t.same(await countsFor(db, result.tenantId), { attribution: 1, outbox: 1, tenants: 1 })
    })

    t.test('a tenant id that is not a UUID is refused before anything is written', async (t) => {
      await t.rejects(db.transaction().execute((trx) => recordSignup(trx, { tenantId: 'tenant-1', attribution: attribution() })), TypeError)
      await t.rejects(db.transaction().execute((trx) => recordSignup(trx, { tenantId: randomUUID(), userId: 'u1', attribution: attribution() })), TypeError)
    })

    t.test('concurrent signups all succeed and never redeem a code past max_uses', async (t) => {
      const signups = target.name === 'postgres' ? 200 : 40
      const maxUses = target.name === 'postgres' ? 50 : 10
      await createReferralCode(db, { code: 'RACE', max_uses: maxUses })
      const results = await Promise.all(Array.from({ length: signups }, () => signup(db, { attribution: attribution({ referral_code: 'race' }) })))
      t.equal(results.length, signups)
      t.equal(results.filter((r) => r.referralStatus === 'applied').length, maxUses)
      t.equal(results.filter((r) => r.referralStatus === 'exhausted').length, signups - maxUses)
      t.equal((await findReferralCode(db, 'RACE'))?.current_uses, maxUses)
      const applied = await db.selectFrom('tenant_attribution').select((eb) => eb.fn.countAll<string>().as('n'))
        .where('referral_code', '=', 'RACE').where('referral_status', '=', 'applied').executeTakeFirstOrThrow()
      t.equal(Number(applied.n), maxUses)
    })
  })
}
