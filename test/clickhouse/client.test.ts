import t, { test } from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openClickHouse } from '../../src/clickhouse/client.ts'
import { migrateClickHouse } from '../../src/clickhouse/migrations.ts'

const dir = mkdtempSync(join(tmpdir(), 'fw-ch-'))
const ch = await openClickHouse(process.env.CLICKHOUSE_URL ? { url: process.env.CLICKHOUSE_URL } : { dataDir: dir })
t.teardown(async () => { await ch.close(); rmSync(dir, { recursive: true, force: true }) })

async function collect (stream: NodeJS.ReadableStream): Promise<string> {
  const parts: Buffer[] = []
  for await (const chunk of stream) parts.push(Buffer.from(chunk as Buffer))
  return Buffer.concat(parts).toString('utf8')
}

test('migrations apply once and are skipped on the second run', async (t) => {
  const first = await migrateClickHouse(ch)
  t.error(first.error)
  t.ok(first.results.length >= 2)
  t.ok(first.results.every((r) => r.status === 'applied'), 'an empty engine: FrameWorks\' objects and ours are created')
  const second = await migrateClickHouse(ch)
  t.error(second.error)
  t.ok(second.results.every((r) => r.status === 'skipped'))
  const res = await ch.frameworksClient.query({ query: 'SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name IN (\'tenant_acquisition_events\', \'tenant_viewer_daily\', \'processing_daily\', \'api_usage_daily\')', format: 'JSONEachRow' })
  t.equal(Number((await res.json<{ n: string }>())[0]?.n), 4)
})

test('a CSVWithNames stream of many blocks carries its header once and every row', async (t) => {
  const text = await collect(ch.streamQuery({
    query: 'SELECT number AS n, {tag:String} AS tag FROM numbers({rows:UInt64})',
    params: { rows: 300000, tag: 'x' },
    format: 'CSVWithNames'
  }))
  const lines = text.trimEnd().split('\n')
  t.equal(lines[0], '"n","tag"')
  t.equal(lines.length, 300001)
  t.equal(lines.filter((l) => l === '"n","tag"').length, 1)
  const sum = lines.slice(1).reduce((acc, l) => acc + Number(l.split(',')[0]), 0)
  t.equal(sum, (300000 * 299999) / 2)
})

test('bound parameters are values, never SQL', async (t) => {
  const text = await collect(ch.streamQuery({ query: 'SELECT {v:String} AS v', params: { v: "'); DROP TABLE x; --" }, format: 'JSONEachRow' }))
  t.same(JSON.parse(text), { v: "'); DROP TABLE x; --" })
})
