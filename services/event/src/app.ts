import fp from 'fastify-plugin'
import { EVENT_ROUTES } from '@app/contracts'
import {
  authenticatePlugin,
  clockPlugin,
  createJwksClient,
  createRevocationFeedClient,
  fetchRevocationFeed,
  errorHandlerPlugin,
  healthPlugin,
  metricsPlugin,
  mongoPlugin,
  openApiPlugin,
  requestIdPlugin,
  revocationFeedPlugin,
  type AuthenticateOptions,
  type RevocationEntry
} from '@app/platform'
import { fetchAccountTags, type AccountTagsLookup } from './claims/dry-run.js'
import type { EventConfig } from './config.js'
import { catalogPlugin } from './plugins/catalog.js'
import { claimMetricsPlugin } from './plugins/claim-metrics.js'
import { deliveryPlugin } from './plugins/delivery.js'
import { ingestPlugin } from './plugins/ingest.js'
import { repositoriesPlugin } from './plugins/repositories.js'
import { sweeperPlugin } from './plugins/sweeper.js'
import type { IngestFailurePoints } from './progress/ingest.js'
import { claimSlotsMigration } from './migrations/claim-slots.js'
import { progressPeriodsMigration } from './migrations/progress-periods.js'
import { indexPlanFor, retiredIndexes } from './repositories/index.js'
import { auditRoutes } from './routes/audit.js'
import { claimDecisionRoutes } from './routes/claim-decisions.js'
import { claimRoutes } from './routes/claims.js'
import { deliveryRoutes } from './routes/delivery.js'
import { eligibilityRoutes } from './routes/eligibility.js'
import { eventRoutes } from './routes/events.js'
import { rewardRoutes } from './routes/rewards.js'
import { statsRoutes } from './routes/stats.js'
import { userEventRoutes } from './routes/user-events.js'
import { userRewardRoutes } from './routes/user-rewards.js'

export interface EventAppOptions {
  config: EventConfig
  /** The resolved database (MONGO_URL or the embedded one). */
  mongoUrl: string
  /** Signing keys by `kid`; default: the auth service's JWKS at AUTH_JWKS_URL. */
  publicKeyFor?: AuthenticateOptions['publicKeyFor']
  /** Default: the system clock. */
  clock?: () => Date
  /** Tests only: where ingestion fails as a crash would. */
  failurePoints?: IngestFailurePoints
  /** Where token revocations come from; default: the auth service's feed (AUTH_REVOCATIONS_URL). */
  loadRevocations?: () => Promise<RevocationEntry[]>
  /** An account's current tags (the eligibility dry run's audience); default: auth's internal listener. */
  accountTagsOf?: AccountTagsLookup
  /** Tests only: the database client emits command events (round trips are counted with them). */
  monitorCommands?: boolean
}

/** The event service: events, rewards, progress, claims and reward delivery. Never listens: `server.ts` does, and tests register it on their own server. */
export const eventApp = fp<EventAppOptions>(
  async (app, { config, mongoUrl, publicKeyFor, clock, failurePoints, loadRevocations, accountTagsOf, monitorCommands }) => {
    await app.register(requestIdPlugin)
    await app.register(errorHandlerPlugin)
    await app.register(metricsPlugin, { prefix: 'event_' })
    await app.register(openApiPlugin, {
      title: 'Event service',
      description:
        'Events, reward bundles, progress, claims and reward delivery. Served under `/event-gateway` by the gateway. ' +
        'Every route needs an access token from the auth service (`Authorization: Bearer …`).',
      tags: [
        { name: 'events', description: 'Events: a time window, conditions, approval' },
        { name: 'rewards', description: 'Reward bundles attached to events' },
        { name: 'progress', description: 'Progress reports (game servers) and what players have achieved' },
        { name: 'claims', description: 'Claims: made by players, decided by operators, delivered exactly once' },
        { name: 'delivery', description: 'The reward-delivery system: its callback, the pause switch and the outbox' },
        { name: 'audit', description: 'Who changed which event, bundle or setting: the configuration audit log' }
      ]
    })
    await app.register(mongoPlugin, {
      url: mongoUrl,
      dbName: config.EVENT_DB_NAME,
      migrations: [claimSlotsMigration, progressPeriodsMigration],
      indexes: indexPlanFor({ reportRetentionDays: config.PROGRESS_REPORT_RETENTION_DAYS }),
      retiredIndexes,
      ...(monitorCommands ? { monitorCommands } : {})
    })
    const revocations = createRevocationFeedClient(
      loadRevocations ?? fetchRevocationFeed(config.AUTH_REVOCATIONS_URL),
      app.log
    )
    await app.register(revocationFeedPlugin, { client: revocations, intervalMs: config.REVOCATION_POLL_INTERVAL_MS, metricsPrefix: 'event_' })
    await app.register(authenticatePlugin, {
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      publicKeyFor: publicKeyFor ?? createJwksClient({ url: config.AUTH_JWKS_URL }).publicKeyFor,
      access: EVENT_ROUTES,
      revocations: revocations.view,
      verifiedTokenCacheSize: config.ACCESS_TOKEN_CACHE_SIZE
    })
    await app.register(healthPlugin, { checks: { mongo: () => app.mongo.db.command({ ping: 1 }) } })

    await app.register(clockPlugin, clock ? { clock } : {})
    await app.register(repositoriesPlugin)
    await app.register(catalogPlugin, { checkIntervalMs: config.CATALOG_CACHE_CHECK_MS, maxEvents: config.CATALOG_CACHE_MAX_EVENTS, renderedPages: config.CATALOG_RENDERED_PAGES })
    await app.register(deliveryPlugin, {
      url: config.REWARD_DELIVERY_URL,
      secret: config.REWARD_DELIVERY_SECRET,
      timeoutMs: config.DELIVERY_TIMEOUT_MS,
      giveUpAfterMs: config.DELIVERY_GIVE_UP_AFTER_MS,
      backoffBaseMs: config.DELIVERY_BACKOFF_BASE_MS,
      backoffMaxMs: config.DELIVERY_BACKOFF_MAX_MS,
      leaseMs: config.DELIVERY_LEASE_MS,
      callbackWaitMs: config.DELIVERY_CALLBACK_WAIT_MS,
      breakerResetMs: config.DELIVERY_BREAKER_RESET_MS
    })
    await app.register(claimMetricsPlugin)
    await app.register(ingestPlugin, { failurePoints })
    // A process silent for a delivery lease is presumed dead, as its lease is.
    await app.register(sweeperPlugin, {
      intervalMs: config.SWEEPER_INTERVAL_MS,
      graceMs: config.DELIVERY_LEASE_MS,
      reportRetentionMs: config.PROGRESS_REPORT_RETENTION_DAYS * 24 * 60 * 60 * 1000
    })

    await app.register(eventRoutes)
    await app.register(rewardRoutes)
    await app.register(userEventRoutes)
    await app.register(claimRoutes)
    await app.register(claimDecisionRoutes)
    await app.register(deliveryRoutes)
    await app.register(eligibilityRoutes, { accountTagsOf: accountTagsOf ?? fetchAccountTags(config.AUTH_REVOCATIONS_URL) })
    await app.register(statsRoutes)
    await app.register(userRewardRoutes)
    await app.register(auditRoutes)
  },
  { name: 'event', fastify: '5.x' }
)
