import fp from 'fastify-plugin'
import { Role } from '@app/contracts'

export interface BootstrapAdminOptions {
  email: string
  password: string
}

/**
 * Public sign-up never creates privileged accounts, so the first ADMIN comes from the
 * environment. Idempotent: an existing account with that email is left exactly as it is
 * (its password and roles may have been changed on purpose since).
 */
export const bootstrapAdminPlugin = fp<BootstrapAdminOptions>(
  async (app, { email, password }) => {
    const { users } = app.repositories
    if (await users.findByEmail(email)) return
    const created = await users.create({ email, passwordHash: await app.passwords.hash(password, 'priority'), roles: [Role.ADMIN] })
    // null: another instance created it between the lookup and the insert, which is fine.
    if (created) app.log.info({ userId: created._id.toHexString(), email: created.email }, 'bootstrap admin created')
  },
  { name: 'bootstrap-admin', dependencies: ['repositories', 'passwords'], fastify: '5.x' }
)
