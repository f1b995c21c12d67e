import { Type, type Static, type TObject, type TUnsafe } from '@sinclair/typebox'

/**
 * A union chosen by its `tag` property: `oneOf` + `discriminator`, so Ajv (with
 * `discriminator: true`) validates the one branch the tag names and OpenAPI shows the
 * discriminator. `Type.Union` would emit `anyOf` instead (PITFALLS: TypeBox unions and Ajv).
 * Every branch must be an object with `additionalProperties: false` and a literal tag.
 */
export function discriminatedUnion<const Branches extends TObject[]>(
  tag: string,
  branches: Branches,
  options: { title?: string; description?: string; examples?: unknown[] } = {}
): TUnsafe<Static<Branches[number]>> {
  return Type.Unsafe<Static<Branches[number]>>({
    type: 'object',
    required: [tag],
    oneOf: branches,
    discriminator: { propertyName: tag },
    ...options
  })
}
