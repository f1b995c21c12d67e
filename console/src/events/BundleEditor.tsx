/**
 * One reward bundle: its name, fixed contents, milestone conditions, stock, on/off, and an
 * optional random table whose weights are shown as a share of the table's total.
 */
import { useId } from 'react'
import { useI18n } from '../i18n.js'
import { ConditionEditor } from './ConditionEditor.js'
import { useFieldError } from './field-errors.js'
import { removingRow } from './list-focus.js'
import { RemoveButton } from './RemoveButton.js'
import {
  CONTENT_FIELDS,
  CONTENT_TYPES,
  contentDraft,
  randomEntryDraft,
  sharesOf,
  type ApiReward,
  type BundleDraft,
  type ContentDraft,
  type RandomDraft
} from './model.js'
import { formatShare } from './preview.js'

export function BundleEditor({
  draft,
  saved,
  index,
  onChange,
  onRemove
}: {
  draft: BundleDraft
  saved: ApiReward | undefined
  index: number
  onChange(next: BundleDraft): void
  onRemove: (() => void) | undefined
}) {
  const i18n = useI18n()
  const { t, number } = i18n
  const id = useId()
  const nameError = useFieldError('body.name')
  const stockError = useFieldError('body.stock')
  const set = (patch: Partial<BundleDraft>) => onChange({ ...draft, ...patch })
  return (
    <>
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-name`}>{t('editor.bundle.name')}</label>
          {/* Once named, a bundle keeps a name: the API cannot clear one. */}
          <input id={`${id}-name`} data-path="body.name" maxLength={100} required={Boolean(saved?.name)} value={draft.name} {...nameError.inputProps} onChange={(event) => set({ name: event.target.value })} />
          {nameError.message}
        </div>
        <div className="field">
          <label htmlFor={`${id}-stock`}>{t('editor.bundle.stock')}</label>
          <input
            id={`${id}-stock`}
            data-path="body.stock"
            className="number"
            type="number"
            min={1}
            step={1}
            inputMode="numeric"
            value={draft.stock}
            aria-describedby={stockError.inputProps['aria-describedby'] ?? `${id}-stock-hint`}
            {...(stockError.inputProps['aria-invalid'] ? { 'aria-invalid': true } : {})}
            onChange={(event) => set({ stock: event.target.value })}
          />
          <span id={`${id}-stock-hint`} className="hint">
            {saved && saved.stockLeft !== null ? t('editor.bundle.stockLeftNow', { n: number(saved.stockLeft) }) : t('editor.bundle.stockHint')}
          </span>
          {stockError.message}
        </div>
        <div className="field checkbox">
          <input id={`${id}-active`} data-path="body.active" type="checkbox" checked={draft.active} onChange={(event) => set({ active: event.target.checked })} />
          <label htmlFor={`${id}-active`}>{t('editor.bundle.active')}</label>
        </div>
      </div>
      <ContentList
        legend={t('editor.bundle.contents')}
        contents={draft.contents}
        basePath="body.contents"
        minimum={draft.random ? 0 : 1}
        onChange={(contents) => set({ contents })}
      />
      <ConditionEditor
        legend={t('editor.bundle.conditions')}
        hint={t('editor.bundle.conditionsHint')}
        basePath="body.conditions"
        minimum={0}
        conditions={draft.conditions}
        onChange={(conditions) => set({ conditions })}
      />
      <div className="field checkbox">
        <input
          id={`${id}-random`}
          data-action="random-table"
          type="checkbox"
          checked={draft.random !== null}
          onChange={(event) => set({ random: event.target.checked ? { rolls: '1', table: [randomEntryDraft('70'), randomEntryDraft('30')] } : null })}
        />
        <label htmlFor={`${id}-random`}>{t('editor.bundle.random')}</label>
      </div>
      {draft.random && <RandomTable random={draft.random} onChange={(random) => set({ random })} />}
      {onRemove && (
        <div className="row-buttons">
          <button type="button" className="secondary small" onClick={removingRow(onRemove)}>
            {t('editor.bundle.remove', { n: index + 1 })}
          </button>
        </div>
      )}
    </>
  )
}

function RandomTable({ random, onChange }: { random: RandomDraft; onChange(next: RandomDraft): void }) {
  const i18n = useI18n()
  const { t } = i18n
  const id = useId()
  const rollsError = useFieldError('body.randomContents.rolls')
  const tableError = useFieldError('body.randomContents.table', ['body.randomContents'], { exact: true })
  const shares = sharesOf(random.table.map((entry) => entry.weight))
  const setEntry = (at: number, patch: Partial<RandomDraft['table'][number]>) =>
    onChange({ ...random, table: random.table.map((entry, i) => (i === at ? { ...entry, ...patch } : entry)) })
  return (
    <fieldset className="random" data-list>
      <legend>{t('editor.random.legend')}</legend>
      <div className="field">
        <label htmlFor={`${id}-rolls`}>{t('editor.random.rolls')}</label>
        <input
          id={`${id}-rolls`}
          data-path="body.randomContents.rolls"
          className="number"
          type="number"
          min={1}
          max={10}
          step={1}
          required
          value={random.rolls}
          {...rollsError.inputProps}
          onChange={(event) => onChange({ ...random, rolls: event.target.value })}
        />
        {rollsError.message}
      </div>
      <ol className="random-entries">
        {random.table.map((entry, at) => (
          <li key={entry.key}>
            <RandomEntry
              number={at + 1}
              weight={entry.weight}
              share={formatShare(i18n, shares[at] ?? 0)}
              contents={entry.contents}
              onWeight={(weight) => setEntry(at, { weight })}
              onContents={(contents) => setEntry(at, { contents })}
              onRemove={random.table.length > 1 ? () => onChange({ ...random, table: random.table.filter((_, i) => i !== at) }) : undefined}
            />
          </li>
        ))}
      </ol>
      {tableError.message}
      <button type="button" className="secondary small" data-list-add onClick={() => onChange({ ...random, table: [...random.table, randomEntryDraft()] })}>
        {t('editor.random.add')}
      </button>
    </fieldset>
  )
}

function RandomEntry({
  number,
  weight,
  share,
  contents,
  onWeight,
  onContents,
  onRemove
}: {
  number: number
  weight: string
  share: string
  contents: ContentDraft[]
  onWeight(weight: string): void
  onContents(contents: ContentDraft[]): void
  onRemove: (() => void) | undefined
}) {
  const { t } = useI18n()
  const id = useId()
  const path = `body.randomContents.table.${number - 1}`
  const weightError = useFieldError(`${path}.weight`, [path])
  return (
    <fieldset className="random-entry">
      <legend>{t('editor.random.entry', { n: number })}</legend>
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-weight`}>{t('editor.fieldOf', { which: t('editor.random.entry', { n: number }), field: t('editor.random.weight') })}</label>
          <input
            id={`${id}-weight`}
            data-path={`${path}.weight`}
            className="number"
            type="number"
            min={1}
            step={1}
            required
            value={weight}
            {...weightError.inputProps}
            onChange={(event) => onWeight(event.target.value)}
          />
          {weightError.message}
        </div>
        <p className="share">
          <output htmlFor={`${id}-weight`} aria-label={t('editor.random.shareLabel', { n: number })}>
            {share}
          </output>{' '}
          <span className="hint">{t('editor.random.perRoll')}</span>
        </p>
      </div>
      <ContentList legend={t('editor.random.contents', { n: number })} contents={contents} basePath={`${path}.contents`} minimum={1} onChange={onContents} />
      {onRemove && (
        <button type="button" className="secondary small" onClick={removingRow(onRemove)}>
          {t('editor.random.remove', { n: number })}
        </button>
      )}
    </fieldset>
  )
}

