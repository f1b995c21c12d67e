/**
 * The Postman collection's run, step by step: every public operation once, in a working order
 * (admin login → a player → an event → its reward → progress → the player logs in → claims →
 * approval → the claim with its trail → …), each with what it must answer. Written by hand
 * from the SPEC; `buildPostmanCollection` refuses a document with an operation this plan lacks,
 * so a new route comes with its step.
 *
 * Bodies may use `{{variables}}`: `runId` (unique per run, so a second run against the same
 * database makes new accounts), `startedAt`/`endedAt` (a window around now), and the ids the
 * steps capture.
 */

/** Whose token a step sends (collection-level Bearer auth on `{{accessToken}}`). */
export type Actor = 'admin' | 'player' | 'delivery'

export interface PlanStep {
  operationId: string
  name: string
  as: Actor
  /** Path parameters by name, usually `{{someId}}`. */
  params?: Record<string, string>
  query?: Record<string, string>
  headers?: Record<string, string>
  body?: unknown
  status: number
  /** Further assertions, as Postman test script lines (`json` is the parsed reply). */
  checks?: string[]
  /** Collection variables to set from the reply: name → expression over `json`. */
  capture?: Record<string, string>
}

const SEED_CONTENTS = [{ type: 'item', itemName: '슈퍼박스', quantity: 2 }]

