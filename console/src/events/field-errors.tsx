/**
 * The API's 400 shown next to the input that failed. A problem's `errors[].field` is a path into
 * the body (`body.contents.0.count`, `body.stock`, `body.randomContents.table.1.weight`); every
 * input of the editor says which path it edits, and shows the messages for that path or a deeper
 * one (`body.audience.anyTags.2` lands on the anyTags input). A condition row also takes errors
 * naming the whole condition (`body.contents.0`: "needs 8 days, more than a week can hold").
 */
import { createContext, useContext, useId, type ReactNode } from 'react'

export interface FieldProblem {
  field: string
  message: string
}

const FieldErrorsContext = createContext<readonly FieldProblem[]>([])

/** The errors of one request (the event's, or one bundle's) for the inputs inside. */
export function FieldErrorScope({ errors, children }: { errors: readonly FieldProblem[]; children: ReactNode }) {
  return <FieldErrorsContext.Provider value={errors}>{children}</FieldErrorsContext.Provider>
}

/** Does an error about `field` belong to the input editing `path` (that path, or inside it)? */
export const belongsTo = (field: string, path: string) => field === path || field.startsWith(`${path}.`)

export interface FieldError {
  /** Spread on the input: `aria-invalid` and `aria-describedby` when an error names it. */
  inputProps: { 'aria-invalid'?: true; 'aria-describedby'?: string }
  /** The message element (render it after the input), or null. */
  message: ReactNode
}

/**
 * The error for an input editing `path`; `wholes` are paths of the thing the input is part of
 * whose errors it also shows (exact match only, e.g. the condition `body.contents.0`). A list's
 * own message (`body.contents`: "a bundle must grant something") takes `exact`: its items'
 * errors are shown at the items.
 */
export function useFieldError(path: string, wholes: readonly string[] = [], { exact = false } = {}): FieldError {
  const errors = useContext(FieldErrorsContext)
  const id = useId()
  const mine = errors.filter((error) => (exact ? error.field === path : belongsTo(error.field, path)) || wholes.includes(error.field))
  if (mine.length === 0) return { inputProps: {}, message: null }
  return {
    inputProps: { 'aria-invalid': true, 'aria-describedby': id },
    message: (
      <span id={id} className="field-error" data-field={mine.map((error) => error.field).join(' ')}>
        {mine.map((error) => error.message).join('; ')}
      </span>
    )
  }
}
