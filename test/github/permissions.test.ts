import { describe, expect, it } from 'vitest'
import { COMMANDS, type CommandName, DEFAULT_CONFIG, parseConfig } from '../../src/github/config.js'
import {
  authorize,
  hasPermission,
  LEASE_COMMANDS,
  normalizePermission,
  PERMISSION_LEVELS,
  type PermissionLevel,
  permissionFromApi,
  requiredPermission,
} from '../../src/github/permissions.js'
import { expectTaskError } from '../helpers.js'

const config = parseConfig('agents:\n  - login: helper-bot[bot]\n    personas: [reviewer]\n')

describe('permission levels', () => {
  it('are ordered none < read < triage < write < maintain < admin', () => {
    expect(PERMISSION_LEVELS).toEqual(['none', 'read', 'triage', 'write', 'maintain', 'admin'])
    expect(hasPermission('maintain', 'write')).toBe(true)
    expect(hasPermission('write', 'write')).toBe(true)
    expect(hasPermission('triage', 'write')).toBe(false)
    expect(hasPermission('none', 'read')).toBe(false)
  })

  it('normalizes text; unknown never grants', () => {
    expect(normalizePermission('Maintain')).toBe('maintain')
    expect(normalizePermission('push')).toBe('write')
    expect(normalizePermission('pull')).toBe('read')
    expect(normalizePermission('security-manager')).toBe('none')
    expect(normalizePermission(undefined)).toBe('none')
    expect(normalizePermission('')).toBe('none')
  })
})

describe('permissionFromApi (GET /repos/{owner}/{repo}/collaborators/{username}/permission)', () => {
  const user = (permissions?: Record<string, boolean>) => ({
    login: 'ada',
    id: 1,
    type: 'User',
    ...(permissions ? { permissions } : {}),
  })

  it('reads the base roles from role_name, which tells maintain and triage apart', () => {
    // `permission` is the legacy field: maintain reads as write, triage as read.
    expect(permissionFromApi({ permission: 'admin', role_name: 'admin', user: user() })).toBe(
      'admin',
    )
    expect(permissionFromApi({ permission: 'write', role_name: 'maintain', user: user() })).toBe(
      'maintain',
    )
    expect(permissionFromApi({ permission: 'write', role_name: 'write', user: user() })).toBe(
      'write',
    )
    expect(permissionFromApi({ permission: 'read', role_name: 'triage', user: user() })).toBe(
      'triage',
    )
    expect(permissionFromApi({ permission: 'read', role_name: 'read', user: user() })).toBe('read')
    expect(permissionFromApi({ permission: 'none', role_name: '', user: null })).toBe('none')
  })

  it('gives a custom role its base level from permission and user.permissions', () => {
    expect(
      permissionFromApi({ permission: 'write', role_name: 'release-manager', user: user() }),
    ).toBe('write')
    expect(
      permissionFromApi({
        permission: 'write',
        role_name: 'release-manager',
        user: user({ pull: true, triage: true, push: true, maintain: true, admin: false }),
      }),
    ).toBe('maintain')
    expect(
      permissionFromApi({
        permission: 'read',
        role_name: 'security-triager',
        user: user({ pull: true, triage: true, push: false, maintain: false, admin: false }),
      }),
    ).toBe('triage')
  })

  it('takes the real response shape (the OpenAPI example)', () => {
    const data = {
      permission: 'admin',
      role_name: 'admin',
      user: {
        login: 'octocat',
        id: 1,
        node_id: 'MDQ6VXNlcjE=',
        type: 'User',
        site_admin: false,
      },
    }
    expect(permissionFromApi(data)).toBe('admin')
    expect(permissionFromApi({})).toBe('none')
  })
})

