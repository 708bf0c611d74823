import { readFileSync } from 'node:fs'
import { test } from 'tap'
import type { AttributionSnapshot } from '../../src/contracts.ts'
import { CHANNEL_RULES, CHANNEL_RULES_VERSION, hostSourceKey, matchChannelRule, type ChannelInputs } from '../../src/shared/channel.ts'
import { buildApp, cookiePair, NAVIGATE } from '../plugin/fixtures.ts'

const none: ChannelInputs = { source: null, medium: null, campaign: null, referrerHost: null, clickIdType: null, extraParams: [], hasReferralCode: false }
const inputs = (over: Partial<ChannelInputs>): ChannelInputs => ({ ...none, ...over })

/** Each row: the rule it must hit, and a request (query + referer) that shows it through the plugin. */
const rows: Array<{ rule: string, unit: ChannelInputs, query?: string, referer?: string }> = [
  { rule: 'cross_network', unit: inputs({ source: 'google', medium: 'cpc', campaign: 'pmax cross-network q3' }), query: 'utm_source=google&utm_medium=cpc&utm_campaign=pmax+cross-network+q3' },
  { rule: 'paid_shopping', unit: inputs({ source: 'amazon', medium: 'cpc' }), query: 'utm_source=amazon&utm_medium=cpc' },
  { rule: 'paid_shopping', unit: inputs({ source: 'google', medium: 'cpc', campaign: 'shopping-spring' }), query: 'utm_source=google&utm_medium=cpc&utm_campaign=shopping-spring' },
  { rule: 'paid_search', unit: inputs({ source: 'google', medium: 'cpc' }), query: 'utm_source=google&utm_medium=cpc' },
  { rule: 'paid_search', unit: inputs({ clickIdType: 'gclid', referrerHost: 'google.com' }), query: 'gclid=Cj0KCQ', referer: 'https://www.google.com/' },
  { rule: 'paid_search', unit: inputs({ clickIdType: 'msclkid' }), query: 'msclkid=abc' },
  { rule: 'paid_search', unit: inputs({ extraParams: ['gad_source'] }), query: 'gad_source=1' },
  { rule: 'paid_social', unit: inputs({ source: 'facebook', medium: 'paid_social' }), query: 'utm_source=fb&utm_medium=paid_social' },
  { rule: 'paid_social', unit: inputs({ clickIdType: 'ttclid' }), query: 'ttclid=E.C.P' },
  { rule: 'paid_video', unit: inputs({ source: 'youtube', medium: 'cpv' }), query: 'utm_source=youtube&utm_medium=cpv' },
  { rule: 'display', unit: inputs({ source: 'dv360', medium: 'display' }), query: 'utm_source=dv360&utm_medium=display' },
  { rule: 'display', unit: inputs({ source: 'adnet', medium: 'cpm' }), query: 'utm_source=adnet&utm_medium=cpm' },
  { rule: 'paid_other', unit: inputs({ source: 'carbon', medium: 'ppc' }), query: 'utm_source=carbon&utm_medium=ppc' },
  { rule: 'organic_shopping', unit: inputs({ referrerHost: 'etsy.com' }), referer: 'https://www.etsy.com/listing/1' },
  { rule: 'organic_social', unit: inputs({ referrerHost: 't.co' }), referer: 'https://t.co/abc' },
  { rule: 'organic_social', unit: inputs({ referrerHost: 'news.ycombinator.com' }), referer: 'https://news.ycombinator.com/item?id=1' },
  { rule: 'organic_social', unit: inputs({ source: 'partner', medium: 'social' }), query: 'utm_source=partner&utm_medium=social' },
  { rule: 'organic_social', unit: inputs({ clickIdType: 'fbclid' }), query: 'fbclid=IwAR' },
  { rule: 'organic_video', unit: inputs({ referrerHost: 'youtube.com' }), referer: 'https://www.youtube.com/watch?v=x' },
  { rule: 'organic_video', unit: inputs({ source: 'webinar', medium: 'video' }), query: 'utm_source=webinar&utm_medium=video' },
  { rule: 'ai_assistant', unit: inputs({ referrerHost: 'chatgpt.com' }), referer: 'https://chatgpt.com/' },
  { rule: 'ai_assistant', unit: inputs({ source: 'chatgpt.com' }), query: 'utm_source=chatgpt.com' },
  { rule: 'ai_assistant', unit: inputs({ referrerHost: 'perplexity.ai' }), referer: 'https://www.perplexity.ai/search/x' },
  { rule: 'ai_assistant', unit: inputs({ source: 'perplexity' }), query: 'utm_source=perplexity' },
  { rule: 'ai_assistant', unit: inputs({ referrerHost: 'gemini.google.com' }), referer: 'https://gemini.google.com/app' },
  { rule: 'ai_assistant', unit: inputs({ referrerHost: 'claude.ai' }), referer: 'https://claude.ai/chat/1' },
  { rule: 'ai_assistant', unit: inputs({ referrerHost: 'copilot.microsoft.com' }), referer: 'https://copilot.microsoft.com/' },
  { rule: 'organic_search', unit: inputs({ referrerHost: 'google.com' }), referer: 'https://www.google.com/' },
  { rule: 'organic_search', unit: inputs({ referrerHost: 'google.co.uk' }), referer: 'https://www.google.co.uk/' },
  { rule: 'organic_search', unit: inputs({ referrerHost: 'duckduckgo.com' }), referer: 'https://duckduckgo.com/' },
  { rule: 'organic_search', unit: inputs({ source: 'partner', medium: 'organic' }), query: 'utm_source=partner&utm_medium=organic' },
  { rule: 'email', unit: inputs({ source: 'newsletter', medium: 'email' }), query: 'utm_source=newsletter&utm_medium=email' },
  { rule: 'email', unit: inputs({ referrerHost: 'mail.google.com' }), referer: 'https://mail.google.com/mail/u/0/' },
  { rule: 'email', unit: inputs({ extraParams: ['mc_cid'] }), query: 'mc_cid=abc123' },
  { rule: 'affiliate', unit: inputs({ source: 'partnerstack', medium: 'affiliate' }), query: 'utm_source=partnerstack&utm_medium=affiliate' },
  { rule: 'affiliate', unit: inputs({ clickIdType: 'irclid' }), query: 'irclid=x1' },
  { rule: 'audio', unit: inputs({ source: 'spotify', medium: 'audio' }), query: 'utm_source=spotify&utm_medium=audio' },
  { rule: 'sms', unit: inputs({ source: 'sms' }), query: 'utm_source=sms' },
  { rule: 'mobile_push', unit: inputs({ source: 'app', medium: 'push' }), query: 'utm_source=app&utm_medium=push' },
  { rule: 'mobile_push', unit: inputs({ source: 'firebase' }), query: 'utm_source=firebase' },
  { rule: 'referral_program', unit: inputs({ hasReferralCode: true }), query: 'ref=FRIEND42' },
  { rule: 'referral_program', unit: inputs({ hasReferralCode: true, referrerHost: 'blog.example.org' }), query: 'via=FRIEND42', referer: 'https://blog.example.org/post' },
  { rule: 'referral', unit: inputs({ referrerHost: 'blog.example.org' }), referer: 'https://blog.example.org/post' },
  { rule: 'referral', unit: inputs({ referrerHost: 'docs.google.com' }), referer: 'https://docs.google.com/document/d/1' },
  { rule: 'referral', unit: inputs({ source: 'partner', medium: 'link' }), query: 'utm_source=partner&utm_medium=link' },
  { rule: 'referral', unit: inputs({ source: 'some-partner' }), query: 'utm_source=some-partner' },
  { rule: 'direct', unit: none }
]

