# syntax=docker/dockerfile:1
# Reproducible from the lockfile: `npm ci` installs exactly package-lock.json in both stages.

# Build stage: every dependency, compile with the Nest CLI.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
COPY migrations ./migrations
COPY scripts/build-console.js ./scripts/
RUN npm run build

# Production dependencies only, installed from the same lockfile (no dev tools, no pino-pretty).
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# Runtime: compiled code and production dependencies, as the unprivileged `node` user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8085 LOG_FORMAT=json
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
# A fresh named volume mounted here takes this owner, so the init step (as `node`) can write its secrets.
RUN mkdir -p /secrets && chown node:node /secrets && chmod 0700 /secrets
USER node
EXPOSE 8085 9464
STOPSIGNAL SIGTERM
# Liveness only: a database outage must not get a replica restarted (readiness is {BASE}/health/ready).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8085)+(process.env.BASE_PATH??'/ms-auth-server')+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The command-line tools run in this image without a build step:
#   node dist/apps/auth-server/src/cli.js <command>        (clients)
#   node dist/apps/auth-server/src/cli.js keys <command>   (signing keys)
CMD ["node", "dist/apps/auth-server/src/main.js"]
