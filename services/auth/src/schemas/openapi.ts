type SecurityRequirements = { [scheme: string]: string[] }[]

/** Every route of this service is documented under one tag. */
export const AUTH_TAGS = ['auth']
/** Routes that need a Bearer token. */
export const BEARER_AUTH: SecurityRequirements = [{ bearerAuth: [] }]
/** Routes that work without a token and do more with one. */
export const OPTIONAL_BEARER_AUTH: SecurityRequirements = [{}, { bearerAuth: [] }]
