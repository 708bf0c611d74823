/**
 * The soak's clients: real HTTP against the listening example gateway, each kind of request
 * a user or an operator sends — campaign and plain visits, a bot, referral links, signups on
 * all five paths (e-mail, SIWE wallet, x402 v1 and v2, API key) with referral codes, the five
 * reports as JSON and CSV, the public stats, erasures. Every answer is counted by kind and
 * status into bounded structures (counters, `perf_hooks` histograms, the 5xx list), since
 * the clients share the gateway's process and its RSS is measured.
 */
import { randomBytes } from 'node:crypto'
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import type { Address, Hex } from 'viem'
import { authorizationTypedData, type Authorization } from '../../example/signup/x402.ts'

export const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const BOT_UA = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'
const REQUEST_TIMEOUT_MS = 60_000

/** The five signup paths. */
export const SIGNUP_PATHS = ['email', 'wallet', 'x402_v1', 'x402_v2', 'api'] as const
export type SignupPath = typeof SIGNUP_PATHS[number]

/** Latency groups reported as p99. */
export type LatencyGroup = 'capture' | 'signup' | 'report'

/** One answer with status 5xx (or no answer: status 0), kept to place it against the fault windows. */
export interface ServerError { kind: string, status: number, startedAt: number, endedAt: number, detail: string }

/** What the clients saw. */
export class LoadRecorder {
  /** kind → status → count (`0` = no HTTP answer). */
  readonly statuses = new Map<string, Map<number, number>>()
  readonly latency: Record<LatencyGroup, RecordableHistogram> = {
    capture: createHistogram(), signup: createHistogram(), report: createHistogram()
  }

  readonly serverErrors: ServerError[] = []
  /** Tenants answered 201, by path. */
  readonly signups = new Map<string, SignupPath>()
  readonly erased = new Set<string>()
  /** Unexpected non-5xx answers (a 4xx the clients did not ask for), first few. */
  readonly surprises: string[] = []

  count (kind: string, status: number): void {
    let byStatus = this.statuses.get(kind)
    if (byStatus === undefined) this.statuses.set(kind, byStatus = new Map())
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1)
  }

  surprise (text: string): void { if (this.surprises.length < 50) this.surprises.push(text) }

  /** `{ kind: { status: n } }`, sorted. */
  statusTable (): Record<string, Record<string, number>> {
    const kinds = [...this.statuses.keys()].sort()
    return Object.fromEntries(kinds.map((k) => [k, Object.fromEntries([...this.statuses.get(k)!.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => [String(s), n]))]))
  }
}

export interface Answer { status: number, headers: Headers, text: string }

export interface ClientContext {
  baseUrl: string
  operatorToken: string
  apiKey: string
  publicBaseUrl: string
  referralCodes: readonly string[]
  recorder: LoadRecorder
  /** Wall-clock end of the load (ms since epoch). */
  until: number
}

/** One request, counted; never throws (a failed fetch is status 0). */
export async function send (ctx: ClientContext, kind: string, path: string, init: { method?: string, body?: unknown, headers?: Record<string, string>, group?: LatencyGroup } = {}): Promise<Answer> {
  const headers: Record<string, string> = { 'user-agent': BROWSER_UA, ...init.headers }
  if (init.body !== undefined) headers['content-type'] = 'application/json'
  const started = Date.now()
  const t0 = process.hrtime.bigint()
  let answer: Answer
  try {
    const res = await fetch(ctx.baseUrl + path, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {})
    })
    answer = { status: res.status, headers: res.headers, text: await res.text() }
  } catch (err) {
    answer = { status: 0, headers: new Headers(), text: String((err as Error).message ?? err) }
  }
  const elapsed = process.hrtime.bigint() - t0
  if (init.group !== undefined && answer.status > 0 && answer.status < 500) ctx.recorder.latency[init.group].record(elapsed > 0n ? elapsed : 1n)
  ctx.recorder.count(kind, answer.status)
  if (answer.status === 0 || answer.status >= 500) {
    ctx.recorder.serverErrors.push({ kind, status: answer.status, startedAt: started, endedAt: Date.now(), detail: answer.text.slice(0, 200) })
  }
  return answer
}

