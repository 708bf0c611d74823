// The HTTP server child of `npm run bench:reports` (bench/reports.ts forks it): the reports
// plugin on a listening Fastify, from the built package (`npm run build`) on plain node, as
// a production gateway runs it. Under tsx the same server starts about 50 MB larger (tsx's
// loader thread and transform cache), which would count against the export's memory target.
// Answers its peak RSS on request.
import process from 'node:process'
import Fastify from 'fastify'
import { openClickHouse, problemErrorHandler, reportsPlugin } from '../dist/index.js'

const { dataDir, token } = JSON.parse(process.env.FW_BENCH_REPORTS_INPUT ?? '{}')
const ch = await openClickHouse({ dataDir })
const app = Fastify({ logger: false })
app.setErrorHandler(problemErrorHandler)
await app.register(reportsPlugin, { clickhouse: ch, operatorTokens: [token] })
app.addHook('onClose', async () => { await ch.close() })
await app.listen({ port: 0, host: '127.0.0.1' })
const address = app.server.address()
process.send?.({ type: 'listening', port: typeof address === 'object' && address !== null ? address.port : 0, rssMb: process.memoryUsage().rss / (1024 * 1024) })
process.on('message', (msg) => {
  if (msg.type === 'rss') process.send?.({ type: 'rss', maxRssMb: process.resourceUsage().maxRSS / 1024 })
  if (msg.type === 'exit') void app.close().then(() => process.exit(0))
})
