import { createAdminServer, createServer, exitOnEnvError, listenUntilSignalled, loadSheddingFromEnv, resolveDatabase } from '@app/platform'
import { eventApp } from './app.js'
import { loadEventConfig, type EventConfig } from './config.js'

let config: EventConfig
try {
  config = loadEventConfig()
} catch (error) {
  exitOnEnvError(error)
}

const database = await resolveDatabase(config.MONGO_URL, { persistent: true })
const app = createServer({ name: 'event', logLevel: config.LOG_LEVEL, bodyLimit: config.BODY_LIMIT, loadShedding: loadSheddingFromEnv(config) })
await app.register(eventApp, { config, mongoUrl: database.url })
const admin = createAdminServer({ service: app, name: 'event-admin', logLevel: config.LOG_LEVEL, bodyLimit: config.BODY_LIMIT })
await listenUntilSignalled(app, { port: config.EVENT_PORT, host: config.HOST, admin: { server: admin, port: config.EVENT_ADMIN_PORT }, onClosed: database.stop })
