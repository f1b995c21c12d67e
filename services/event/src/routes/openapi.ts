/** Route-schema fragments every documented, token-protected route shares. */
export const bearer = { security: [{ bearerAuth: [] }] }
