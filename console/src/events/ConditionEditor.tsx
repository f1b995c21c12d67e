/**
 * The conditions of an event (`contents`) or of a bundle (`conditions`): a list that must all
 * hold, each a leaf (attendance, login streak, quest, invite, purchase with its one parameter) or
 * an "any of" group of at least two leaves. The same editor serves both lists.
 */
import { useId } from 'react'
import { useI18n } from '../i18n.js'
import { useFieldError } from './field-errors.js'
import { focusListAdd } from './list-focus.js'
import { RemoveButton } from './RemoveButton.js'
import { LEAF_PARAM, LEAF_TYPES, isGroupDraft, leafDraft, newKey, type ConditionDraft, type LeafDraft } from './model.js'

interface ConditionEditorProps {
  conditions: ConditionDraft[]
  onChange(next: ConditionDraft[]): void
  /** The body path of the list: `body.contents` or `body.conditions`. */
  basePath: string
  legend: string
  hint?: string
  /** The event needs at least one condition; a bundle may have none. */
  minimum: 0 | 1
}

export function ConditionEditor({ conditions, onChange, basePath, legend, hint, minimum }: ConditionEditorProps) {
  const { t } = useI18n()
  const listError = useFieldError(basePath, [], { exact: true })
  const replace = (index: number, next: ConditionDraft) => onChange(conditions.map((condition, at) => (at === index ? next : condition)))
  const remove = (index: number) => onChange(conditions.filter((_, at) => at !== index))
  return (
    <fieldset className="conditions" data-list>
      <legend>{legend}</legend>
      {hint && <p className="hint">{hint}</p>}
      {conditions.length === 0 && <p className="hint">{t('editor.conditions.none')}</p>}
      <ol className="condition-list">
        {conditions.map((condition, index) => {
          const number = index + 1
          const path = `${basePath}.${index}`
          return (
            <li key={condition.key}>
              {isGroupDraft(condition) ? (
                <fieldset className="condition-group" data-list>
                  <legend>{t('editor.conditions.groupLegend', { n: number })}</legend>
                  <ol className="condition-list">
                    {condition.of.map((member, at) => (
                      <li key={member.key}>
                        <LeafRow
                          leaf={member}
                          label={t('editor.conditions.member', { n: number, m: at + 1 })}
                          path={`${path}.of.${at}`}
                          wholes={[path, `${path}.of`]}
                          onChange={(next) => replace(index, { ...condition, of: condition.of.map((old, i) => (i === at ? next : old)) })}
                          onRemove={
                            condition.of.length > 2
                              ? () => replace(index, { ...condition, of: condition.of.filter((_, i) => i !== at) })
                              : undefined
                          }
                        />
                      </li>
                    ))}
                  </ol>
                  <div className="row-buttons">
                    <button type="button" className="secondary small" data-list-add onClick={() => replace(index, { ...condition, of: [...condition.of, leafDraft('quest', '')] })}>
                      {t('editor.conditions.addAlternative', { n: number })}
                    </button>
                    <button
                      type="button"
                      className="secondary small"
                      onClick={(event) => {
                        // The group is a list of its own: focus goes to the list it is in.
                        focusListAdd(event.currentTarget.closest('li')!)
                        remove(index)
                      }}
                    >
                      {t('editor.conditions.removeGroup', { n: number })}
                    </button>
                  </div>
                </fieldset>
              ) : (
                <LeafRow
                  leaf={condition}
                  label={t('editor.conditions.item', { n: number })}
                  path={path}
                  wholes={[]}
                  onChange={(next) => replace(index, next)}
                  onRemove={conditions.length > minimum ? () => remove(index) : undefined}
                />
              )}
            </li>
          )
        })}
      </ol>
      {listError.message}
      <div className="row-buttons">
        <button type="button" className="secondary small" data-action="add-condition" data-list-add onClick={() => onChange([...conditions, leafDraft()])}>
          {t('editor.conditions.add')}
        </button>
        <button
          type="button"
          className="secondary small"
          data-action="add-group"
          onClick={() => onChange([...conditions, { key: newKey(), type: 'any', of: [leafDraft('quest', ''), leafDraft('purchase', '1000')] }])}
        >
          {t('editor.conditions.addGroup')}
        </button>
      </div>
    </fieldset>
  )
}

function LeafRow({
  leaf,
  label,
  path,
  wholes,
  onChange,
  onRemove
}: {
  leaf: LeafDraft
  label: string
  path: string
  wholes: readonly string[]
  onChange(next: LeafDraft): void
  onRemove: (() => void) | undefined
}) {
  const { t } = useI18n()
  const param = LEAF_PARAM[leaf.type]
  // The whole condition's error (e.g. "does not fit one period") is shown at its parameter.
  const error = useFieldError(`${path}.${param}`, [path, ...wholes])
  const typeError = useFieldError(`${path}.type`)
  const id = useId()
  const typeId = `${id}-type`
  const valueId = `${id}-value`
  return (
    <div className="condition-row">
      <div className="field">
        <label htmlFor={typeId}>{t('editor.conditions.type', { which: label })}</label>
        <select
          id={typeId}
          data-path={`${path}.type`}
          value={leaf.type}
          {...typeError.inputProps}
          onChange={(event) => {
            const type = event.target.value as LeafDraft['type']
            onChange({ ...leaf, type, value: LEAF_PARAM[type] === 'questId' ? '' : leaf.value || '1' })
          }}
        >
          {LEAF_TYPES.map((type) => (
            <option key={type} value={type}>
              {t(`condition.type.${type}`)}
            </option>
          ))}
        </select>
        {typeError.message}
      </div>
      <div className="field">
        <label htmlFor={valueId}>{t('editor.fieldOf', { which: label, field: t(`condition.param.${leaf.type}`) })}</label>
        <input
          id={valueId}
          className={param === 'questId' ? 'text-narrow' : 'number'}
          data-path={`${path}.${param}`}
          required
          {...(param === 'questId' ? { maxLength: 64, spellCheck: false, autoComplete: 'off' } : { type: 'number', min: 1, step: 1, inputMode: 'numeric' as const })}
          value={leaf.value}
          {...error.inputProps}
          onChange={(event) => onChange({ ...leaf, value: event.target.value })}
        />
        {error.message}
      </div>
      {onRemove && <RemoveButton what={label} onRemove={onRemove} />}
    </div>
  )
}
