// The example gateway's operator scope is not a visit: its report filters (`?utm_source=…`)
// must never set the attribution cookie, while public routes still do.
import { test } from 'tap'
import { buildTestGateway, gatewayTargets } from '../helpers/gateway.ts'

const OPERATOR = 'operator-token-for-capture-tests'
const NAVIGATE = {
  accept: 'text/html,application/xhtml+xml',
  'sec-fetch-mode': 'navigate',
  'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
}


for (const target of gatewayTargets()) {
  test(`an operator report call with utm_source gets no attribution cookie (${target.name})`, async (t) => {
    const { app } = await buildTestGateway(t, target, { OPERATOR_TOKENS: OPERATOR, COOKIE_SECRETS: 'k'.repeat(40) })

    const auth = { authorization: `Bearer ${OPERATOR}` }
    for (const url of ['/reports/acquisition-funnel?utm_source=x', '/referral-codes?utm_source=x']) {
      const res = await app.inject({ url, headers: { ...NAVIGATE, ...auth } })
      t.not(res.statusCode, 401, url)
      t.ok(res.statusCode < 500, `${url}: ${res.statusCode}`)
      t.equal(res.headers['set-cookie'], undefined, url)
    }
    const report = await app.inject({ url: '/reports/acquisition-funnel?utm_source=x', headers: { ...NAVIGATE, ...auth } })
    t.equal(report.statusCode, 200)

    const beacon = await app.inject({ method: 'POST', url: '/attribution/touch', headers: { 'user-agent': NAVIGATE['user-agent'] }, payload: { url: 'http://localhost:3000/?utm_source=x' } })
    t.match(beacon.headers['set-cookie'], /^fw_attr=/, 'public capture still works in the same gateway')
  })
}

test('the example landing page records a campaign visit and shows it', async (t) => {
  const { app } = await buildTestGateway(t, { name: 'pglite', url: undefined }, { OPERATOR_TOKENS: OPERATOR, COOKIE_SECRETS: 'k'.repeat(40) })
  const res = await app.inject({ url: '/?utm_source=newsletter&utm_medium=email&utm_campaign=%3Cscript%3E', headers: NAVIGATE })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /text\/html/)
  t.match(res.headers['set-cookie'], /^fw_attr=/)
  t.match(res.body, /"utm_source": "newsletter"/)
  t.match(res.body, /"channel_group": "email"/)
  t.notMatch(res.body, /<script>/, 'values are escaped in the page')
})
