/**
 * `npm start`: the example gateway on the embedded engines (or the servers named by
 * `DATABASE_URL` / `CLICKHOUSE_URL`). Logs one line with its URL when ready and shuts down
 * cleanly on SIGTERM/SIGINT.
 */
import { loadConfig } from './config.ts'
import { buildGateway } from './app.ts'

const config = loadConfig()
const app = await buildGateway(config, { logger: { level: process.env.LOG_LEVEL ?? 'warn' } })

let closing = false
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (closing) return
    closing = true
    app.close().then(() => process.exit(0), (err: unknown) => {
      console.error('shutdown failed', err)
      process.exit(1)
    })
  })
}

const address = await app.listen({ port: config.port, host: config.host })
const url = address.replace('[::1]', 'localhost')
const token = config.operatorTokenGenerated ? ` (operator token: ${config.operatorTokens[0]})` : ''
console.log(`FrameWorks attribution gateway listening on ${url}${token}`)