const pick = <T>(items: readonly T[], i: number): T => items[i % items.length]!

/** A visit with a campaign, a plain visit, a bot, a referral link — in turn. */
export async function visitLoop (ctx: ClientContext, paceMs: number): Promise<void> {
  const sources = [['newsletter', 'email'], ['google', 'cpc'], ['twitter', 'social'], ['partner', 'referral']] as const
  for (let i = 0; Date.now() < ctx.until; i++) {
    switch (i % 4) {
      case 0: {
        const [source, medium] = pick(sources, i >> 2)
        const res = await send(ctx, 'visit_campaign', `/?utm_source=${source}&utm_medium=${medium}&utm_campaign=soak-${i % 7}`, { group: 'capture' })
        if (res.status === 200 && res.headers.getSetCookie().length === 0) ctx.recorder.surprise('campaign visit without a cookie')
        break
      }
      case 1: await send(ctx, 'visit_plain', '/', { group: 'capture' }); break
      case 2: await send(ctx, 'visit_bot', '/?utm_source=crawler', { group: 'capture', headers: { 'user-agent': BOT_UA } }); break
      default: {
        const res = await send(ctx, 'referral_link', `/r/${pick(ctx.referralCodes, i)}`, { group: 'capture' })
        if (res.status !== 302 && res.status < 500 && res.status !== 0) ctx.recorder.surprise(`referral link answered ${res.status}`)
      }
    }
    await sleep(paceMs)
  }
}

function cookieOf (answer: Answer): string | undefined {
  const cookies = answer.headers.getSetCookie().map((c) => c.split(';')[0]).filter((c): c is string => c !== undefined && c !== '')
  return cookies.length > 0 ? cookies.join('; ') : undefined
}

