import type { PublicUser } from '@app/contracts'
import { tagsOf, type UserDocument } from './repositories/users.js'

/** The only shape in which an account leaves the service: never a hash, never a token version. */
export const toPublicUser = (user: UserDocument): PublicUser => ({
  id: user._id.toHexString(),
  email: user.email,
  roles: user.roles,
  tags: tagsOf(user),
  disabled: user.disabled ?? false,
  createdAt: user.createdAt.toISOString()
})
