/**
 * Client classification: which kind of client sent a request, and the rule that said so.
 *
 * Why a table of our own on top of `isbot` and `ua-parser-js` 1.x: `isbot` answers a
 * boolean and flags `node`, `HeadlessChrome` and `claude-code/` alike; `ua-parser-js` knows
 * browsers, not bots. The AI agent tokens below are versioned (`AGENT_TOKENS_VERSION`) and
 * matched on word boundaries, never as bare substrings (robots.txt names such as `Code` or
 * `Operator` would otherwise misfire).
 *
 * Headers (`X-PAYMENT`, `Signature-Agent`, `MCP-Protocol-Version`, …) are checked on every
 * request; only the user-agent part of the answer is cached, in a bounded LRU, because
 * parsing a user agent costs tens of microseconds and a handful of agents send most traffic.
 */
import { createIsbotFromList, list as isbotList } from 'isbot'
import { LRUCache } from 'lru-cache'
import UAParser from 'ua-parser-js'
import type { ClientKind } from '../contracts.ts'

export const AGENT_TOKENS_VERSION = 1

/** User-agent tokens per class, in the order the classes are checked. */
export const AGENT_TOKENS: Readonly<Record<'ai_coding_agent' | 'ai_assistant' | 'ai_crawler' | 'headless_browser' | 'automation', readonly string[]>> = Object.freeze({
  ai_coding_agent: ['claude-code', 'Cursor', 'Google-Gemini-CLI', 'opencode', 'codex_cli_rs', 'frameworks-agent'],
  ai_assistant: ['ChatGPT-User', 'Claude-User', 'Perplexity-User', 'MistralAI-User', 'DuckAssistBot', 'meta-externalfetcher'],
  ai_crawler: ['GPTBot', 'OAI-SearchBot', 'ClaudeBot', 'Claude-SearchBot', 'anthropic-ai', 'PerplexityBot',
    'Bytespider', 'Amazonbot', 'meta-externalagent', 'CCBot', 'cohere-ai', 'Google-CloudVertexBot'],
  headless_browser: ['HeadlessChrome', 'PhantomJS', 'SlimerJS', 'Playwright', 'Puppeteer', 'Selenium', 'Lightpanda'],
  automation: ['curl', 'Wget', 'python-requests', 'python-httpx', 'python-urllib', 'aiohttp', 'axios',
    'node-fetch', 'undici', 'node', 'Go-http-client', 'Java-http-client', 'okhttp', 'libwww-perl',
    'PostmanRuntime', 'insomnia', 'HTTPie', 'Deno', 'Bun', 'got', 'Ruby', 'Faraday', 'reqwest', 'Dart']
})

