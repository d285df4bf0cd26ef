# syntax=docker/dockerfile:1
# The Task Orchestrator GitHub app server (docs/deploy.md).
#
#   docker build -t task-orchestrator .
#   docker run -d --name task-orchestrator -p 3000:3000 \
#     -e APP_ID=… -e WEBHOOK_SECRET=… -e PRIVATE_KEY="$(cat app.pem)" \
#     -v task-orchestrator-data:/data task-orchestrator
#
# Three stages: `build` bundles the app and packs the npm package exactly as
# `npm pack` publishes it (package.json "files"); `install` installs that
# package with its production dependencies only (better-sqlite3, whose
# native addon is downloaded prebuilt or compiled here, with the versions of
# package-lock.json); the final image holds Node, the package and nothing
# else, and runs as the unprivileged user `node`.
ARG NODE_VERSION=22

FROM node:${NODE_VERSION}-bookworm-slim AS build
# python3, make and g++ compile better-sqlite3 when no prebuilt addon matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# prepack: the bundles in build/ and the types; the tarball carries them.
RUN npm pack --pack-destination /tmp \
 && mv /tmp/task-orchestrator-*.tgz /tmp/task-orchestrator.tgz

FROM build AS install
WORKDIR /opt/task-orchestrator
RUN tar -xzf /tmp/task-orchestrator.tgz --strip-components=1 \
 && cp /src/package-lock.json . \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3 \
 && rm package-lock.json \
 && node -e "require('better-sqlite3')(':memory:').close()"

FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    TM_DB=/data/tasks.db \
    TM_BACKUP_DIR=/data/backups
WORKDIR /opt/task-orchestrator
COPY --from=install /opt/task-orchestrator ./
# `tm` on the PATH, for `docker exec … tm list` and `tm backup`.
RUN ln -s /opt/task-orchestrator/build/tm.cjs /usr/local/bin/tm \
 && mkdir -p /data \
 && chown node:node /data
USER node
# The task database, its -wal/-shm files and the backups (TM_BACKUP_DIR).
VOLUME ["/data"]
EXPOSE 3000
# Probot answers GET /ping with PONG once the server listens.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/ping').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "build/app.mjs"]
