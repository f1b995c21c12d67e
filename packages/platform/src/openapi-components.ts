import { isDeepStrictEqual } from 'node:util'

type Json = Record<string, unknown>

/** A schema whose `title` is PascalCase is a named component (`Event`, `AttendanceCondition`, `Problem`). */
const COMPONENT_NAME = /^[A-Z][A-Za-z0-9]*$/
/** Annotations: two schemas that differ only in these describe the same values. */
const ANNOTATIONS = new Set(['title', 'description', 'examples', 'example', 'default', 'deprecated'])
const SCHEMA_KEYWORDS = ['type', 'properties', 'oneOf', 'anyOf', 'allOf', 'enum', 'const', 'items']

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)
const looksLikeSchema = (node: Json) => SCHEMA_KEYWORDS.some((keyword) => keyword in node)
export const schemaRef = (name: string) => `#/components/schemas/${name}`

/** The schema without its annotations, anywhere inside it: what the values it accepts depend on. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape)
  if (!isObject(value)) return value
  return Object.fromEntries(Object.entries(value).filter(([key]) => !ANNOTATIONS.has(key)).map(([key, inner]) => [key, shape(inner)]))
}
/** Whether two schemas accept the same values (they may be annotated differently). */
export const sameShape = (a: unknown, b: unknown) => isDeepStrictEqual(shape(a), shape(b))

const annotationCount = (value: unknown): number =>
  Array.isArray(value)
    ? value.reduce((sum: number, item) => sum + annotationCount(item), 0)
    : isObject(value)
      ? Object.entries(value).reduce((sum, [key, inner]) => sum + (ANNOTATIONS.has(key) ? 1 : 0) + annotationCount(inner), 0)
      : 0

/**
 * Turns every schema titled with a PascalCase name into a named component referenced by
 * `$ref`, innermost first, and gives each discriminated `oneOf` of components its `mapping`
 * (tag value → component), so generated clients get one type per domain object (`Event`,
 * `Claim`, `AttendanceCondition`) shared by requests and responses, instead of one per place
 * it appears. The same name on two schemas that accept different values is a mistake and
 * throws; copies that differ only in annotations (a top-level body whose examples moved to
 * its media type) are one component, the better annotated copy kept.
 */
export function hoistNamedSchemas<T extends Json>(document: T): T {
  const components = isObject(document.components) ? document.components : ((document as Json).components = {})
  const schemas = (isObject(components.schemas) ? components.schemas : (components.schemas = {})) as Json

  const hoist = (node: unknown, asComponent = true): unknown => {
    if (Array.isArray(node)) return node.map((item) => hoist(item))
    if (!isObject(node)) return node
    const walked: Json = Object.fromEntries(
      Object.entries(node).map(([key, inner]) => [key, key === 'example' || key === 'examples' ? inner : hoist(inner)])
    )
    const name = walked.title
    if (!asComponent || typeof name !== 'string' || !COMPONENT_NAME.test(name) || !looksLikeSchema(walked)) return walked
    const { $id: _id, ...schema } = walked
    const existing = schemas[name]
    if (existing === undefined) schemas[name] = schema
    else if (!sameShape(existing, schema)) {
      throw new Error(`Two different schemas are both named ${name}: give one of them another title`)
    } else if (annotationCount(schema) > annotationCount(existing)) schemas[name] = schema
    return { $ref: schemaRef(name) }
  }

  ;(document as Json).paths = hoist(document.paths)
  for (const [name, schema] of Object.entries(schemas)) schemas[name] = hoist(schema, false)
  addDiscriminatorMappings(document, schemas)
  return document
}

/** `discriminator.mapping` for every `oneOf` of `$ref`s: the tag value each component carries. */
function addDiscriminatorMappings(node: unknown, schemas: Json): void {
  if (Array.isArray(node)) return node.forEach((item) => addDiscriminatorMappings(item, schemas))
  if (!isObject(node)) return
  for (const inner of Object.values(node)) addDiscriminatorMappings(inner, schemas)
  const discriminator = node.discriminator
  if (!isObject(discriminator) || typeof discriminator.propertyName !== 'string' || !Array.isArray(node.oneOf)) return
  const tag = discriminator.propertyName
  const mapping: Record<string, string> = {}
  for (const branch of node.oneOf) {
    const ref = isObject(branch) && typeof branch.$ref === 'string' ? branch.$ref : undefined
    const target = ref ? schemas[ref.slice(schemaRef('').length)] : undefined
    const property = isObject(target) && isObject(target.properties) ? target.properties[tag] : undefined
    const value = isObject(property) ? (Array.isArray(property.enum) ? property.enum[0] : property.const) : undefined
    if (!ref || typeof value !== 'string') return // not every branch a component with a fixed tag: leave it as it is
    mapping[value] = ref
  }
  discriminator.mapping = mapping
}
