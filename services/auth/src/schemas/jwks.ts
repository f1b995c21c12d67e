import { Type } from '@sinclair/typebox'
import { AUTH_TAGS } from './openapi.js'

const Jwk = Type.Object(
  {
    kty: Type.Literal('RSA'),
    n: Type.String({ description: 'Modulus, base64url' }),
    e: Type.String({ description: 'Exponent, base64url', examples: ['AQAB'] }),
    kid: Type.String({ description: 'RFC 7638 thumbprint; the `kid` header of tokens signed with this key' }),
    alg: Type.Literal('RS256'),
    use: Type.Literal('sig')
  },
  { additionalProperties: false, title: 'Jwk' }
)

export const jwksSchema = {
  tags: AUTH_TAGS,
  operationId: 'getJwks',
  summary: 'Public keys that verify access tokens (JWKS)',
  response: {
    200: Type.Object(
      { keys: Type.Array(Jwk) },
      {
        additionalProperties: false,
        title: 'Jwks',
        examples: [{ keys: [{ kty: 'RSA', n: 'sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1Wl', e: 'AQAB', kid: 'NjVBRjY5MDlCMUIwNzU4RTA2QzZFMDQ4QzQ2MDAyQjVDNjk1RTM2Qg', alg: 'RS256', use: 'sig' }] }]
      }
    )
  }
}
