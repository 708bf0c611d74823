import { test } from 'tap'
import Fastify from 'fastify'
import { attributionCapturePlugin, type AttributionCaptureOptions } from '../../src/plugin/index.ts'
import { normalizeOptions, pathInside } from '../../src/plugin/options.ts'
import { PUBLIC_BASE_URL, SECRET } from './fixtures.ts'

const base: AttributionCaptureOptions = { secrets: [SECRET], publicBaseUrl: PUBLIC_BASE_URL }

test('bad options stop registration with a coded error naming the option', async (t) => {
  const bad: Array<[string, Partial<AttributionCaptureOptions> | Record<string, unknown>]> = [
    ['secrets', { secrets: [] }],
    ['secrets', { secrets: ['short'] }],
    ['publicBaseUrl', { publicBaseUrl: 'ftp://example.com/' }],
    ['publicBaseUrl', { publicBaseUrl: 'not a url' }],
    ['cookieName', { cookieName: 'bad name;' }],
    ['maxAgeSeconds', { maxAgeSeconds: -1 }],
    ['cookieDomain', { cookieDomain: 'bad domain' }],
    ['maxCookieBytes', { maxCookieBytes: 100 }],
    ['sourceAliasParams', { sourceAliasParams: ['ref'] }],
    ['referralCodePattern', { referralCodePattern: /x/g }],
    ['noCookieKinds', { noCookieKinds: ['robot'] }],
    ['referralPath', { referralPath: '/r/:id' }],
    ['touchPath', { touchPath: 'no-slash' }],
    ['routePrefix', { routePrefix: '/api/' }],
    ['referralRedirectPath', { referralRedirectPath: '//evil.com/' }],
    ['referralRedirectPath', { referralRedirectPath: 'https://evil.com/' }],
    ['redirectParam', { redirectParam: 'a b' }]
  ]
  for (const [option, override] of bad) {
    const app = Fastify()
    app.register(attributionCapturePlugin, { ...base, ...override } as AttributionCaptureOptions)
    await t.rejects(async () => { await app.ready() }, { code: 'FW_ATTR_INVALID_OPTION', message: new RegExp(`option "${option}"`) }, option)
  }
})

test('normalized options are frozen and carry the defaults', async (t) => {
  const settings = normalizeOptions(base)
  t.ok(Object.isFrozen(settings))
  t.equal(settings.cookieName, 'fw_attr')
  t.equal(settings.maxAgeSeconds, 90 * 24 * 3600)
  t.equal(settings.secure, true)
  t.equal(normalizeOptions({ ...base, publicBaseUrl: 'http://localhost:3000' }).secure, false)
  t.same(settings.ownHosts, ['app.example.com'])
  t.equal(settings.touchPath, '/attribution/touch')
  t.equal(normalizeOptions({ ...base, routePrefix: '/api', touchPath: '/t' }).touchPath, '/api/t')
})

test('only same-origin paths inside the public base resolve as redirect targets', async (t) => {
  const inside = new URL('https://app.example.com/app/')
  t.equal(pathInside(inside, '/pricing'), 'https://app.example.com/app/pricing')
  t.equal(pathInside(inside, '/'), 'https://app.example.com/app/')
  for (const bad of ['//evil.com', '/\\evil.com', '/%2F%2Fevil.com', '/%5Cevil.com', 'https://evil.com', '/../admin', '/%2e%2e/admin', '/http:evil.com', '/x\ny', ' /x']) {
    const target = pathInside(inside, bad)
    t.ok(target === null || target.startsWith('https://app.example.com/app/'), `${JSON.stringify(bad)} → ${target}`)
  }
})
