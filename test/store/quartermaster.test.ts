import { randomUUID } from 'node:crypto'
import { test } from 'tap'
import { sql, type Kysely, type Transaction } from 'kysely'
import type { TenantCreatedEvent } from '../../src/contracts.ts'
import { migrateToLatest } from '../../src/postgres/migrations.ts'
import { recordSignup, type RecordSignupResult } from '../../src/store/record-signup.ts'
import {
  createReferralCode, deactivateReferralCode, findReferralCode, listReferralCodes
} from '../../src/store/referral-codes.repository.ts'
import { findTenantAttribution } from '../../src/store/tenant-attribution.repository.ts'
import { postgresTargets } from '../helpers/postgres.ts'
import { QUARTERMASTER_ROWS, attribution, openQuartermasterStore, type ExpiresAtType, type HostDatabase } from '../helpers/store.ts'

// `pg` and PGlite parse a TIMESTAMP in the process's time zone: run these tests away from UTC.
process.env.TZ = 'America/New_York'

/** Session time zones on both sides of UTC, far enough to turn a local reading into a wrong answer. */
const ZONES = ['Pacific/Kiritimati', 'America/Los_Angeles'] as const

/** Runs `fn` in a transaction whose session time zone is `zone`. */
async function inZone<T> (db: Kysely<HostDatabase>, zone: string, fn: (trx: Transaction<HostDatabase>) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT set_config('TimeZone', ${zone}, true)`.execute(trx)
    return fn(trx)
  })
}

/** The host's signup transaction in a session time zone: the tenant, then `recordSignup`. */
async function signup (db: Kysely<HostDatabase>, code: string | null, zone = 'UTC'): Promise<RecordSignupResult & { tenantId: string }> {
  const tenantId = randomUUID()
  const result = await inZone(db, zone, async (trx) => {
    await trx.insertInto('tenants').values({ id: tenantId, name: 'acme' }).execute()
    return recordSignup(trx, { tenantId, attribution: attribution({ referral_code: code }) })
  })
  return { ...result, tenantId }
}

/** A TIMESTAMP's text (UTC wall-clock time) as epoch milliseconds. */
const wallClockUtc = (text: string): number => Date.parse(`${text.replace(' ', 'T')}Z`)

interface ColumnShape { table_name: string, column_name: string, data_type: string, character_maximum_length: number | null, is_nullable: string, column_default: string | null }

async function columns (db: Kysely<HostDatabase>, schema: string): Promise<ColumnShape[]> {
  const { rows } = await sql<ColumnShape>`
    SELECT table_name, column_name, data_type, character_maximum_length, is_nullable, column_default
      FROM information_schema.columns
     WHERE table_schema = ${schema} AND table_name IN ('tenant_attribution', 'referral_codes')
     ORDER BY table_name, column_name`.execute(db)
  return rows
}

async function indexes (db: Kysely<HostDatabase>, schema: string): Promise<string[]> {
  const { rows } = await sql<{ indexdef: string }>`
    SELECT indexdef FROM pg_indexes
     WHERE schemaname = ${schema} AND tablename IN ('tenant_attribution', 'referral_codes')
     ORDER BY indexname`.execute(db)
  return rows.map((r) => r.indexdef.replaceAll(`${schema}.`, ''))
}

test('the process runs away from UTC, so a local reading of a TIMESTAMP would be wrong', async (t) => {
  t.not(new Date('2026-03-01T12:00:00').getTime(), Date.UTC(2026, 2, 1, 12))
})

for (const target of postgresTargets()) {
  test(`${target.name}: the store on FrameWorks' Quartermaster tables`, async (t) => {
    const handle = await openQuartermasterStore(target)
    t.teardown(() => handle.close())
    const { db, schema } = handle

    t.test("migrations keep Quartermaster's types, keys and rows, add the package's columns, and run once", async (t) => {
      const again = await migrateToLatest(db, { schema })
      t.equal(again.error, undefined)
      t.same(again.results.map((r) => r.status), ['skipped', 'skipped', 'skipped', 'skipped'])

      const shape = Object.fromEntries((await columns(db, schema)).map((c) => [`${c.table_name}.${c.column_name}`, `${c.data_type} ${c.is_nullable}`]))
      t.match(shape, {
        'tenant_attribution.created_at': 'timestamp without time zone YES',
        'tenant_attribution.is_agent': 'boolean YES',
        'tenant_attribution.metadata': 'jsonb YES',
        'tenant_attribution.user_id': 'uuid YES',
        'tenant_attribution.channel_group': 'character varying YES',
        'tenant_attribution.client_kind': 'character varying YES',
        'tenant_attribution.first_touch_at': 'timestamp with time zone YES',
        'tenant_attribution.referral_status': 'character varying YES',
        'tenant_attribution.last_touch': 'jsonb YES',
        'referral_codes.expires_at': 'timestamp without time zone YES',
        'referral_codes.created_at': 'timestamp without time zone YES',
        'referral_codes.is_active': 'boolean YES'
      })

      const { rows: keys } = await sql<{ def: string }>`
        SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint
         WHERE conrelid IN (${`${schema}.tenant_attribution`}::regclass, ${`${schema}.referral_codes`}::regclass)`.execute(db)
      t.match(keys.map((k) => k.def).join('\n'), /FOREIGN KEY \(tenant_id\) REFERENCES .*tenants\(id\) ON DELETE CASCADE/)
      t.ok(keys.some((k) => k.def === 'UNIQUE (code)'), 'code stays unique case-sensitively')
      t.ok((await indexes(db, schema)).includes('CREATE INDEX attribution_referral_codes_code_lower ON referral_codes USING btree (lower((code)::text))'))

      const { rows: legacy } = await sql<{ is_agent: boolean | null, metadata: unknown, created_at: string }>`
        SELECT is_agent, metadata, created_at::text AS created_at FROM tenant_attribution WHERE tenant_id = ${QUARTERMASTER_ROWS.tenantId}`.execute(db)
      t.same(legacy, [{ is_agent: null, metadata: null, created_at: QUARTERMASTER_ROWS.createdAt }])
    })

    t.test("a FrameWorks row with NULL is_agent and metadata reads as false and {} with its created_at in UTC", async (t) => {
      const row = await findTenantAttribution(db, QUARTERMASTER_ROWS.tenantId)
      t.match(row, { tenant_id: QUARTERMASTER_ROWS.tenantId, is_agent: false, metadata: {}, referral_status: null, user_id: null })
      t.equal(row?.created_at.toISOString(), '2026-03-01T12:00:00.000Z')
    })

    t.test('codes that differ only in letter case: the exact spelling is redeemed, other spellings name no code', async (t) => {
      const [lower, upper] = QUARTERMASTER_ROWS.caseVariants
      const exact = await signup(db, upper)
      t.equal(exact.referralStatus, 'applied')
      t.match(await findTenantAttribution(db, exact.tenantId), { referral_code: upper, referral_status: 'applied' })

      const other = await signup(db, 'spring')
      t.equal(other.referralStatus, 'unknown')
      t.match(await findTenantAttribution(db, other.tenantId), { referral_code: 'spring', referral_status: 'unknown' })

      t.equal((await findReferralCode(db, upper))?.current_uses, 1)
      t.equal((await findReferralCode(db, lower))?.current_uses, 0)
      t.equal((await findReferralCode(db, lower))?.code, lower)
      t.equal(await findReferralCode(db, 'spring'), undefined)
      t.equal(await deactivateReferralCode(db, 'sPrInG'), undefined)
      t.equal(await createReferralCode(db, { code: 'spring' }), undefined, 'a further letter-case variant is refused')
    })

    t.test('paging one code at a time lists every code, letter-case variants included', async (t) => {
      const seen: string[] = []
      let after: string | undefined
      for (;;) {
        const page = await listReferralCodes(db, { limit: 1, ...(after !== undefined ? { after } : {}) })
        if (page.length === 0) break
        seen.push(...page.map((c) => c.code))
        after = page[page.length - 1]?.code
      }
      t.same([...seen].sort(), [QUARTERMASTER_ROWS.nullFlags, ...QUARTERMASTER_ROWS.caseVariants].sort())
    })

    t.test('a code with NULL is_active is inactive, and a NULL current_uses counts from 0', async (t) => {
      const code = QUARTERMASTER_ROWS.nullFlags
      t.equal((await signup(db, code)).referralStatus, 'inactive')
      t.match(await findReferralCode(db, code), { is_active: false, current_uses: 0 })
      t.same((await listReferralCodes(db, { limit: 10, active: false })).map((c) => c.code), [code])

      await sql`UPDATE referral_codes SET is_active = TRUE, max_uses = 1 WHERE code = ${code}`.execute(db)
      t.equal((await signup(db, code)).referralStatus, 'applied')
      t.equal((await signup(db, code)).referralStatus, 'exhausted')
      t.match(await findReferralCode(db, code), { is_active: true, current_uses: 1 })
    })

    for (const zone of ZONES) {
      t.test(`in session time zone ${zone}, the store writes and reads TIMESTAMP columns as UTC`, async (t) => {
        const before = Date.now()
        const result = await signup(db, null, zone)
        const event = (await db.selectFrom('attribution_outbox').select('payload').where('tenant_id', '=', result.tenantId).executeTakeFirstOrThrow()).payload as TenantCreatedEvent
        const { rows } = await sql<{ created_at: string }>`SELECT created_at::text AS created_at FROM tenant_attribution WHERE tenant_id = ${result.tenantId}`.execute(db)
        t.equal(wallClockUtc(rows[0]?.created_at ?? ''), Date.parse(event.timestamp), 'stored wall-clock time is the event time in UTC')
        t.ok(Math.abs(Date.parse(event.timestamp) - before) < 60_000, 'the event time is now')
        t.equal((await inZone(db, zone, (trx) => findTenantAttribution(trx, result.tenantId)))?.created_at.toISOString(), event.timestamp)

        const code = `ZONE-${zone.replace('/', '-').toUpperCase()}`
        const created = await inZone(db, zone, (trx) => createReferralCode(trx, { code, expires_at: '2030-01-01T02:00:00+02:00' }))
        t.equal(created?.expires_at?.toISOString(), '2030-01-01T00:00:00.000Z')
        const { rows: stored } = await sql<{ expires_at: string, created_at: string }>`
          SELECT expires_at::text AS expires_at, created_at::text AS created_at FROM referral_codes WHERE code = ${code}`.execute(db)
        t.equal(stored[0]?.expires_at, '2030-01-01 00:00:00')
        t.ok(Math.abs(wallClockUtc(stored[0]?.created_at ?? '') - before) < 60_000, 'created_at is stored as UTC wall-clock time')
      })
    }
  })

  test(`${target.name}: the tables the migrations create have Quartermaster's columns, types and indexes`, async (t) => {
    const embedded = await target.open<HostDatabase>('embedded')
    t.teardown(() => embedded.close())
    t.equal((await migrateToLatest(embedded.db, { schema: embedded.schema })).error, undefined)
    const quartermaster = await openQuartermasterStore(target)
    t.teardown(() => quartermaster.close())

    t.same(await columns(embedded.db, embedded.schema), await columns(quartermaster.db, quartermaster.schema))
    t.same(await indexes(embedded.db, embedded.schema), await indexes(quartermaster.db, quartermaster.schema))
  })

  for (const expiresAt of ['TIMESTAMP', 'TIMESTAMPTZ'] as ExpiresAtType[]) {
    test(`${target.name}: with expires_at ${expiresAt}, expiry is decided in UTC whatever the session time zone`, async (t) => {
      const handle = await openQuartermasterStore(target, { expiresAt })
      t.teardown(() => handle.close())
      const { db } = handle
      const inAnHour = new Date(Date.now() + 3_600_000).toISOString()
      const anHourAgo = new Date(Date.now() - 3_600_000).toISOString()
      // As FrameWorks writes them: UTC, bound without a type so the column's type applies.
      await sql`INSERT INTO referral_codes (code, expires_at) VALUES ('VALID-1H', ${inAnHour}), ('PAST-1H', ${anHourAgo})`.execute(db)

      for (const zone of ZONES) {
        t.equal((await signup(db, 'VALID-1H', zone)).referralStatus, 'applied', `a code valid for another hour is applied in ${zone}`)
        t.equal((await signup(db, 'PAST-1H', zone)).referralStatus, 'expired', `a code expired an hour ago is expired in ${zone}`)
        const code = await inZone(db, zone, (trx) => findReferralCode(trx, 'VALID-1H'))
        t.equal(code?.expires_at?.toISOString(), inAnHour, `expires_at reads back as the same instant in ${zone}`)
      }
      t.equal((await findReferralCode(db, 'VALID-1H'))?.current_uses, ZONES.length)
      t.equal((await findReferralCode(db, 'PAST-1H'))?.current_uses, 0)
    })
  }
}
