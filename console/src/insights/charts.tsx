/**
 * Hand-drawn SVG charts (no chart library): geometry in attributes, every colour and pattern in
 * `styles/insights.css` (the page's CSP allows no inline style). Each chart is drawn inside a
 * <figure> whose caption says what it shows and whose data is also a table (`ChartFigure`):
 * the SVG is a picture of that table, named for a screen reader by a one-sentence summary.
 */
import type { ReactNode } from 'react'
import { useI18n } from '../i18n.js'

const WIDTH = 800
const LABEL_WIDTH = 230
const BAR_START = LABEL_WIDTH + 10
const BAR_END = WIDTH - 60
const ROW_HEIGHT = 34
const BAR_HEIGHT = 20

/** The claim statuses in the order the stacked bars draw them (left to right). */
export const SEGMENT_ORDER = ['completed', 'processing', 'pending', 'failed', 'rejected'] as const
export type Segment = (typeof SEGMENT_ORDER)[number]

/** Long labels are cut (the table beside the chart has them whole). */
const clip = (text: string, max = 30) => (text.length > max ? `${text.slice(0, max - 1)}…` : text)

/** A chart, its caption and its data as a table behind a disclosure (or always shown: `tableOpen`). */
export function ChartFigure({ id, title, chart, table, tableOpen = false, note }: { id: string; title: string; chart: ReactNode; table: ReactNode; tableOpen?: boolean; note?: ReactNode }) {
  const { t } = useI18n()
  return (
    <figure className="chart panel" aria-labelledby={`${id}-title`}>
      <figcaption id={`${id}-title`}>
        <h2>{title}</h2>
        {note}
      </figcaption>
      {chart}
      {tableOpen ? (
        table
      ) : (
        <details className="chart-data">
          <summary>{t('stats.showData')}</summary>
          {table}
        </details>
      )}
    </figure>
  )
}

/** The fill patterns, once per page: colour is never the only thing telling the statuses apart. */
export function ChartPatterns() {
  return (
    <svg className="chart-defs" aria-hidden="true" focusable="false" width="0" height="0">
      <defs>
        <pattern id="ins-pat-completed" width="8" height="8" patternUnits="userSpaceOnUse">
          <rect width="8" height="8" className="pat-completed" />
        </pattern>
        <pattern id="ins-pat-processing" width="8" height="8" patternUnits="userSpaceOnUse">
          <rect width="8" height="8" className="pat-processing" />
          <circle cx="4" cy="4" r="1.6" className="pat-ink" />
        </pattern>
        <pattern id="ins-pat-pending" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
          <rect width="8" height="8" className="pat-pending" />
          <rect width="3" height="8" className="pat-ink" />
        </pattern>
        <pattern id="ins-pat-failed" width="8" height="8" patternUnits="userSpaceOnUse">
          <rect width="8" height="8" className="pat-failed" />
          <path d="M0 4 L4 0 L8 4 M0 8 L4 4 L8 8" className="pat-line" />
        </pattern>
        <pattern id="ins-pat-rejected" width="8" height="8" patternUnits="userSpaceOnUse">
          <rect width="8" height="8" className="pat-rejected" />
          <path d="M0 0 L8 8 M8 0 L0 8" className="pat-line" />
        </pattern>
        <pattern id="ins-pat-rest" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)">
          <rect width="6" height="6" className="pat-rest" />
          <rect width="1.5" height="6" className="pat-rest-ink" />
        </pattern>
      </defs>
    </svg>
  )
}

/** A small sample of a status's fill, for the legend and the table's column heads. */
export function Swatch({ segment }: { segment: Segment | 'used' | 'rest' }) {
  return (
    <svg className="swatch" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
      <rect x="0.5" y="0.5" width="15" height="15" rx="2" className={`seg seg-${segment}`} />
    </svg>
  )
}

export interface StackedRow {
  key: string
  label: string
  segments: Record<Segment, number>
}

/** One horizontal bar per row, split by status; bars share one scale, so lengths compare. */
export function StackedBars({ rows, summary }: { rows: StackedRow[]; summary: string }) {
  const { number } = useI18n()
  const totals = rows.map((row) => SEGMENT_ORDER.reduce((sum, segment) => sum + row.segments[segment], 0))
  const max = Math.max(1, ...totals)
  const scale = (BAR_END - BAR_START) / max
  const height = rows.length * ROW_HEIGHT + 8
  return (
    <svg className="chart-svg" viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-label={summary}>
      {rows.map((row, index) => {
        const y = 4 + index * ROW_HEIGHT
        let x = BAR_START
        return (
          <g key={row.key}>
            <text x={LABEL_WIDTH} y={y + BAR_HEIGHT / 2 + 5} className="chart-label" textAnchor="end">
              {clip(row.label)}
            </text>
            <rect x={BAR_START} y={y} width={BAR_END - BAR_START} height={BAR_HEIGHT} className="chart-track" />
            {SEGMENT_ORDER.map((segment) => {
              const value = row.segments[segment]
              if (value === 0) return null
              const width = value * scale
              const start = x
              x += width
              return (
                <g key={segment}>
                  <rect x={start} y={y} width={width} height={BAR_HEIGHT} className={`seg seg-${segment}`} />
                  {width >= 26 && (
                    <text x={start + width / 2} y={y + BAR_HEIGHT / 2 + 5} textAnchor="middle" className="chart-value chart-value-in">
                      {number(value)}
                    </text>
                  )}
                </g>
              )
            })}
            <text x={x + 6} y={y + BAR_HEIGHT / 2 + 5} className="chart-value">
              {number(totals[index]!)}
            </text>
          </g>
        )
      })}
    </svg>
  )
}

