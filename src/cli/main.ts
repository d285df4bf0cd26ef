/** Entry point of `tm`: no logic here (see program.ts). */
import { buildProgram } from './program.js'

void buildProgram().parseAsync(process.argv)
