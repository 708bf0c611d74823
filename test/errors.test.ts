import { test } from 'tap'
import type { FastifyError } from 'fastify'
import { ERR_NOT_FOUND, ERR_UNAVAILABLE, toProblem } from '../src/errors.ts'

test('a 5xx answer carries neither the message nor another library\'s error code', async (t) => {
  const fromPostgres = Object.assign(new Error('date/time field value out of range: "0000-01-01"'), { code: '22008' }) as FastifyError
  t.same(toProblem(fromPostgres), {
    type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'The server could not complete the request', code: 'FW_ATTR_INTERNAL'
  })
  t.match(toProblem(new ERR_UNAVAILABLE('ClickHouse is unreachable')), { status: 503, code: 'FW_ATTR_UNAVAILABLE' })
  t.match(toProblem(new ERR_NOT_FOUND('No referral code "x"')), { status: 404, code: 'FW_ATTR_NOT_FOUND', detail: 'No referral code "x"' })
})
