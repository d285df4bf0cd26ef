/** Entry point of `tm`: no logic here (see program.ts). */
import { endQuietlyOnClosedPipe } from './output.js'
import { buildProgram } from './program.js'

endQuietlyOnClosedPipe()
void buildProgram().parseAsync(process.argv)
