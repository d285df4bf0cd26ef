/**
 * The fake repository and artifact service as a process of its own, for the
 * benchmark of the state sync: on a real runner the artifact service is
 * another machine, so its work (receiving, assembling and hashing the blob)
 * must not run on the measured process's thread. Prints its URL on the first
 * line of stdout, then serves until killed.
 */
import { loadGitHubDescription } from '../../../support/github/openapi.js'
import { startFakeRepository } from './fake-repository.js'

loadGitHubDescription()
const fake = await startFakeRepository()
process.stdout.write(`${fake.url}\n`)
process.on('SIGTERM', () => {
  fake.close().then(() => process.exit(0))
})
