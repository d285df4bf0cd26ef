/**
 * The orchestrator Action's inputs (orchestrator/action.yml): `app-login`
 * names the account the token posts as, so a run with a GitHub App's token
 * recognises its own earlier replies (before, every run assumed
 * github-actions[bot]); a value that is not a login is refused, named.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { ACTIONS_LOGIN, readInputs } from '../../../src/action/orchestrator/run.js'

const NAMES = ['INPUT_TOKEN', 'INPUT_APP-LOGIN', 'INPUT_STATE-NAME', 'INPUT_RETENTION-DAYS']

function withInputs(inputs: Record<string, string>) {
  for (const n of NAMES) delete process.env[n]
  for (const [k, v] of Object.entries(inputs)) process.env[`INPUT_${k.toUpperCase()}`] = v
}

afterEach(() => {
  for (const n of NAMES) delete process.env[n]
})

describe('orchestrator inputs', () => {
  it('app-login defaults to github-actions[bot], the job token’s login', () => {
    withInputs({ token: 't' })
    expect(readInputs()).toEqual({
      token: 't',
      appLogin: ACTIONS_LOGIN,
      stateName: 'task-orchestrator.db',
      retentionDays: 90,
    })
  })

  it('a GitHub App’s login is passed on', () => {
    withInputs({ token: 't', 'app-login': 'my-orchestrator[bot]' })
    expect(readInputs().appLogin).toBe('my-orchestrator[bot]')
  })

  it.each(['not a login', '-leading-dash', 'x'.repeat(60), 'a<b'])(
    'refuses app-login %j, naming the input',
    (value) => {
      withInputs({ token: 't', 'app-login': value })
      expect(() => readInputs()).toThrow(/input "app-login" must be a GitHub login/)
    },
  )
})