async function x402Header (payTo: Address, version: 1 | 2, resource: string): Promise<string> {
  const payer = privateKeyToAccount(generatePrivateKey())
  const now = Math.floor(Date.now() / 1000)
  const authorization: Authorization = {
    from: payer.address,
    to: payTo,
    value: '10000',
    validAfter: String(now - 60),
    validBefore: String(now + 240),
    nonce: `0x${randomBytes(32).toString('hex')}` as Hex
  }
  const signature = await payer.signTypedData(authorizationTypedData(authorization))
  const payload = version === 1
    ? { x402Version: 1, scheme: 'exact', network: 'base', payload: { signature, authorization } }
    : {
        x402Version: 2,
        resource: { url: resource },
        accepted: { scheme: 'exact', network: 'eip155:8453', amount: '10000', asset: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913', payTo, maxTimeoutSeconds: 300 },
        payload: { signature, authorization }
      }
  return Buffer.from(JSON.stringify(payload)).toString('base64')
}

/** One signup on `path`; returns the tenant id of a 201. */
async function signupOnce (ctx: ClientContext, path: SignupPath, i: number): Promise<string | undefined> {
  // Every third signup names a referral code (one in nine an unknown one), where the path takes one.
  const code = i % 9 === 0 ? 'soak-unknown-code' : i % 3 === 0 ? pick(ctx.referralCodes, i) : undefined
  const referral = code !== undefined ? { referral_code: code } : {}
  let res: Answer
  switch (path) {
    case 'email': {
      // A campaign visit first: the signup carries its cookie.
      const visit = await send(ctx, 'visit_campaign', `/?utm_source=newsletter&utm_medium=email&utm_campaign=soak-signup-${i % 5}`, { group: 'capture' })
      const cookie = cookieOf(visit)
      res = await send(ctx, 'signup_email', '/auth/register', {
        group: 'signup',
        body: { email: `soak-${randomBytes(8).toString('hex')}@example.com`, password: 'correct horse battery staple', ...referral },
        ...(cookie !== undefined ? { headers: { cookie } } : {})
      })
      break
    }
    case 'wallet': {
      const account = privateKeyToAccount(generatePrivateKey())
      const challenge = await send(ctx, 'wallet_challenge', '/auth/wallet-challenge', { body: { address: account.address, chain_id: pick([1, 8453, 42161], i) } })
      if (challenge.status !== 200) return undefined
      const { message } = JSON.parse(challenge.text) as { message: string }
      const signature = await account.signMessage({ message })
      res = await send(ctx, 'signup_wallet', `/auth/wallet-login?utm_source=wallet-app&utm_campaign=soak`, { group: 'signup', body: { message, signature, ...referral } })
      break
    }
    case 'x402_v1':
    case 'x402_v2': {
      const offer = await send(ctx, 'x402_offer', '/x402/provision', { method: 'POST', headers: { 'user-agent': 'x402-fetch/0.6 soak' } })
      if (offer.status !== 402) return undefined
      const payTo = (JSON.parse(offer.text) as { accepts: Array<{ payTo: Address }> }).accepts[0]!.payTo
      const version = path === 'x402_v1' ? 1 : 2
      const header = await x402Header(payTo, version, `${ctx.publicBaseUrl}x402/provision`)
      res = await send(ctx, `signup_${path}`, '/x402/provision', {
        method: 'POST', group: 'signup', headers: { 'user-agent': 'x402-fetch/0.6 soak', [version === 1 ? 'x-payment' : 'payment-signature']: header }
      })
      break
    }
    case 'api':
      res = await send(ctx, 'signup_api', `/api/tenants?utm_source=api-partner&utm_medium=integration`, {
        group: 'signup', body: { name: `soak ${i}`, ...referral }, headers: { authorization: `Bearer ${ctx.apiKey}` }
      })
      break
  }
  if (res.status === 201) return (JSON.parse(res.text) as { tenant_id: string }).tenant_id
  if (res.status > 0 && res.status < 500) ctx.recorder.surprise(`signup ${path} answered ${res.status}: ${res.text.slice(0, 160)}`)
  return undefined
}

/** Signups on the five paths in turn. */
export async function signupLoop (ctx: ClientContext, paceMs: number, offset: number): Promise<void> {
  for (let i = offset; Date.now() < ctx.until; i++) {
    const path = pick(SIGNUP_PATHS, i)
    const tenantId = await signupOnce(ctx, path, i)
    if (tenantId !== undefined) {
      if (ctx.recorder.signups.has(tenantId)) ctx.recorder.surprise(`tenant ${tenantId} answered 201 twice`)
      ctx.recorder.signups.set(tenantId, path)
    }
    await sleep(paceMs)
  }
}

const REPORTS = ['network-usage', 'acquisition-funnel', 'cohort-usage', 'referral-codes', 'tenant-usage'] as const

/** The five reports, JSON and CSV in turn, as the operator dashboard asks for them. */
export async function reportLoop (ctx: ClientContext, paceMs: number): Promise<void> {
  const auth = { authorization: `Bearer ${ctx.operatorToken}` }
  for (let i = 0; Date.now() < ctx.until; i++) {
    const report = pick(REPORTS, i)
    const csv = Math.floor(i / REPORTS.length) % 2 === 1
    await send(ctx, csv ? 'report_csv' : 'report_json', `/reports/${report}${csv ? '?format=csv' : ''}`, { group: 'report', headers: auth })
    await sleep(paceMs)
  }
}

/** The public network stats (a status page polling). */
export async function publicStatsLoop (ctx: ClientContext, paceMs: number): Promise<void> {
  while (Date.now() < ctx.until) {
    await send(ctx, 'public_stats', '/stats/network', { headers: { origin: new URL(ctx.publicBaseUrl).origin } })
    await sleep(paceMs)
  }
}

/** Erases a tenant signed up earlier, every `paceMs`. */
export async function erasureLoop (ctx: ClientContext, paceMs: number): Promise<void> {
  await sleep(paceMs)
  for (let i = 0; Date.now() < ctx.until; i++) {
    const candidates = [...ctx.recorder.signups.keys()].filter((id) => !ctx.recorder.erased.has(id))
    const tenantId = candidates[(i * 7919) % Math.max(candidates.length, 1)]
    if (tenantId !== undefined) {
      const res = await send(ctx, 'erasure', `/tenants/${tenantId}/attribution`, { method: 'DELETE', headers: { authorization: `Bearer ${ctx.operatorToken}` } })
      if (res.status === 204) ctx.recorder.erased.add(tenantId)
      else if (res.status > 0 && res.status < 500) ctx.recorder.surprise(`erasure answered ${res.status}`)
    }
    await sleep(paceMs)
  }
}
