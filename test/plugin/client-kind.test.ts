import { test } from 'tap'
import { CLIENT_KINDS, type AttributionSnapshot } from '../../src/contracts.ts'
import { classifyUserAgent, createClientClassifier } from '../../src/plugin/client-kind.ts'
import { buildApp, UA } from './fixtures.ts'

const cases: Array<{ kind: string, rule: string, headers: Record<string, string> }> = [
  { kind: 'x402_client', rule: 'header:x-payment', headers: { 'user-agent': UA.node, 'x-payment': 'eyJ4NDAyVmVyc2lvbiI6MX0=' } },
  { kind: 'x402_client', rule: 'header:payment-signature', headers: { 'user-agent': UA.chrome, 'payment-signature': 'eyJ4NDAyVmVyc2lvbiI6Mn0=' } },
  { kind: 'signed_agent', rule: 'header:signature-agent', headers: { 'user-agent': UA.chrome, 'signature-agent': '"https://chatgpt.com"', 'signature-input': 'sig1=("@authority" "signature-agent");created=1735689600;keyid="poqkLGiymh_W0uP6PZFw-dvez3QJT5SolqXBCW38r0U";alg="ed25519";tag="web-bot-auth"', signature: 'sig1=:abc=:' } },
  { kind: 'mcp_client', rule: 'header:mcp-protocol-version', headers: { 'user-agent': UA.node, 'mcp-protocol-version': '2025-06-18' } },
  { kind: 'mcp_client', rule: 'header:mcp-session-id', headers: { 'user-agent': UA.node, 'mcp-session-id': '1868a90c-1b2f-4e1a-9b4f-3c0f5e2a7d11' } },
  { kind: 'ai_coding_agent', rule: 'ua:claude-code', headers: { 'user-agent': UA.claudeCode } },
  { kind: 'ai_coding_agent', rule: 'ua:Cursor', headers: { 'user-agent': UA.cursor } },
  { kind: 'ai_coding_agent', rule: 'ua:Google-Gemini-CLI', headers: { 'user-agent': UA.geminiCli } },
  { kind: 'ai_coding_agent', rule: 'header:x-frameworks-agent', headers: { 'user-agent': UA.curl, 'x-frameworks-agent': 'true' } },
  { kind: 'ai_assistant', rule: 'ua:ChatGPT-User', headers: { 'user-agent': UA.chatgptUser } },
  { kind: 'ai_assistant', rule: 'ua:Claude-User', headers: { 'user-agent': UA.claudeUser } },
  { kind: 'ai_assistant', rule: 'ua:Perplexity-User', headers: { 'user-agent': UA.perplexityUser } },
  { kind: 'ai_crawler', rule: 'ua:GPTBot', headers: { 'user-agent': UA.gptBot } },
  { kind: 'ai_crawler', rule: 'ua:ClaudeBot', headers: { 'user-agent': UA.claudeBot } },
  { kind: 'ai_crawler', rule: 'ua:PerplexityBot', headers: { 'user-agent': UA.perplexityBot } },
  { kind: 'ai_crawler', rule: 'ua:CCBot', headers: { 'user-agent': UA.ccBot } },
  { kind: 'crawler', rule: 'isbot', headers: { 'user-agent': UA.googlebot } },
  { kind: 'crawler', rule: 'isbot', headers: { 'user-agent': UA.bingbot } },
  { kind: 'headless_browser', rule: 'ua:HeadlessChrome', headers: { 'user-agent': UA.headlessChrome } },
  { kind: 'automation', rule: 'ua:curl', headers: { 'user-agent': UA.curl } },
  { kind: 'automation', rule: 'ua:python-requests', headers: { 'user-agent': UA.pythonRequests } },
  { kind: 'automation', rule: 'ua:node', headers: { 'user-agent': UA.node } },
  { kind: 'automation', rule: 'ua:undici', headers: { 'user-agent': UA.undici } },
  { kind: 'automation', rule: 'ua:Go-http-client', headers: { 'user-agent': UA.goHttp } },
  { kind: 'automation', rule: 'ua:missing', headers: { 'user-agent': '' } },
  { kind: 'browser', rule: 'ua:browser', headers: { 'user-agent': UA.chrome } },
  { kind: 'browser', rule: 'ua:browser', headers: { 'user-agent': UA.safariIphone } },
  { kind: 'browser', rule: 'ua:browser', headers: { 'user-agent': UA.firefox } }
]

test('every client kind is recognised from real user agents and headers', async (t) => {
  const classifier = createClientClassifier(100)
  for (const c of cases) {
    t.same(classifier.classify(c.headers), { kind: c.kind, isAgent: c.kind !== 'browser', rule: c.rule }, `${c.kind} via ${c.rule}`)
  }
  t.same(new Set(cases.map((c) => c.kind)), new Set(CLIENT_KINDS.filter((k) => k !== 'unknown')), 'the cases cover every kind the classifier gives')
})

test('the snapshot carries the client kind of each request', async (t) => {
  const app = await buildApp()
  for (const c of cases) {
    const snap = (await app.inject({ url: '/api/attribution', headers: c.headers })).json<AttributionSnapshot>()
    t.equal(snap.client_kind, c.kind, c.rule)
    t.equal(snap.is_agent, c.kind !== 'browser')
  }
})

test('agent tokens match on word boundaries only', async (t) => {
  t.equal(classifyUserAgent('Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Cursorial/1.0').kind, 'browser')
  t.equal(classifyUserAgent('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 nodeweaver').kind, 'browser')
  t.equal(classifyUserAgent('MyGPTBotanist/1.0 (+https://example.org)').kind, 'crawler', 'GPTBot inside a longer word is not the OpenAI crawler')
  t.equal(classifyUserAgent('node-fetch/1.0 (+https://github.com/bitinn/node-fetch)').rule, 'ua:node-fetch')
})

test('headers are read on every request, not cached with the user agent', async (t) => {
  const classifier = createClientClassifier(10)
  t.equal(classifier.classify({ 'user-agent': UA.node, 'mcp-protocol-version': '2025-06-18' }).kind, 'mcp_client')
  t.equal(classifier.classify({ 'user-agent': UA.node }).kind, 'automation')
  t.equal(classifier.classify({ 'user-agent': UA.chrome, 'x-payment': 'abc' }).kind, 'x402_client')
  t.equal(classifier.classify({ 'user-agent': UA.chrome }).kind, 'browser')
  t.equal(classifier.classify({ 'user-agent': UA.chrome, 'signature-agent': '"https://chatgpt.com"' }).kind, 'browser', 'Signature-Agent without Signature-Input is not a signed agent')
  t.equal(classifier.classify({ 'user-agent': UA.chrome, 'x-frameworks-agent': 'false' }).kind, 'browser')
})

test('the user-agent cache is bounded', async (t) => {
  const classifier = createClientClassifier(5)
  for (let i = 0; i < 50; i++) classifier.classify({ 'user-agent': `${UA.chrome} build/${i}` })
  t.equal(classifier.size, 5)
  classifier.classify({ 'user-agent': 'x'.repeat(10_000) })
  t.equal(classifier.size, 5)
})
