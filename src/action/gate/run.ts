/** The gate Action's entry point (`dist/gate/index.js`); the logic is in `runner.ts`. */
import { run } from './runner.js'

await run()
