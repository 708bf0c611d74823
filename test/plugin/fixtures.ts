/**
 * Shared fixtures of the capture plugin tests: real user agents and headers, a Fastify app
 * with the plugin, and a small cookie jar for real HTTP clients.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import Fastify, { type FastifyInstance } from 'fastify'
import { attributionCapturePlugin, type AttributionCaptureOptions } from '../../src/plugin/index.ts'
import { problemErrorHandler } from '../../src/errors.ts'

export const SECRET = 'test-secret-0123456789-abcdefghij-klmnop'
export const OLD_SECRET = 'old-secret-0123456789-abcdefghij-qrstuv'
export const OTHER_SECRET = 'other-secret-9876543210-zyxwvutsrq-pon'
export const PUBLIC_BASE_URL = 'https://app.example.com/'

/** Real user-agent strings (from vendors' documentation and access logs). */
export const UA = {
  chrome: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  safariIphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  firefox: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  chatgptUser: 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; ChatGPT-User/1.0; +https://openai.com/bot',
  claudeUser: 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Claude-User/1.0; +Claude-User@anthropic.com)',
  perplexityUser: 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Perplexity-User/1.0; +https://perplexity.ai/perplexity-user)',
  gptBot: 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; GPTBot/1.2; +https://openai.com/gptbot',
  claudeBot: 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)',
  perplexityBot: 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; PerplexityBot/1.0; +https://perplexity.ai/perplexitybot)',
  ccBot: 'CCBot/2.0 (https://commoncrawl.org/faq/)',
  googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  bingbot: 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  claudeCode: 'claude-code/1.0.83',
  cursor: 'Cursor/1.4.2',
  geminiCli: 'Google-Gemini-CLI/0.1.5 (linux; x64)',
  headlessChrome: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36',
  curl: 'curl/8.5.0',
  pythonRequests: 'python-requests/2.32.3',
  node: 'node',
  undici: 'undici',
  goHttp: 'Go-http-client/1.1'
} as const

export const NAVIGATE = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'sec-fetch-mode': 'navigate', 'user-agent': UA.chrome }

/** A fresh Fastify app with the plugin and a few public routes. */
export async function buildApp (options: Partial<AttributionCaptureOptions> = {}): Promise<FastifyInstance> {
  const app = Fastify()
  app.setErrorHandler(problemErrorHandler)
  await app.register(attributionCapturePlugin, { secrets: [SECRET], publicBaseUrl: PUBLIC_BASE_URL, ...options })
  app.get('/', async () => ({ page: 'home' }))
  app.get('/pricing', async () => ({ page: 'pricing' }))
  app.get('/docs/*', async () => ({ page: 'docs' }))
  app.get('/api/items', async () => ({ items: [] }))
  app.get('/api/attribution', async (request) => request.attribution)
  app.get('/opted-out', { config: { attribution: false } }, async () => ({ ok: true }))
  app.post('/signup', async (request) => {
    const body = (request.body ?? {}) as { channel?: string, method?: string, metadata?: Record<string, unknown>, referralCode?: string, utm?: Record<string, string> }
    return request.signupAttribution({
      channel: (body.channel ?? 'web') as 'web',
      method: body.method ?? 'email_password',
      ...(body.metadata !== undefined ? { metadata: body.metadata } : {}),
      ...(body.referralCode !== undefined ? { referralCode: body.referralCode } : {}),
      ...(body.utm !== undefined ? { utm: body.utm } : {})
    })
  })
  return app
}

/** The `fw_attr=…` pair of a Set-Cookie answer, or undefined. */
export function cookiePair (setCookie: string | string[] | undefined, name = 'fw_attr'): string | undefined {
  const all = setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie]
  const line = all.find((c) => c.startsWith(name + '='))
  return line?.split(';')[0]
}

/** An HTTP answer as the jar's client returns it. */
export interface HttpAnswer {
  status: number
  headers: IncomingHttpHeaders
  setCookies: string[]
  body: string
  json: <T = unknown>() => T
}

/**
 * A real HTTP client (node:http, so headers such as `Sec-Fetch-Mode: navigate` go out as
 * given) with a minimal cookie jar: keeps name=value pairs, honours Max-Age=0, never
 * follows redirects.
 */
export class CookieJar {
  readonly #cookies = new Map<string, string>()

  /** Takes the Set-Cookie lines of an answer. */
  take (lines: readonly string[]): void {
    for (const line of lines) {
      const [pair, ...attributes] = line.split(';')
      const eq = pair!.indexOf('=')
      const name = pair!.slice(0, eq).trim()
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))
      if (expired) this.#cookies.delete(name)
      else this.#cookies.set(name, pair!.slice(eq + 1).trim())
    }
  }

  /** The Cookie header to send, or undefined when empty. */
  header (): string | undefined {
    if (this.#cookies.size === 0) return undefined
    return [...this.#cookies].map(([n, v]) => `${n}=${v}`).join('; ')
  }

  get (name: string): string | undefined {
    return this.#cookies.get(name)
  }

  /** One request with the jar's cookies; the answer's cookies are kept. */
  request (url: string, options: { method?: string, headers?: Record<string, string>, body?: string } = {}): Promise<HttpAnswer> {
    const headers: Record<string, string> = { ...options.headers }
    const cookie = this.header()
    if (cookie !== undefined) headers.cookie = cookie
    if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body))
    return new Promise((resolve, reject) => {
      const req = httpRequest(url, { method: options.method ?? 'GET', headers }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => { body += chunk })
        res.on('end', () => {
          const setCookies = res.headers['set-cookie'] ?? []
          this.take(setCookies)
          resolve({ status: res.statusCode ?? 0, headers: res.headers, setCookies, body, json: <T>() => JSON.parse(body) as T })
        })
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end(options.body)
    })
  }
}
