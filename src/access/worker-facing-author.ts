/**
 * Who recorded something, as a worker reads it: a person's name or an organisation, never a credential. A worker's
 * own records (their timesheet's corrections, their card changes, the piece quantities held on their payroll line)
 * keep who recorded them the way staff views and the access log name them, and those names are credentials or lead
 * to them:
 *
 * - a login (`lm.zhang`) or an API key's prefix (`wlk_0123456789`), as `principal.label` gives them;
 * - either after `user:` or `key:` (`actorOf` in src/http/routes/access.ts);
 * - a name typed with the login or key that recorded it in brackets: `王芳 (lm.zhang)`.
 *
 * The worker sees the name typed; else the login's display name; else the organisation of the key (项目管理人员 for a
 * key of none, or for a login or key no longer on record). Text that names no credential is a name typed, shown as
 * it is. Staff views keep what they show: this is for replies to a worker only.
 */
import type { AccessRepository } from './repository.ts'

/** What a worker reads for a key of no organisation, or a credential no longer known. */
export const STAFF_IN_GENERAL = '项目管理人员'

const KEY_PREFIX = /^wlk_[0-9a-f]{10}$/
const TAGGED = /^(user|key):(.+)$/s
/** The bracket `typed (login)` adds: the credential has no space or bracket of its own. */
const BRACKETED = /^(.*\S) \(([^()\s]+)\)$/s

export interface AuthorDirectory {
  /** The display name of the login, undefined when no login has it. */
  displayNameOf(login: string): Promise<string | undefined>
  /** The key's organisation's name: null for a key of none, undefined when no key has the prefix. */
  keyOrganisationNameOf(prefix: string): Promise<string | null | undefined>
}

/** The directory over the access tables, with the organisation's name from the roster. */
export function authorDirectory(repo: Pick<AccessRepository, 'userByLogin' | 'keyByPrefix'>, organisationName: (id: string) => Promise<string>): AuthorDirectory {
  return {
    displayNameOf: async (login) => (await repo.userByLogin(login))?.displayName,
    keyOrganisationNameOf: async (prefix) => {
      const key = await repo.keyByPrefix(prefix)
      if (key === undefined) return undefined
      return key.organisationId === null ? null : organisationName(key.organisationId)
    },
  }
}

/**
 * The author as a worker sees it, for one reply: each credential is looked up once however many records name it.
 */
export function workerFacingAuthor(directory: AuthorDirectory): (recorded: string) => Promise<string> {
  const credentials = new Map<string, Promise<string | undefined>>()
  /** What the worker reads for a login or key prefix; undefined when `name` is neither. */
  const credentialName = (name: string): Promise<string | undefined> => {
    let found = credentials.get(name)
    if (found === undefined) {
      found = (async () => {
        const display = await directory.displayNameOf(name)
        if (display !== undefined) return display
        const organisation = await directory.keyOrganisationNameOf(name)
        if (organisation !== undefined) return organisation ?? STAFF_IN_GENERAL
        // A key's shape is a credential even once its row is gone.
        return KEY_PREFIX.test(name) ? STAFF_IN_GENERAL : undefined
      })()
      credentials.set(name, found)
    }
    return found
  }

  return async (recorded) => {
    const tagged = TAGGED.exec(recorded)
    if (tagged) return (await credentialName(tagged[2]!)) ?? STAFF_IN_GENERAL
    const bracketed = BRACKETED.exec(recorded)
    const typed = bracketed && (await credentialName(bracketed[2]!)) !== undefined ? bracketed[1]! : recorded
    // The name typed may itself be a login (a clerk typing their own, or a colleague's).
    return (await credentialName(typed)) ?? typed
  }
}
