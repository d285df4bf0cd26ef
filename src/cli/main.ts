/** Entry point of `tm`: no logic here (see program.ts). */
import { EXIT } from './exit-codes.js'
import { buildProgram } from './program.js'

const program = buildProgram()
program.exitOverride((err) => {
  // commander's own errors (unknown option, missing argument) are usage errors.
  process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage)
})
void program.parseAsync(process.argv)
