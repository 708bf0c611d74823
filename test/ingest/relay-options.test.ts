import { test } from 'tap'
import { backoffDelay, normalizeRelayOptions } from '../../src/ingest/relay-options.ts'

test('backoff doubles per failure, stays within half and all of the step, and is capped', async (t) => {
  t.equal(backoffDelay(1, 1000, 60_000, () => 0), 500)
  t.equal(backoffDelay(1, 1000, 60_000, () => 0.999999), 1000)
  t.equal(backoffDelay(4, 1000, 60_000, () => 0), 4000)
  t.equal(backoffDelay(50, 1000, 60_000, () => 0.999999), 60_000)
  t.equal(backoffDelay(50, 1000, 60_000, () => 0), 30_000)
})

test('bad relay options stop creation with the option named', async (t) => {
  t.throws(() => normalizeRelayOptions({ batchSize: 0 }), { code: 'FW_ATTR_INVALID_OPTION', message: /"batchSize"/ })
  t.throws(() => normalizeRelayOptions({ concurrency: 1.5 }), { message: /"concurrency"/ })
  t.throws(() => normalizeRelayOptions({ backoffBaseMs: 10, backoffMaxMs: 5 }), { message: /"backoffMaxMs"/ })
  t.throws(() => normalizeRelayOptions({ table: 'events; DROP TABLE x' }), { code: 'FW_ATTR_INVALID_OPTION', message: /"table"/ })
  t.ok(Object.isFrozen(normalizeRelayOptions({})))
  t.equal(normalizeRelayOptions({ retainDeliveredMs: 0 }).retainDeliveredMs, 0)
})
