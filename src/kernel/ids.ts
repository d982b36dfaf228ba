/**
 * Identifiers. Time-ordered (UUIDv7) so inserts land at the end of B-tree
 * indexes instead of on random pages; they double as idempotency keys.
 */
import { uuidv7 } from 'uuidv7'

export function newId(): string {
  return uuidv7()
}