describe('requiredPermission', () => {
  it('is the command level, raised to override for lease commands by a non-holder', () => {
    expect(
      requiredPermission('/claim', DEFAULT_CONFIG, { actorIsHolder: true, actorIsAgent: false }),
    ).toEqual({
      command: 'claim',
      level: 'write',
      agents: true,
      override: false,
      waivedForAgent: false,
    })
    expect(
      requiredPermission('done', DEFAULT_CONFIG, { actorIsHolder: false, actorIsAgent: true }),
    ).toEqual({
      command: 'done',
      level: 'maintain',
      agents: false,
      override: true,
      waivedForAgent: false,
    })
    // Not a lease command: someone else's lease does not matter.
    expect(
      requiredPermission('progress', DEFAULT_CONFIG, { actorIsHolder: false, actorIsAgent: true }),
    ).toMatchObject({ level: 'write', override: false, waivedForAgent: true })
  })

  it('takes the higher of the command and override levels; agents only when both allow', () => {
    const c = parseConfig(
      'permissions:\n  done:\n    level: admin\n  release:\n    level: triage\n  override:\n    level: maintain\n    agents: true\n',
    )
    const notHolder = { actorIsHolder: false, actorIsAgent: true }
    expect(requiredPermission('done', c, notHolder)).toMatchObject({ level: 'admin', agents: true })
    expect(requiredPermission('release', c, notHolder)).toMatchObject({ level: 'maintain' })
    const d = parseConfig(
      'permissions:\n  fail:\n    agents: false\n  override:\n    agents: true\n',
    )
    expect(requiredPermission('fail', d, notHolder)).toMatchObject({
      agents: false,
      waivedForAgent: false,
    })
  })

  it('refuses an unknown command', () => {
    const err = expectTaskError(
      () =>
        requiredPermission('/merge', DEFAULT_CONFIG, { actorIsHolder: true, actorIsAgent: false }),
      'InvalidInput',
    )
    expect(err.message).toMatch(/^\/merge is not a command; the commands are \/claim, /)
  })
})

describe('authorize: the matrix', () => {
  const ACTORS: { login: string; permission: PermissionLevel }[] = [
    { login: 'rita', permission: 'read' },
    { login: 'tom', permission: 'triage' },
    { login: 'wes', permission: 'write' },
    { login: 'mia', permission: 'maintain' },
    { login: 'ada', permission: 'admin' },
    { login: 'helper-bot[bot]', permission: 'none' },
    { login: 'stranger-bot[bot]', permission: 'none' },
  ]
  const HUMAN_ONLY = new Set<CommandName>(['feedback', 'approve', 'reopen'])
  // Written out here, not imported: the matrix must not follow a mistake in the code.
  const ON_LEASE = new Set<CommandName>(['release', 'heartbeat', 'done', 'fail'])

  it('lease commands are /release, /heartbeat, /done, /fail', () => {
    expect(new Set(LEASE_COMMANDS)).toEqual(ON_LEASE)
  })

  /** What the defaults should decide, written out independently of the code. */
  function expected(actor: string, permission: PermissionLevel, cmd: CommandName, holder: string) {
    const overriding = holder !== actor && ON_LEASE.has(cmd)
    const needed = HUMAN_ONLY.has(cmd) || overriding ? 'maintain' : 'write'
    const rank = PERMISSION_LEVELS.indexOf(permission)
    if (rank >= PERMISSION_LEVELS.indexOf(needed)) return true
    return actor === 'helper-bot[bot]' && needed === 'write'
  }

  for (const { login, permission } of ACTORS) {
    for (const holderCase of ['holder', 'not holder', 'no lease'] as const) {
      it(`${login} (${permission}), ${holderCase}`, () => {
        for (const command of COMMANDS) {
          const holder =
            holderCase === 'holder' ? login : holderCase === 'not holder' ? 'zoe' : null
          const result = authorize({
            command: `/${command}`,
            actor: login,
            permission,
            config,
            holder,
          })
          const want = expected(login, permission, command, holder ?? login)
          expect(result.allowed, `/${command}`).toBe(want)
          if (!result.allowed) {
            const overriding = holderCase === 'not holder' && ON_LEASE.has(command)
            expect(result.needed).toBe(HUMAN_ONLY.has(command) || overriding ? 'maintain' : 'write')
            expect(result.reason).toContain(`; @${login} has ${permission}`)
            expect(result.reason.startsWith(`/${command} `)).toBe(true)
          }
        }
      })
    }
  }

  it('listed agents pass as agents, people with the permission as such', () => {
    expect(
      authorize({ command: 'claim', actor: 'Helper-Bot[bot]', permission: 'none', config }),
    ).toEqual({ allowed: true, via: 'agent' })
    expect(authorize({ command: 'claim', actor: 'wes', permission: 'write', config })).toEqual({
      allowed: true,
      via: 'permission',
    })
    // A listed agent with the permission anyway passes by permission, override included.
    expect(
      authorize({
        command: 'done',
        actor: 'helper-bot[bot]',
        permission: 'maintain',
        config,
        holder: 'zoe',
      }),
    ).toEqual({ allowed: true, via: 'permission' })
  })

  it('compares the holder case-insensitively', () => {
    expect(
      authorize({ command: 'done', actor: 'Wes', permission: 'write', config, holder: 'wes' }),
    ).toEqual({ allowed: true, via: 'permission' })
  })
})

