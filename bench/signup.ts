/**
 * `npm run bench:signup`: what `recordSignup` adds to a gateway's tenant-creation
 * transaction, on a real Postgres, measured in one run.
 *
 * Three variants of the same transaction (BEGIN, INSERT tenant, …, COMMIT) on one pooled
 * connection, one signup after another:
 * - baseline: the tenant row only;
 * - recordSignup: + attribution row and outbox event (no referral code);
 * - recordSignup + code: + a referral code redeemed (a code with no limit).
 * Within a round the variants are interleaved signup by signup (rotating order), so a burst
 * of load from elsewhere hits all three alike; each round gives p50, p99 and signups/s
 * (1 / mean transaction time, one connection) per variant, and the figures printed are
 * medians over rounds. Target: recording adds under 1 ms at p50.
 *
 * Env: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), BENCH_ROUNDS (5),
 * BENCH_SIGNUPS (per variant and round, 300). The bench works in its own schema and drops it.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { sql } from 'kysely'
import type { SignupAttribution } from '../src/contracts.ts'
import { openPostgres } from '../src/postgres/client.ts'
import type { Database } from '../src/store/database.ts'
import { migrateToLatest } from '../src/postgres/migrations.ts'
import { recordSignup } from '../src/store/record-signup.ts'
import { createReferralCode } from '../src/store/referral-codes.repository.ts'

interface BenchDatabase extends Database {
  tenants: { id: string, name: string }
}

const url = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test'
const rounds = Number(process.env.BENCH_ROUNDS ?? 5)
const signups = Number(process.env.BENCH_SIGNUPS ?? 300)
const schema = `bench_signup_${randomBytes(4).toString('hex')}`

const attribution = (code: string | null): SignupAttribution => ({
  signup_channel: 'web',
  signup_method: 'email_password',
  utm_source: 'newsletter',
  utm_medium: 'email',
  utm_campaign: 'launch-2026',
  utm_content: null,
  utm_term: null,
  http_referer: 'https://news.example.com/issue/42',
  landing_page: 'https://frameworks.network/pricing',
  referral_code: code,
  is_agent: false,
  metadata_json: '{"client_rule":"ua:browser","channel_rules":1}',
  channel_group: 'email',
  client_kind: 'browser',
  first_touch_at: new Date().toISOString(),
  last_touch: null
})

type Variant = 'baseline' | 'recordSignup' | 'recordSignup + code'
const VARIANTS: Variant[] = ['baseline', 'recordSignup', 'recordSignup + code']

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid] as number : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}
const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number

async function main (): Promise<void> {
  const handle = await openPostgres<BenchDatabase>({ url, schema, poolSize: 1 })
  const { db } = handle
  try {
    const migrated = await migrateToLatest(db, { schema })
    if (migrated.error !== undefined) throw migrated.error
    await sql`CREATE TABLE tenants (id UUID PRIMARY KEY, name TEXT NOT NULL)`.execute(db)
    await createReferralCode(db, { code: 'BENCH-OPEN', max_uses: null })

    const once = async (variant: Variant): Promise<number> => {
      const tenantId = randomUUID()
      const start = performance.now()
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('tenants').values({ id: tenantId, name: 'bench' }).execute()
        if (variant === 'recordSignup') await recordSignup(trx, { tenantId, attribution: attribution(null) })
        else if (variant === 'recordSignup + code') await recordSignup(trx, { tenantId, attribution: attribution('bench-open') })
      })
      return performance.now() - start
    }

    // Warm-up: connection, plans, JIT.
    for (const v of VARIANTS) for (let i = 0; i < 200; i++) await once(v)

    const perRound: Record<Variant, Array<{ p50: number, p99: number, rate: number }>> = {
      baseline: [], recordSignup: [], 'recordSignup + code': []
    }
    for (let r = 0; r < rounds; r++) {
      // Interleaved signup by signup (rotating order), so every variant meets the same load.
      const times: Record<Variant, number[]> = { baseline: [], recordSignup: [], 'recordSignup + code': [] }
      for (let i = 0; i < signups; i++) {
        for (let k = 0; k < VARIANTS.length; k++) {
          const variant = VARIANTS[(i + k) % VARIANTS.length] as Variant
          times[variant].push(await once(variant))
        }
      }
      for (const variant of VARIANTS) {
        const sorted = times[variant].sort((a, b) => a - b)
        const total = sorted.reduce((sum, x) => sum + x, 0)
        perRound[variant].push({ p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), rate: signups / (total / 1000) })
      }
    }

    const summary = Object.fromEntries(VARIANTS.map((v) => [v, {
      p50: median(perRound[v].map((x) => x.p50)),
      p99: median(perRound[v].map((x) => x.p99)),
      rate: median(perRound[v].map((x) => x.rate)),
      p50Spread: [Math.min(...perRound[v].map((x) => x.p50)), Math.max(...perRound[v].map((x) => x.p50))]
    }])) as Record<Variant, { p50: number, p99: number, rate: number, p50Spread: number[] }>

    const base = summary.baseline
    console.log(`signup transaction on ${handle.engine} (${rounds} rounds × ${signups} signups per variant, medians of rounds)`)
    console.log('variant               p50 ms   p99 ms   signups/s   p50 ratio   p50 added   p50 range over rounds')
    for (const v of VARIANTS) {
      const s = summary[v]
      console.log(
        `${v.padEnd(20)} ${s.p50.toFixed(3).padStart(7)}  ${s.p99.toFixed(3).padStart(7)}   ${s.rate.toFixed(0).padStart(9)}   ` +
        `${(s.p50 / base.p50).toFixed(2).padStart(8)}×  ${(s.p50 - base.p50).toFixed(3).padStart(8)} ms   ` +
        `${s.p50Spread.map((x) => x.toFixed(3)).join('–')} ms`
      )
    }
    const added = summary.recordSignup.p50 - base.p50
    console.log(`target: recordSignup adds < 1 ms at p50 → ${added.toFixed(3)} ms: ${added < 1 ? 'met' : 'NOT met'}`)
  } finally {
    try { await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(db) } finally { await handle.close() }
  }
}

main().catch((err: unknown) => {
  console.error('bench:signup failed:', err instanceof Error ? err.message : err)
  process.exitCode = 1
})
