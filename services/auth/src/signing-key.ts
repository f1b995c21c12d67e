import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { EnvError } from '@app/platform'

export interface PublicJwk {
  kty: 'RSA'
  n: string
  e: string
  kid: string
  alg: 'RS256'
  use: 'sig'
}

export interface SigningKey {
  privateKeyPem: string
  publicKeyPem: string
  /** RFC 7638 thumbprint of the public key: stable for a key, different for every other key. */
  kid: string
  publicJwk: PublicJwk
  /** True when no key was configured: tokens die with the process and instances disagree. */
  generated: boolean
}

const MIN_MODULUS_BITS = 2048

/**
 * The RS256 key from `JWT_PRIVATE_KEY` (PEM, or base64 of a PEM), or a fresh one when unset.
 * A PEM squeezed onto one line with literal `\n` is repaired, since that is how `.env` files
 * usually mangle it.
 */
export function loadSigningKey(configured: string | undefined): SigningKey {
  if (configured === undefined) {
    return describe(generateKeyPairSync('rsa', { modulusLength: MIN_MODULUS_BITS }).privateKey, true)
  }
  const pem = configured.includes('-----BEGIN')
    ? configured.replaceAll('\\n', '\n')
    : Buffer.from(configured, 'base64').toString('utf8')
  let privateKey: KeyObject
  try {
    privateKey = createPrivateKey(pem)
  } catch {
    throw new EnvError('Invalid environment configuration:\n  JWT_PRIVATE_KEY: not a PEM private key, nor base64 of one')
  }
  if (privateKey.asymmetricKeyType !== 'rsa' || (privateKey.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_MODULUS_BITS) {
    throw new EnvError(`Invalid environment configuration:\n  JWT_PRIVATE_KEY: must be an RSA key of at least ${MIN_MODULUS_BITS} bits (RS256)`)
  }
  return describe(privateKey, false)
}

function describe(privateKey: KeyObject, generated: boolean): SigningKey {
  const publicKey = createPublicKey(privateKey)
  const { n, e } = publicKey.export({ format: 'jwk' })
  if (typeof n !== 'string' || typeof e !== 'string') throw new Error('RSA public key without modulus or exponent')
  // RFC 7638: the required members in lexicographic order, no whitespace, SHA-256, base64url.
  const kid = createHash('sha256').update(JSON.stringify({ e, kty: 'RSA', n })).digest('base64url')
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    kid,
    publicJwk: { kty: 'RSA', n, e, kid, alg: 'RS256', use: 'sig' },
    generated
  }
}