export const POSTMAN_PLAN: readonly PlanStep[] = [
  {
    operationId: 'login', name: 'Log in as the admin', as: 'admin',
    body: { email: '{{adminEmail}}', password: '{{adminPassword}}' }, status: 200,
    checks: ["pm.expect(json.tokenType).to.eql('Bearer')"],
    capture: { adminToken: 'json.accessToken', adminRefreshToken: 'json.refreshToken' }
  },
  { operationId: 'getCurrentUser', name: 'The admin account', as: 'admin', status: 200, checks: ["pm.expect(json.roles).to.include('ADMIN')"], capture: { adminId: 'json.id' } },
  {
    operationId: 'createUser', name: 'Create a player (an ADMIN may create any account)', as: 'admin',
    body: { email: 'player-{{runId}}@example.com', password: 'player-password-{{runId}}' }, status: 201,
    checks: ["pm.expect(json.roles).to.eql(['USER'])"], capture: { playerId: 'json.id' }
  },
  {
    operationId: 'createUser', name: 'Create the delivery system’s account (DELIVERY)', as: 'admin',
    body: { email: 'delivery-{{runId}}@example.com', password: 'delivery-password-{{runId}}', roles: ['DELIVERY'] }, status: 201,
    checks: ["pm.expect(json.roles).to.eql(['DELIVERY'])"], capture: { deliveryId: 'json.id' }
  },
  {
    operationId: 'updateUserTags', name: "Tag the player (audience tags; the player's next token carries them)", as: 'admin', params: { id: '{{playerId}}' },
    body: { tags: ['vip', 'run-{{runId}}'] }, status: 200, checks: ["pm.expect(json.tags).to.include('vip')"]
  },
  {
    operationId: 'bulkTagUsers', name: 'Tag in bulk: the player and an id that names nobody, a result each', as: 'admin',
    body: { ids: ['{{playerId}}', '000000000000000000000000'], add: ['returning'], remove: ['vip'] }, status: 200,
    checks: ["pm.expect(json.results.map((result) => result.status)).to.eql(['updated', 'not_found'])", "pm.expect(json.results[0].tags).to.include('returning')"]
  },
  {
    operationId: 'listUsers', name: 'Find the player in the account directory (email prefix, any case; tag)', as: 'admin',
    query: { email: 'PLAYER-{{runId}}', tag: 'run-{{runId}}' }, status: 200,
    checks: ["pm.expect(json.items.map((user) => user.id)).to.eql([pm.collectionVariables.get('playerId')])", "pm.expect(json.items[0].tags).to.not.include('vip')"]
  },
  {
    operationId: 'createEvent', name: "Create the seed's event (one check-in, approval)", as: 'admin',
    body: {
      name: '이벤트1', activate: true, description: '이벤트입니다', startedAt: '{{startedAt}}', endedAt: '{{endedAt}}',
      userId: '{{adminId}}', requireApproval: true, contents: [{ type: 'attendance', count: 1 }]
    },
    status: 201, checks: ['pm.expect(json.requireApproval).to.eql(true)'], capture: { eventId: 'json.id' }
  },
  { operationId: 'listEvents', name: 'List the live events', as: 'admin', query: { limit: '5', status: 'live' }, status: 200, checks: ["pm.expect(json.items.map((event) => event.id)).to.include(pm.collectionVariables.get('eventId'))"] },
  { operationId: 'getEvent', name: 'The event', as: 'admin', params: { id: '{{eventId}}' }, status: 200, checks: ["pm.expect(json.id).to.eql(pm.collectionVariables.get('eventId'))"] },
  {
    operationId: 'updateEvent', name: 'Edit its description', as: 'admin', params: { id: '{{eventId}}' },
    body: { description: 'Edited by the Postman run {{runId}}' }, status: 200, checks: ["pm.expect(json.description).to.include('Postman')", 'pm.expect(json.version).to.eql(2)']
  },
  {
    operationId: 'updateEvent', name: 'An edit against the old version: 409 VERSION_CONFLICT names the current one', as: 'admin', params: { id: '{{eventId}}' },
    body: { name: 'stale edit', version: 1 }, status: 409, checks: ["pm.expect(json.code).to.eql('VERSION_CONFLICT')", 'pm.expect(json.currentVersion).to.eql(2)']
  },
  {
    operationId: 'createReward', name: "Attach the seed's reward", as: 'admin',
    body: { eventId: '{{eventId}}', userId: '{{adminId}}', contents: SEED_CONTENTS }, status: 201, capture: { rewardId: 'json.id' }
  },
  {
    operationId: 'createReward', name: 'A milestone bundle: claimable after 3 check-in days, 100 in stock', as: 'admin',
    body: { eventId: '{{eventId}}', name: 'Day 3', conditions: [{ type: 'attendance', count: 3 }], stock: 100, contents: [{ type: 'point', amount: 300 }] },
    status: 201, checks: ['pm.expect(json.stockLeft).to.eql(100)'], capture: { milestoneRewardId: 'json.id' }
  },
  {
    operationId: 'listRewards', name: "The event's rewards", as: 'admin', query: { eventId: '{{eventId}}' }, status: 200,
    checks: ["pm.expect(json.items.map((reward) => reward.id)).to.include(pm.collectionVariables.get('rewardId'))"]
  },
  { operationId: 'getReward', name: 'The reward', as: 'admin', params: { id: '{{rewardId}}' }, status: 200, checks: ["pm.expect(json.contents[0].itemName).to.eql('슈퍼박스')"] },
  {
    operationId: 'updateReward', name: 'Raise the milestone\'s stock to 150 (against version 1)', as: 'admin', params: { id: '{{milestoneRewardId}}' },
    body: { stock: 150, version: 1 }, status: 200, checks: ['pm.expect(json.stockLeft).to.eql(150)', 'pm.expect(json.version).to.eql(2)']
  },
  {
    operationId: 'createEvent', name: 'A daily login reward (recurs every day in Seoul)', as: 'admin',
    body: {
      name: 'Daily login reward {{runId}}', startedAt: '{{startedAt}}', endedAt: '{{endedAt}}', timezone: 'Asia/Seoul', recurrence: { every: 'day' },
      contents: [{ type: 'attendance', count: 1 }]
    },
    status: 201, checks: ["pm.expect(json.recurrence).to.eql({ every: 'day' })"], capture: { dailyEventId: 'json.id' }
  },
  {
    operationId: 'createReward', name: 'Its bundle: 10 points and one roll of a random table (70 / 25 / 5 %)', as: 'admin',
    body: {
      eventId: '{{dailyEventId}}', name: 'Daily lucky box', contents: [{ type: 'point', amount: 10 }],
      randomContents: {
        rolls: 1,
        table: [
          { weight: 70, contents: [{ type: 'currency', currency: 'GOLD', amount: 100 }] },
          { weight: 25, contents: [{ type: 'item', itemName: 'Rare box', quantity: 1 }] },
          { weight: 5, contents: [{ type: 'item', itemName: 'Legendary sword', quantity: 1 }] }
        ]
      }
    },
    status: 201, checks: ['pm.expect(json.randomContents.table.map((entry) => entry.chance)).to.eql([70, 25, 5])'], capture: { luckyRewardId: 'json.id' }
  },
  {
    operationId: 'reportProgress', name: 'Report a check-in for the player (as a game server would)', as: 'admin',
    headers: { 'Idempotency-Key': 'postman-{{runId}}' }, body: { eventType: 'attendance', userId: '{{playerId}}', count: 1 }, status: 200,
    checks: ["pm.expect(json.updates.map((update) => update.eventId)).to.include(pm.collectionVariables.get('eventId'))"]
  },
  {
    operationId: 'reportProgressBatch', name: 'Report a batch: a quest, the same id again, and an item missing its userId', as: 'admin',
    body: {
      reports: [
        { id: 'postman-batch-{{runId}}', eventType: 'quest', userId: '{{playerId}}', value: 'q-17' },
        { id: 'postman-batch-{{runId}}', eventType: 'quest', userId: '{{playerId}}', value: 'q-17' },
        { id: 'postman-batch-bad-{{runId}}', eventType: 'invite' }
      ]
    },
    status: 200,
    checks: ["pm.expect(['applied', 'ignored']).to.include(json.results[0].status)", "pm.expect(json.results.slice(1).map((result) => result.status)).to.eql(['duplicate', 'invalid'])"]
  },
  {
    operationId: 'login', name: 'Log in as the player', as: 'player',
    body: { email: 'player-{{runId}}@example.com', password: 'player-password-{{runId}}' }, status: 200,
    capture: { playerToken: 'json.accessToken', playerRefreshToken: 'json.refreshToken' }
  },
  { operationId: 'checkIn', name: 'The player checks in', as: 'player', status: 200, checks: ['pm.expect(json.duplicate).to.eql(false)'] },
  {
    operationId: 'listUserEvents', name: "The player's progress in the event", as: 'player', query: { eventId: '{{eventId}}' }, status: 200,
    checks: ['pm.expect(json.items[0].satisfied).to.eql(true)']
  },
  {
    operationId: 'listUserEvents', name: "Today's daily reward: the player's check-in counts, the lucky box is claimable", as: 'player', query: { eventId: '{{dailyEventId}}' },
    status: 200,
    checks: ['pm.expect(json.items[0].periodKey).to.match(/^\\d{4}-\\d{2}-\\d{2}$/)', 'pm.expect(json.items[0].resetsAt).to.be.a("string")', 'pm.expect(json.items[0].bundles[0].claimable).to.eql(true)']
  },
  {
    operationId: 'createClaim', name: 'The player claims the lucky box: the points, then what was rolled', as: 'player', body: { rewardsId: '{{luckyRewardId}}' }, status: 201,
    checks: ['pm.expect(json.rewards.length).to.eql(2)', "pm.expect(json.rewards[0]).to.eql({ type: 'point', amount: 10 })"]
  },
  {
    operationId: 'createClaim', name: 'The player claims the reward (pending: the event asks for approval)', as: 'player',
    body: { userId: '{{playerId}}', rewardsId: '{{rewardId}}' }, status: 201, checks: ["pm.expect(json.status).to.eql('pending')"], capture: { claimId: 'json.id' }
  },
  {
    operationId: 'createClaim', name: 'The milestone is not reached yet: 409 CONDITIONS_NOT_MET lists it', as: 'player',
    body: { rewardsId: '{{milestoneRewardId}}' }, status: 409,
    checks: ["pm.expect(json.code).to.eql('CONDITIONS_NOT_MET')", "pm.expect(json.unmet).to.eql([{ name: 'attendance', current: 1, target: 3 }])"]
  },
  {
    operationId: 'createClaim', name: 'Claiming again: 409 ALREADY_CLAIMED names the claim', as: 'player',
    body: { rewardsId: '{{rewardId}}' }, status: 409,
    checks: ["pm.expect(json.code).to.eql('ALREADY_CLAIMED')", "pm.expect(json.claimId).to.eql(pm.collectionVariables.get('claimId'))"]
  },
  {
    operationId: 'getRewardEligibility', name: 'Dry run (support): why the player cannot claim it again — the slot is taken by that claim', as: 'admin',
    params: { id: '{{rewardId}}' }, query: { userId: '{{playerId}}' }, status: 200,
    checks: ['pm.expect(json.claimable).to.eql(false)', "pm.expect(json.reasons[0].code).to.eql('ALREADY_CLAIMED')", "pm.expect(json.reasons[0].claimId).to.eql(pm.collectionVariables.get('claimId'))"]
  },
  {
    operationId: 'listMyClaims', name: "The player's claims", as: 'player', status: 200,
    checks: ["pm.expect(json.items.map((claim) => claim.id)).to.include(pm.collectionVariables.get('claimId'))"]
  },
  { operationId: 'listClaims', name: "All claims of the event (staff)", as: 'admin', query: { eventId: '{{eventId}}' }, status: 200, checks: ['pm.expect(json.items.length).to.eql(1)'] },
  { operationId: 'approveClaim', name: 'Approve it (delivered by the built-in ledger)', as: 'admin', params: { id: '{{claimId}}' }, status: 200, checks: ["pm.expect(json.status).to.eql('completed')"] },
  {
    operationId: 'getEventStats', name: "The event's stats: one participant, the claim completed", as: 'admin', params: { id: '{{eventId}}' }, status: 200,
    checks: ['pm.expect(json.participants).to.eql(1)', 'pm.expect(json.bundles[0].claims.completed).to.eql(1)', 'pm.expect(json.claimsPerDay[0].count).to.eql(1)']
  },
  {
    operationId: 'getClaim', name: 'The claim with its audit trail', as: 'player', params: { id: '{{claimId}}' }, status: 200,
    checks: ["pm.expect(json.transitions.map((step) => step.to)).to.eql(['pending', 'processing', 'completed'])"]
  },
  {
    operationId: 'createGrant', name: 'Make-good grant to the player (delivered by the built-in ledger at once)', as: 'admin',
    headers: { 'Idempotency-Key': 'make-good-{{runId}}' }, body: { userId: '{{playerId}}', contents: [{ type: 'currency', currency: 'GOLD', amount: 500 }], reason: 'Postman run {{runId}}' },
    status: 201, checks: ["pm.expect(json.kind).to.eql('grant')", "pm.expect(json.status).to.eql('completed')"], capture: { grantId: 'json.id' }
  },
  {
    operationId: 'createGrant', name: 'The same Idempotency-Key again: the same grant (200), not a second one', as: 'admin',
    headers: { 'Idempotency-Key': 'make-good-{{runId}}' }, body: { userId: '{{playerId}}', contents: [{ type: 'currency', currency: 'GOLD', amount: 500 }], reason: 'Postman run {{runId}}' },
    status: 200, checks: ["pm.expect(json.id).to.eql(pm.collectionVariables.get('grantId'))"]
  },
  {
    operationId: 'listGrantedRewards', name: "The player's granted rewards (support): the grant first, the approved claim among them", as: 'admin', query: { userId: '{{playerId}}' }, status: 200,
    checks: ["pm.expect(json.items[0].id).to.eql(pm.collectionVariables.get('grantId'))", "pm.expect(json.items.map((item) => item.id)).to.include(pm.collectionVariables.get('claimId'))", "pm.expect(json.items[0].reason).to.include('Postman')"]
  },
  {
    operationId: 'listMyGrantedRewards', name: 'The player reads what they were granted', as: 'player', status: 200,
    checks: ["pm.expect(json.items[0].kind).to.eql('grant')", "pm.expect(json.items.map((item) => item.id)).to.include(pm.collectionVariables.get('claimId'))", 'pm.expect(json.items[0].reason).to.eql(undefined)']
  },
  {
    operationId: 'rejectClaim', name: 'Rejecting a completed claim: 409', as: 'admin', params: { id: '{{claimId}}' }, body: { reason: 'too late' }, status: 409,
    checks: ["pm.expect(json.code).to.eql('INVALID_TRANSITION')"]
  },
  {
    operationId: 'bulkApproveClaims', name: 'Bulk approve: the decided claim and an id naming nothing, a result each', as: 'admin',
    body: { ids: ['{{claimId}}', '000000000000000000000000'] }, status: 200,
    checks: ["pm.expect(json.results.map((result) => result.code)).to.eql(['INVALID_TRANSITION', 'CLAIM_NOT_FOUND'])", "pm.expect(json.results[0].status).to.eql('completed')"]
  },
  {
    operationId: 'bulkRejectClaims', name: 'Bulk reject: a completed claim is not rejected (INVALID_TRANSITION)', as: 'admin',
    body: { ids: ['{{claimId}}'], reason: 'too late' }, status: 200,
    checks: ["pm.expect(json.results).to.eql([{ id: pm.collectionVariables.get('claimId'), status: 'completed', code: 'INVALID_TRANSITION' }])"]
  },
  { operationId: 'retryClaim', name: 'Retrying a claim that did not fail: 409', as: 'admin', params: { id: '{{claimId}}' }, status: 409, checks: ["pm.expect(json.code).to.eql('INVALID_TRANSITION')"] },
  {
    operationId: 'resolveClaim', name: 'Resolving a claim that did not fail: 409', as: 'admin', params: { id: '{{claimId}}' }, body: { note: 'nothing to resolve' }, status: 409,
    checks: ["pm.expect(json.code).to.eql('INVALID_TRANSITION')"]
  },
  {
    operationId: 'login', name: 'Log in as the delivery system', as: 'delivery',
    body: { email: 'delivery-{{runId}}@example.com', password: 'delivery-password-{{runId}}' }, status: 200, capture: { deliveryToken: 'json.accessToken' }
  },
  {
    operationId: 'confirmDelivery', name: 'The delivery system confirms (a repeat: a 200 that changes nothing)', as: 'delivery', params: { id: '{{claimId}}' },
    body: { status: 'completed' }, status: 200, checks: ["pm.expect(json.status).to.eql('completed')"]
  },
  { operationId: 'getDeliveryStatus', name: 'Delivery status', as: 'admin', status: 200, checks: ["pm.expect(json.mode).to.eql('ledger')"] },
  { operationId: 'setDeliveryPaused', name: 'Resume delivery (it was not paused: nothing changes)', as: 'admin', body: { paused: false }, status: 200, checks: ['pm.expect(json.paused).to.eql(false)'] },
  {
    operationId: 'refreshTokens', name: "Rotate the player's refresh token", as: 'player', body: { refreshToken: '{{playerRefreshToken}}' }, status: 200,
    capture: { playerToken: 'json.accessToken', playerRefreshToken: 'json.refreshToken' }
  },
  { operationId: 'updateUserStatus', name: 'Enable the player (already enabled: nothing changes)', as: 'admin', params: { id: '{{playerId}}' }, body: { disabled: false }, status: 200, checks: ['pm.expect(json.disabled).to.eql(false)'] },
  {
    operationId: 'updateUserRoles', name: "Set the delivery account's roles", as: 'admin', params: { id: '{{deliveryId}}' }, body: { roles: ['DELIVERY'] }, status: 200,
    checks: ["pm.expect(json.roles).to.eql(['DELIVERY'])"]
  },
  { operationId: 'endUserSessions', name: "End the delivery account's sessions", as: 'admin', params: { id: '{{deliveryId}}' }, status: 200, checks: ['pm.expect(json.revoked).to.eql(1)'] },
  {
    operationId: 'listAccountAudit', name: 'The accounts audit log for it', as: 'admin', query: { entityId: '{{deliveryId}}' }, status: 200,
    checks: ["pm.expect(json.items.map((entry) => entry.action)).to.eql(['user.sessions', 'user.roles'])"]
  },
  {
    operationId: 'listEventAudit', name: 'The event service audit log for the event: created, then its description edited', as: 'admin', query: { entityId: '{{eventId}}' }, status: 200,
    checks: ["pm.expect(json.items.map((entry) => entry.action)).to.eql(['event.update', 'event.create'])", "pm.expect(Object.keys(json.items[0].after)).to.eql(['description'])"]
  },
  { operationId: 'logout', name: 'The player logs out', as: 'player', body: { refreshToken: '{{playerRefreshToken}}' }, status: 200, checks: ['pm.expect(json.revoked).to.eql(true)'] }
]