export interface MeterRow {
  key: string
  label: string
  value: number
  total: number
  /** Beside the bar: "3 of 5". */
  text: string
}

/** One bar per row: `value` filled out of `total` (the rest hatched); bars share one scale. */
export function MeterBars({ rows, summary }: { rows: MeterRow[]; summary: string }) {
  const max = Math.max(1, ...rows.map((row) => row.total))
  const scale = (BAR_END - BAR_START - 90) / max
  const height = rows.length * ROW_HEIGHT + 8
  return (
    <svg className="chart-svg" viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-label={summary}>
      {rows.map((row, index) => {
        const y = 4 + index * ROW_HEIGHT
        const filled = Math.min(row.value, row.total) * scale
        const whole = row.total * scale
        return (
          <g key={row.key}>
            <text x={LABEL_WIDTH} y={y + BAR_HEIGHT / 2 + 5} className="chart-label" textAnchor="end">
              {clip(row.label)}
            </text>
            <rect x={BAR_START} y={y} width={whole} height={BAR_HEIGHT} className="seg seg-rest" />
            {filled > 0 && <rect x={BAR_START} y={y} width={filled} height={BAR_HEIGHT} className="seg seg-used" />}
            <text x={BAR_START + whole + 6} y={y + BAR_HEIGHT / 2 + 5} className="chart-value">
              {row.text}
            </text>
          </g>
        )
      })}
    </svg>
  )
}

/** Columns over calendar days, with the count above each and the day below (thinned when many). */
export function DayColumns({ days, summary }: { days: Array<{ day: string; count: number }>; summary: string }) {
  const { number } = useI18n()
  const height = 220
  const top = 24
  const bottom = height - 34
  const left = 40
  const right = WIDTH - 10
  const max = Math.max(1, ...days.map((day) => day.count))
  const slot = (right - left) / Math.max(1, days.length)
  const barWidth = Math.max(3, Math.min(48, slot * 0.7))
  const labelEvery = Math.max(1, Math.ceil(days.length / 12))
  return (
    <svg className="chart-svg" viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-label={summary}>
      <line x1={left} y1={bottom} x2={right} y2={bottom} className="chart-axis" />
      <text x={left - 6} y={top + 4} textAnchor="end" className="chart-tick">
        {number(max)}
      </text>
      <line x1={left} y1={top} x2={right} y2={top} className="chart-grid" />
      <text x={left - 6} y={bottom + 4} textAnchor="end" className="chart-tick">
        0
      </text>
      {days.map((day, index) => {
        const barHeight = ((bottom - top) * day.count) / max
        const x = left + index * slot + (slot - barWidth) / 2
        return (
          <g key={day.day}>
            {day.count > 0 && <rect x={x} y={bottom - barHeight} width={barWidth} height={barHeight} className="seg seg-day" />}
            {day.count > 0 && days.length <= 31 && (
              <text x={x + barWidth / 2} y={bottom - barHeight - 5} textAnchor="middle" className="chart-value">
                {number(day.count)}
              </text>
            )}
            {index % labelEvery === 0 && (
              <text x={x + barWidth / 2} y={bottom + 18} textAnchor="middle" className="chart-tick">
                {day.day.slice(5)}
              </text>
            )}
          </g>
        )
      })}
    </svg>
  )
}

export interface DataColumn {
  key: string
  head: ReactNode
}
export interface DataRow {
  key: string
  /** Stable hooks on the row (`data-reward-id`…), for tests and scenarios. */
  hooks: Record<`data-${string}`, string>
  label: ReactNode
  /** Per column key: the value (a number is written in the operator's locale). */
  cells: Record<string, number | string>
}

/**
 * A chart's data as a table: a row head, then one right-aligned cell per column, each marked
 * `data-column` (its key) and `data-value` (the value as the API gave it).
 */
export function DataTable({ className, caption, rowHead, columns, rows }: { className: string; caption: string; rowHead: string; columns: DataColumn[]; rows: DataRow[] }) {
  const { number } = useI18n()
  return (
    <table className={className}>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{rowHead}</th>
          {columns.map((column) => (
            <th scope="col" key={column.key} className="num">
              {column.head}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.key} {...row.hooks}>
            <th scope="row">{row.label}</th>
            {columns.map((column) => {
              const value = row.cells[column.key] ?? ''
              return (
                <td key={column.key} className="num" data-column={column.key} data-value={String(value)}>
                  {typeof value === 'number' ? number(value) : value}
                </td>
              )
            })}
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** Where a chart would be when there is nothing to draw: its heading and why. */
export function EmptyFigure({ id, title, note }: { id: string; title: string; note: string }) {
  return (
    <section className="panel" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <p className="hint">{note}</p>
    </section>
  )
}
