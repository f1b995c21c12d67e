# syntax=docker/dockerfile:1
# One image for every service; compose picks the entry point per service.
# Builds only from the npm registry: no Java, no Maven, nothing downloaded at run time.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json turbo.json tsconfig.json tsconfig.build.json ./
COPY packages/contracts/package.json packages/contracts/
COPY packages/platform/package.json packages/platform/
COPY packages/devkit/package.json packages/devkit/
COPY services/auth/package.json services/auth/
COPY services/event/package.json services/event/
COPY gateway/package.json gateway/
COPY packages/client/package.json packages/client/
COPY console/package.json console/
# --ignore-scripts skips the postinstall that fetches the embedded test database (Maven).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY packages packages
COPY services services
COPY gateway gateway
COPY console console
# Also bundles the operator console (Vite: console/dist), which the gateway serves at /console.
RUN npx turbo run build

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 HEALTH_PORT=3000
WORKDIR /app
# What this stage installs: the compiled dist/ of contracts, platform, auth, event and the
# gateway, the built operator console, and their production dependencies (npm ci --omit=dev: fastify and its plugins,
# mongodb, argon2, opossum, pino, prom-client, TypeBox). Not @app/devkit — the embedded
# database, the process runner, the test kit: its package.json is not copied, so npm neither
# links it nor installs what only it needs (mongodb-memory-server-core, the Java launcher) —
# nor any devDependency (tsx, turbo, TypeScript, test tools). Without MONGO_URL, or auth without
# JWT_PRIVATE_KEY, a service here refuses to start (NODE_ENV=production).
COPY package.json package-lock.json ./
COPY packages/contracts/package.json packages/contracts/
COPY packages/platform/package.json packages/platform/
COPY services/auth/package.json services/auth/
COPY services/event/package.json services/event/
COPY gateway/package.json gateway/
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/packages/contracts/dist packages/contracts/dist
COPY --from=build /app/packages/platform/dist packages/platform/dist
COPY --from=build /app/services/auth/dist services/auth/dist
COPY --from=build /app/services/event/dist services/event/dist
COPY --from=build /app/gateway/dist gateway/dist
# Static files only: the console's dependencies are bundled into it, none is installed here.
COPY --from=build /app/console/dist console/dist
USER node
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.HEALTH_PORT + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node"]
CMD ["gateway/dist/server.js"]
