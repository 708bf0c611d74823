// The one ETag helper of the public stats and the dashboard's files: the tag, and
// If-None-Match as RFC 9110 compares it.
import t from 'tap'
import { etagOf, ifNoneMatchHits } from '../../src/routes/etag.ts'

t.test('the tag is strong, quoted, and differs when the body does', async (t) => {
  const etag = etagOf('{"a":1}')
  t.match(etag, /^"[A-Za-z0-9_-]{27}"$/)
  t.not(etag, etagOf('{"a":2}'))
  t.equal(etagOf(Buffer.from('{"a":1}')), etag, 'a string and its bytes have one tag')
})

t.test('If-None-Match matches the tag strong or weak, in a list, and *', async (t) => {
  const etag = etagOf('{"a":1}')
  t.ok(ifNoneMatchHits(etag, etag))
  t.ok(ifNoneMatchHits(`W/${etag}`, etag), 'weak comparison')
  t.ok(ifNoneMatchHits(`"x", ${etag}`, etag), 'in a list')
  t.ok(ifNoneMatchHits(`"x",W/${etag}`, etag), 'weak, in a list without spaces')
  t.ok(ifNoneMatchHits('*', etag))
  t.ok(ifNoneMatchHits(' * ', etag))
  t.ok(ifNoneMatchHits('W/"abc"', 'W/"abc"'), 'a weak tag of our own matches itself')
})

t.test('If-None-Match matches no other tag, nothing, and no malformed value', async (t) => {
  const etag = etagOf('{"a":1}')
  t.notOk(ifNoneMatchHits(undefined, etag))
  t.notOk(ifNoneMatchHits('', etag))
  t.notOk(ifNoneMatchHits('"x"', etag))
  t.notOk(ifNoneMatchHits(etag.slice(1, -1), etag), 'an unquoted tag is no tag')
  t.notOk(ifNoneMatchHits(`w/${etag}`, etag), 'W/ is case-sensitive')
  t.notOk(ifNoneMatchHits('"a,b"', '"a"'), 'a comma inside a tag does not split it')
  t.ok(ifNoneMatchHits('"a,b"', '"a,b"'))
})