describe('authorize: refusals say which permission is missing', () => {
  it('on a lease held by someone else', () => {
    expect(
      authorize({ command: '/done', actor: 'bob', permission: 'write', config, holder: 'ada' }),
    ).toEqual({
      allowed: false,
      reason: '/done on a lease held by @ada needs maintain; @bob has write',
      needed: 'maintain',
    })
  })

  it('for a command, pointing at the agents list where it would help', () => {
    expect(authorize({ command: 'claim', actor: 'bob', permission: 'read', config })).toEqual({
      allowed: false,
      reason: '/claim needs write (or a listing under agents in the config); @bob has read',
      needed: 'write',
    })
    expect(authorize({ command: 'feedback', actor: 'bob', permission: 'write', config })).toEqual({
      allowed: false,
      reason: '/feedback needs maintain; @bob has write',
      needed: 'maintain',
    })
  })

  it('for a listed agent where agents are not enough', () => {
    expect(
      authorize({ command: '/approve', actor: 'helper-bot[bot]', permission: 'none', config }),
    ).toEqual({
      allowed: false,
      reason: '/approve needs maintain (listed agents too); @helper-bot[bot] has none',
      needed: 'maintain',
    })
    expect(
      authorize({
        command: '/release',
        actor: 'helper-bot[bot]',
        permission: 'none',
        config,
        holder: 'ada',
      }),
    ).toMatchObject({
      reason:
        '/release on a lease held by @ada needs maintain (listed agents too); @helper-bot[bot] has none',
    })
  })

  it('reads a raw role name, and a custom role name as none', () => {
    expect(authorize({ command: 'claim', actor: 'x', permission: 'push', config }).allowed).toBe(
      true,
    )
    expect(
      authorize({ command: 'claim', actor: 'x', permission: 'release-manager', config }),
    ).toMatchObject({ allowed: false, reason: expect.stringContaining('@x has none') })
  })

  it('follows the config: lowered and raised levels, agents switched off', () => {
    const c = parseConfig(
      'agents:\n  - login: helper-bot[bot]\npermissions:\n  status:\n    level: read\n  claim:\n    level: admin\n    agents: false\n',
    )
    expect(
      authorize({ command: 'status', actor: 'r', permission: 'read', config: c }).allowed,
    ).toBe(true)
    expect(
      authorize({ command: 'claim', actor: 'm', permission: 'maintain', config: c }),
    ).toMatchObject({ allowed: false, needed: 'admin' })
    expect(
      authorize({ command: 'claim', actor: 'helper-bot[bot]', permission: 'none', config: c }),
    ).toMatchObject({ allowed: false, needed: 'admin' })
  })
})
