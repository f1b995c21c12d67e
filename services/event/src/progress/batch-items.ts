import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'
import { validationFieldOf } from '@app/platform'
import { BatchProgressReport, ProgressReportBatchEnvelope, type BatchReportResult } from '../schemas/progress.js'
import type { BatchItem } from './ingest.js'

/**
 * A batch is judged in two steps (SPEC v2: only a malformed envelope is a 400, a bad item is
 * `invalid`): the route validates the envelope — `reports`, an array of 1…500, nothing else —
 * and the handler each item against the documented item schema, with Ajv configured as
 * Fastify's own (coercion, defaults, no stripping, discriminator), so an item is read exactly
 * as the same report sent alone would be.
 */
const ajv = new Ajv({ coerceTypes: 'array', useDefaults: true, removeAdditional: false, discriminator: true, allErrors: false, strict: false })
// ajv-formats is CommonJS: its default export arrives as the module object or the function itself.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv
addFormats(ajv)

const validateItem = ajv.compile(BatchProgressReport) as ValidateFunction<BatchItem>
// The envelope is not coerced: `reports: "x"` is a malformed batch, not a batch of one bad item.
const validateEnvelope = new Ajv({ coerceTypes: false, removeAdditional: false, allErrors: false, strict: false }).compile(ProgressReportBatchEnvelope)

/** The route's validator: the envelope alone, whatever schema the route documents. */
export const batchEnvelopeCompiler: FastifySchemaCompiler<unknown> = () => validateEnvelope

const idOf = (item: unknown): string | null =>
  typeof item === 'object' && item !== null && typeof (item as { id?: unknown }).id === 'string' ? (item as { id: string }).id : null

/** Each item checked on its own: the report it is, or its `invalid` answer naming the field that failed. */
export function checkBatchItems(items: readonly unknown[]): ({ item: BatchItem } | { invalid: BatchReportResult })[] {
  return items.map((item, index) => {
    if (validateItem(item)) return { item }
    const [error] = validateItem.errors ?? []
    const detail = error ? `${validationFieldOf(error, `reports.${index}`)} ${error.message ?? 'is invalid'}` : `reports.${index} is invalid`
    return { invalid: { id: idOf(item), status: 'invalid', detail } }
  })
}
