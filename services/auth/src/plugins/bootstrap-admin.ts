import fp from 'fastify-plugin'
import { Role } from '@app/contracts'

export interface BootstrapAdminOptions {
  email: string
  password: string
  /**
   * No ADMIN_EMAIL / ADMIN_PASSWORD was configured and this password was generated: the account
   * is created only while no ADMIN exists at all, and the password is shown once, in the log —
   * a fresh `npm start` is usable without setting anything, and never with a password that
   * ships in the repository.
   */
  generated?: boolean
}

/** Where the generated first ADMIN lives: `.local` is a reserved name, so it can be no one's real address. */
export const GENERATED_ADMIN_EMAIL = 'admin@platform.local'

/**
 * Public sign-up never creates privileged accounts, so the first ADMIN comes from the
 * environment. Idempotent: an existing account with that email is left exactly as it is
 * (its password and roles may have been changed on purpose since).
 */
export const bootstrapAdminPlugin = fp<BootstrapAdminOptions>(
  async (app, { email, password, generated = false }) => {
    const { users } = app.repositories
    if (await users.findByEmail(email)) return
    if (generated && (await users.anyWithRole(Role.ADMIN))) return
    const created = await users.create({ email, passwordHash: await app.passwords.hash(password, 'priority'), roles: [Role.ADMIN] })
    // null: another instance created it between the lookup and the insert, which is fine.
    if (!created) return
    if (generated) {
      app.log.warn(
        `No ADMIN_EMAIL / ADMIN_PASSWORD set: created the ADMIN ${created.email} with the password ${password} — shown this once. ` +
          'Log in with it and create your own ADMIN, or set ADMIN_EMAIL and ADMIN_PASSWORD (see .env.example).'
      )
    } else {
      app.log.info({ userId: created._id.toHexString(), email: created.email }, 'bootstrap admin created')
    }
  },
  { name: 'bootstrap-admin', dependencies: ['repositories', 'passwords'], fastify: '5.x' }
)
