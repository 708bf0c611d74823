/**
 * Environment configuration of the example gateway and its commands (`npm run migrate`,
 * `npm run relay`).
 *
 * Read once, validated, frozen. Secrets that are not configured are generated once and kept
 * in `DATA_DIR`, so a development gateway keeps its cookies and operator token across
 * restarts without anyone setting anything.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { resolve, join } from 'node:path'
import { ERR_INVALID_OPTION, parseSeedDemoMode, type ClickHouseOptions, type SeedDemoMode } from '@frameworks/attribution'

export const DEFAULT_PORT = 3000
export const DEFAULT_HOST = '127.0.0.1'
export const DEFAULT_DATA_DIR = './.data'
export const DEFAULT_PG_SCHEMA = 'attribution'

// Schema and database names are put in SQL as identifiers: letters, digits and `_` only.
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

function identifier (name: string, value: string): string {
  if (!IDENTIFIER.test(value)) throw new ERR_INVALID_OPTION(name, 'must be an identifier ([A-Za-z_][A-Za-z0-9_]*, at most 63 characters)')
  return value
}

export interface GatewayConfig {
  port: number
  host: string
  /** Absolute path of the embedded engines' files and generated secrets. */
  dataDir: string
  /** Cookie signing secrets, newest first. */
  cookieSecrets: readonly string[]
  /** Whether `cookieSecrets` were generated (development). */
  cookieSecretsGenerated: boolean
  databaseUrl: string | undefined
  clickhouseUrl: string | undefined
  /**
   * FrameWorks' ClickHouse database (`CLICKHOUSE_DATABASE`; `periscope` in FrameWorks), only
   * read and appended to. Unset: `default` on a server, `periscope` on chDB.
   */
  clickhouseDatabase: string | undefined
  /** The package's own ClickHouse database (`CLICKHOUSE_ATTRIBUTION_DATABASE`; unset: `attribution`). */
  clickhouseAttributionDatabase: string | undefined
  /** Postgres schema holding the package's tables. */
  pgSchema: string
  operatorTokens: readonly string[]
  /** Whether `operatorTokens` were generated (then printed at start). */
  operatorTokenGenerated: boolean
  /** Where referral links redirect; also counts as our own host for referrers. */
  publicBaseUrl: string
  /** API keys for server-to-server signups (`POST /api/tenants`). */
  apiKeys: readonly string[]
  /**
   * Origins whose pages may read `GET /stats/network` (`STATS_CORS_ORIGINS`, comma-separated).
   * Unset: the origin of `publicBaseUrl` (the public site).
   */
  statsCorsOrigins: readonly string[]
  /**
   * First-start demo data (`SEED_DEMO`): `auto` (default) seeds an empty embedded chDB,
   * `always` also an empty server, `never` (`SEED_DEMO=0`) nothing. Absent → `auto`.
   */
  seedDemo?: SeedDemoMode
}

const list = (value: string | undefined): string[] =>
  (value ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0)

/** Reads a secret kept in the data directory, creating it once. */
function keptSecret (dataDir: string, name: string): string {
  const file = join(dataDir, name)
  try {
    const existing = readFileSync(file, 'utf8').trim()
    if (existing.length > 0) return existing
  } catch { /* first start */ }
  mkdirSync(dataDir, { recursive: true })
  const secret = randomBytes(32).toString('base64url')
  writeFileSync(file, secret + '\n', { mode: 0o600 })
  return secret
}

/** Loads and validates the configuration from an environment (default `process.env`). */
export function loadConfig (env: NodeJS.ProcessEnv = process.env): Readonly<GatewayConfig> {
  const port = env.PORT === undefined || env.PORT === '' ? DEFAULT_PORT : Number(env.PORT)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ERR_INVALID_OPTION('PORT', 'must be an integer from 0 to 65535')
  const host = env.HOST || DEFAULT_HOST
  const dataDir = resolve(env.DATA_DIR || DEFAULT_DATA_DIR)
  const pgSchema = identifier('PG_SCHEMA', env.PG_SCHEMA || DEFAULT_PG_SCHEMA)
  const clickhouseDatabase = env.CLICKHOUSE_DATABASE ? identifier('CLICKHOUSE_DATABASE', env.CLICKHOUSE_DATABASE) : undefined
  const clickhouseAttributionDatabase = env.CLICKHOUSE_ATTRIBUTION_DATABASE
    ? identifier('CLICKHOUSE_ATTRIBUTION_DATABASE', env.CLICKHOUSE_ATTRIBUTION_DATABASE)
    : undefined

  let cookieSecrets = list(env.COOKIE_SECRETS)
  const cookieSecretsGenerated = cookieSecrets.length === 0
  if (cookieSecretsGenerated) cookieSecrets = [keptSecret(dataDir, 'cookie-secret')]
  if (cookieSecrets.some((s) => s.length < 32)) throw new ERR_INVALID_OPTION('COOKIE_SECRETS', 'each secret needs at least 32 characters')

  let operatorTokens = list(env.OPERATOR_TOKENS)
  const operatorTokenGenerated = operatorTokens.length === 0
  if (operatorTokenGenerated) operatorTokens = [keptSecret(dataDir, 'operator-token')]

  const publicBaseUrl = env.PUBLIC_BASE_URL || `http://localhost:${port}/`
  let parsed: URL
  try { parsed = new URL(publicBaseUrl) } catch { throw new ERR_INVALID_OPTION('PUBLIC_BASE_URL', 'must be an absolute http(s) URL') }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ERR_INVALID_OPTION('PUBLIC_BASE_URL', 'must be an absolute http(s) URL')

  return Object.freeze({
    port,
    host,
    dataDir,
    cookieSecrets: Object.freeze(cookieSecrets),
    cookieSecretsGenerated,
    databaseUrl: env.DATABASE_URL || undefined,
    clickhouseUrl: env.CLICKHOUSE_URL || undefined,
    clickhouseDatabase,
    clickhouseAttributionDatabase,
    pgSchema,
    operatorTokens: Object.freeze(operatorTokens),
    operatorTokenGenerated,
    publicBaseUrl: parsed.href,
    apiKeys: Object.freeze(list(env.API_KEYS)),
    statsCorsOrigins: Object.freeze(env.STATS_CORS_ORIGINS === undefined ? [parsed.origin] : list(env.STATS_CORS_ORIGINS)),
    seedDemo: parseSeedDemoMode(env.SEED_DEMO)
  })
}

/** The ClickHouse connection a configuration names: `CLICKHOUSE_URL`, else chDB in `DATA_DIR/chdb`. */
export function clickHouseOptionsOf (config: Readonly<GatewayConfig>): ClickHouseOptions {
  const database = {
    ...(config.clickhouseDatabase !== undefined ? { database: config.clickhouseDatabase } : {}),
    ...(config.clickhouseAttributionDatabase !== undefined ? { attributionDatabase: config.clickhouseAttributionDatabase } : {})
  }
  return config.clickhouseUrl !== undefined
    ? { url: config.clickhouseUrl, ...database }
    : { dataDir: join(config.dataDir, 'chdb'), ...database }
}