/** The answer for one request. */
export interface ClientClass {
  kind: ClientKind
  isAgent: boolean
  /** The rule that matched, e.g. `header:x-payment`, `ua:GPTBot`, `isbot`, `ua:browser`. */
  rule: string
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
/** A token on word boundaries: not inside a longer name, optionally followed by `/version`. */
function tokenRegex (tokens: readonly string[]): RegExp {
  return new RegExp(`(?<![\\w-])(${tokens.map(escape).join('|')})(?![\\w-])`, 'i')
}

const UA_RULES: ReadonlyArray<readonly [ClientKind, RegExp]> = [
  ['ai_coding_agent', tokenRegex(AGENT_TOKENS.ai_coding_agent)],
  ['ai_assistant', tokenRegex(AGENT_TOKENS.ai_assistant)],
  ['ai_crawler', tokenRegex(AGENT_TOKENS.ai_crawler)],
  ['headless_browser', tokenRegex(AGENT_TOKENS.headless_browser)],
  ['automation', tokenRegex(AGENT_TOKENS.automation)]
]
const TOKEN_CANONICAL = new Map<string, string>()
for (const tokens of Object.values(AGENT_TOKENS)) for (const t of tokens) TOKEN_CANONICAL.set(t.toLowerCase(), t)

// isbot flags `HeadlessChrome` as "Headless"; we want headless browsers as their own class,
// which the token table above already catches, so isbot stays the generic crawler test.
const isCrawler = createIsbotFromList(isbotList)

/** Longest user agent considered; longer ones are cut (and cached) at this length. */
export const MAX_UA_LENGTH = 512

const ACTIVE = (value: string | string[] | undefined): boolean => value !== undefined && value !== ''

/** Classifies a user agent alone (no headers). Pure and uncached. */
export function classifyUserAgent (userAgent: string | undefined): ClientClass {
  const ua = (userAgent ?? '').slice(0, MAX_UA_LENGTH).trim()
  if (ua === '') return { kind: 'automation', isAgent: true, rule: 'ua:missing' }
  for (const [kind, re] of UA_RULES) {
    const m = re.exec(ua)
    if (m !== null) return { kind, isAgent: true, rule: `ua:${TOKEN_CANONICAL.get(m[1]!.toLowerCase()) ?? m[1]!}` }
  }
  if (isCrawler(ua)) return { kind: 'crawler', isAgent: true, rule: 'isbot' }
  const parsed = new UAParser(ua).getResult()
  if (parsed.browser.name === undefined && parsed.engine.name === undefined) {
    return { kind: 'automation', isAgent: true, rule: 'ua:unrecognized' }
  }
  if (parsed.browser.name?.toLowerCase().includes('headless') === true) {
    return { kind: 'headless_browser', isAgent: true, rule: 'ua:headless' }
  }
  return { kind: 'browser', isAgent: false, rule: 'ua:browser' }
}

/** The request headers classification reads. */
export interface ClientHeaders {
  'user-agent'?: string | undefined
  [name: string]: string | string[] | undefined
}

/** Classification with a bounded LRU cache of user-agent answers. */
export interface ClientClassifier {
  classify: (headers: ClientHeaders) => ClientClass
  /** Entries in the user-agent cache. */
  readonly size: number
}

const X402: ClientClass = Object.freeze({ kind: 'x402_client', isAgent: true, rule: 'header:x-payment' })
const X402_V2: ClientClass = Object.freeze({ kind: 'x402_client', isAgent: true, rule: 'header:payment-signature' })
const SIGNED: ClientClass = Object.freeze({ kind: 'signed_agent', isAgent: true, rule: 'header:signature-agent' })
const MCP: ClientClass = Object.freeze({ kind: 'mcp_client', isAgent: true, rule: 'header:mcp-protocol-version' })
const MCP_SESSION: ClientClass = Object.freeze({ kind: 'mcp_client', isAgent: true, rule: 'header:mcp-session-id' })
const FW_AGENT: ClientClass = Object.freeze({ kind: 'ai_coding_agent', isAgent: true, rule: 'header:x-frameworks-agent' })

/** Header checks, in the reference order; they run per request, never cached by user agent. */
function classifyHeaders (headers: ClientHeaders): ClientClass | null {
  if (ACTIVE(headers['payment-signature'])) return X402_V2
  if (ACTIVE(headers['x-payment'])) return X402
  if (ACTIVE(headers['signature-agent']) && ACTIVE(headers['signature-input'])) return SIGNED
  if (ACTIVE(headers['mcp-protocol-version'])) return MCP
  if (ACTIVE(headers['mcp-session-id'])) return MCP_SESSION
  return null
}

const AGENT_HEADER_TRUE = /^(?:true|1|yes)$/i
const LOWER_THAN_CODING_AGENT = new Set<ClientKind>(['ai_assistant', 'ai_crawler', 'crawler', 'headless_browser', 'automation', 'browser'])

/** Creates a classifier whose user-agent cache holds at most `cacheSize` entries. */
export function createClientClassifier (cacheSize: number): ClientClassifier {
  const cache = new LRUCache<string, ClientClass>({ max: cacheSize })
  function byUserAgent (ua: string | undefined): ClientClass {
    const key = ua === undefined ? '' : ua.length > MAX_UA_LENGTH ? ua.slice(0, MAX_UA_LENGTH) : ua
    let hit = cache.get(key)
    if (hit === undefined) {
      hit = Object.freeze(classifyUserAgent(key))
      cache.set(key, hit)
    }
    return hit
  }
  return {
    classify (headers) {
      const fromHeaders = classifyHeaders(headers)
      if (fromHeaders !== null) return fromHeaders
      const fromUa = byUserAgent(headers['user-agent'])
      const flag = headers['x-frameworks-agent']
      if (flag !== undefined && LOWER_THAN_CODING_AGENT.has(fromUa.kind) && typeof flag === 'string' && AGENT_HEADER_TRUE.test(flag.trim())) {
        return FW_AGENT
      }
      return fromUa
    },
    get size () { return cache.size }
  }
}