/** Reward contents: item, point, coupon or currency, each with its text and number. */
function ContentList({
  legend,
  contents,
  basePath,
  minimum,
  onChange
}: {
  legend: string
  contents: ContentDraft[]
  basePath: string
  minimum: 0 | 1
  onChange(next: ContentDraft[]): void
}) {
  const { t } = useI18n()
  const listError = useFieldError(basePath, [], { exact: true })
  return (
    <fieldset className="contents" data-list>
      <legend>{legend}</legend>
      {contents.length === 0 && <p className="hint">{t('editor.contents.none')}</p>}
      <ol className="content-list">
        {contents.map((content, at) => (
          <li key={content.key}>
            <ContentRow
              content={content}
              label={t('editor.contents.item', { n: at + 1 })}
              path={`${basePath}.${at}`}
              onChange={(next) => onChange(contents.map((old, i) => (i === at ? next : old)))}
              onRemove={contents.length > minimum ? () => onChange(contents.filter((_, i) => i !== at)) : undefined}
            />
          </li>
        ))}
      </ol>
      {listError.message}
      <button type="button" className="secondary small" data-action="add-content" data-list-add onClick={() => onChange([...contents, contentDraft()])}>
        {t('editor.contents.add')}
      </button>
    </fieldset>
  )
}

function ContentRow({
  content,
  label,
  path,
  onChange,
  onRemove
}: {
  content: ContentDraft
  label: string
  path: string
  onChange(next: ContentDraft): void
  onRemove: (() => void) | undefined
}) {
  const { t } = useI18n()
  const id = useId()
  const fields = CONTENT_FIELDS[content.type]
  const textError = useFieldError(`${path}.${fields.text ?? 'text'}`, [path])
  const numberError = useFieldError(`${path}.${fields.number}`, fields.text ? [] : [path])
  return (
    <div className="content-row">
      <div className="field">
        <label htmlFor={`${id}-type`}>{t('editor.contents.type', { which: label })}</label>
        <select id={`${id}-type`} data-path={`${path}.type`} value={content.type} onChange={(event) => onChange({ ...content, type: event.target.value as ContentDraft['type'] })}>
          {CONTENT_TYPES.map((type) => (
            <option key={type} value={type}>
              {t(`editor.contents.type.${type}`)}
            </option>
          ))}
        </select>
      </div>
      {fields.text && (
        <div className="field">
          <label htmlFor={`${id}-text`}>{t('editor.fieldOf', { which: label, field: t(`editor.contents.${fields.text}`) })}</label>
          <input
            id={`${id}-text`}
            data-path={`${path}.${fields.text}`}
            required
            maxLength={100}
            value={content.text}
            {...textError.inputProps}
            onChange={(event) => onChange({ ...content, text: event.target.value })}
          />
          {textError.message}
        </div>
      )}
      <div className="field">
        <label htmlFor={`${id}-number`}>{t('editor.fieldOf', { which: label, field: t(`editor.contents.${fields.number}`) })}</label>
        <input
          id={`${id}-number`}
          data-path={`${path}.${fields.number}`}
          className="number"
          type="number"
          min={1}
          step={1}
          required
          value={content.number}
          {...numberError.inputProps}
          onChange={(event) => onChange({ ...content, number: event.target.value })}
        />
        {numberError.message}
      </div>
      {onRemove && <RemoveButton what={label} onRemove={onRemove} />}
    </div>
  )
}