test('the channel rules table resolves row by row', async (t) => {
  for (const row of rows) t.equal(matchChannelRule(row.unit).id, row.rule, JSON.stringify(row.unit))
  t.same(new Set(rows.map((r) => r.rule)), new Set(CHANNEL_RULES.map((r) => r.id)), 'every rule has a row')
})

test('each row gives the same channel group through the plugin', async (t) => {
  const app = await buildApp()
  for (const row of rows) {
    const headers: Record<string, string> = { ...NAVIGATE }
    if (row.referer !== undefined) headers.referer = row.referer
    const res = await app.inject({ url: '/' + (row.query !== undefined ? '?' + row.query : ''), headers })
    const snap = (await app.inject({ url: '/api/attribution', headers: { cookie: cookiePair(res.headers['set-cookie'])! } })).json<AttributionSnapshot>()
    const expected = CHANNEL_RULES.find((r) => r.id === row.rule)!.group
    t.equal(snap.first_touch?.channel_group, expected, `${row.query ?? ''} ${row.referer ?? ''}`)
  }
})

test('hosts map to source keys without promoting unrelated subdomains', async (t) => {
  t.equal(hostSourceKey('www.google.com'), 'google')
  t.equal(hostSourceKey('google.com.au'), 'google')
  t.equal(hostSourceKey('l.facebook.com'), 'facebook')
  t.equal(hostSourceKey('docs.google.com'), 'docs.google.com')
  t.equal(hostSourceKey('gemini.google.com'), 'gemini')
})

test('the capture docs document the rule table of the current version in order', async (t) => {
  const readme = readFileSync(new URL('../../docs/capture.md', import.meta.url), 'utf8')
  t.match(readme, `channel rules v${CHANNEL_RULES_VERSION}`)
  const documented = [...readme.matchAll(/^\| (\d+) \| `([a-z_]+)` \| `([a-z_]+)` \|/gm)].map((m) => [Number(m[1]), m[2], m[3]])
  t.same(documented, CHANNEL_RULES.map((r, i) => [i + 1, r.id, r.group]))
})
