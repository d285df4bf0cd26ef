#!/usr/bin/env node
// The bin `task-orchestrator-app` of the npm package: the GitHub app's Probot
// server, as `npm start` runs it (build/app-server.mjs: environment APP_ID,
// PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET, PORT, TM_DB …; see
// docs/deploy.md). A file of its own because npm links bins through a symlink,
// and app-server.mjs starts only when it is the very file Node was given.
import { main } from './app-server.mjs'

await main()
