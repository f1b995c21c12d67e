import type { ClaimDoc } from '../repositories/claims.js'

/** `delivered`: granted now. `accepted`: the delivery system took it and will confirm via the callback. */
export type GrantOutcome = 'delivered' | 'accepted'

/** Where granted rewards go: the delivery system over HTTP, or the built-in ledger. */
export interface Grant {
  deliver(claim: ClaimDoc): Promise<GrantOutcome>
  /** False while deliveries would be refused without trying (open circuit). */
  ready(): boolean
  close(): void
}

export class DeliveryError extends Error {
  override name = 'DeliveryError'
  /** Retrying cannot help (the delivery system refused this grant outright). */
  readonly permanent: boolean
  /** False when nothing was sent (open circuit), so it does not use up an attempt. */
  readonly attempted: boolean

  constructor(message: string, { permanent = false, attempted = true }: { permanent?: boolean; attempted?: boolean } = {}) {
    super(message)
    this.permanent = permanent
    this.attempted = attempted
  }
}
