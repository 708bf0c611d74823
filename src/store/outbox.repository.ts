/**
 * Appending to the transactional outbox (`attribution_outbox`).
 *
 * Why an outbox: the `tenant_created` event must reach ClickHouse exactly when the tenant
 * exists, and a signup must never fail because ClickHouse is down. Writing the event in the
 * signup transaction gives both; the relay (src/ingest/) delivers it later. Event ids are
 * deterministic per tenant (UUIDv5), and the append ignores a duplicate id, so a replayed
 * signup never adds a second event. Claiming and marking rows, the relay's side, live in
 * `outbox-claims.repository.ts`.
 */
import { createHash } from 'node:crypto'
import { isUuid, type TenantCreatedEvent } from '../contracts.ts'
import { storeDb, type Database, type StoreExecutor } from './database.ts'

/** The UUIDv5 namespace of this package's event ids (a fixed random UUID). */
export const EVENT_ID_NAMESPACE = 'a3c1f0d2-5e4b-4f8a-9c6d-2b7e1f0a9d43'


/** RFC 9562 UUIDv5 (SHA-1 name-based) of `name` in `namespace`. */
export function uuidV5 (namespace: string, name: string): string {
  if (!isUuid(namespace)) throw new TypeError('namespace must be a UUID')
  const bytes = createHash('sha1')
    .update(Buffer.from(namespace.replaceAll('-', ''), 'hex'))
    .update(name, 'utf8')
    .digest()
    .subarray(0, 16)
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** The event id of a tenant's `tenant_created` event: the same for every replay. */
export function tenantCreatedEventId (tenantId: string): string {
  return uuidV5(EVENT_ID_NAMESPACE, `tenant_created:${tenantId.toLowerCase()}`)
}

/**
 * Appends an event in the caller's transaction. Returns `false` when an event with the same
 * id is already there (nothing is written then).
 */
export async function appendOutboxEvent<DB extends Database> (trx: StoreExecutor<DB>, event: TenantCreatedEvent): Promise<boolean> {
  const inserted = await storeDb(trx)
    .insertInto('attribution_outbox')
    .values({
      event_id: event.event_id,
      event_type: event.event_type,
      tenant_id: event.tenant_id,
      payload: JSON.stringify(event)
    })
    .onConflict((oc) => oc.column('event_id').doNothing())
    .returning('id')
    .executeTakeFirst()
  return inserted !== undefined
}
