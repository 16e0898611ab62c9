/**
 * `violin simulate --plot FILE.svg`: per-environment run times, one bar per policy, with
 * the average and overall times as the last two groups (as ICAC 2006's Figures 4 and 6).
 * Hand-written SVG, no dependency.
 */
import type {SimulationResult} from './engine.js'

const COLORS = ['#888888', '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd']
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

export function plotSvg(results: SimulationResult[]): string {
  const groups = [...Object.keys(results[0]?.environments ?? {}), 'average', 'overall']
  const value = (r: SimulationResult, g: string): number | null =>
    g === 'average' ? r.average_time_s : g === 'overall' ? r.overall_time_s : (r.environments[g]?.time_s ?? null)
  const max = Math.max(1, ...results.flatMap((r) => groups.map((g) => value(r, g) ?? 0)))
  const bar = 14
  const gap = 18
  const groupW = results.length * bar + gap
  const left = 60
  const top = 30
  const height = 220
  const width = left + groups.length * groupW + 20
  const y = (v: number) => top + height - (v / max) * height
  const out: string[] = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${top + height + 70}" font-family="sans-serif" font-size="11">`,
  )
  out.push(`<text x="${left}" y="16" font-size="13">${esc(results[0]?.scenario ?? '')}: run time per environment (s)</text>`)
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4
    out.push(
      `<line x1="${left}" x2="${width - 10}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${left - 4}" y="${y(v) + 4}" text-anchor="end">${Math.round(v)}</text>`,
    )
  }
  groups.forEach((g, gi) => {
    const x0 = left + gi * groupW + gap / 2
    results.forEach((r, ri) => {
      const v = value(r, g)
      const x = x0 + ri * bar
      if (v === null)
        out.push(`<text x="${x + bar / 2}" y="${top + height - 4}" text-anchor="middle" fill="${COLORS[ri % COLORS.length]}">x</text>`)
      else
        out.push(
          `<rect x="${x}" y="${y(v)}" width="${bar - 2}" height="${top + height - y(v)}" fill="${COLORS[ri % COLORS.length]}"><title>${esc(`${r.policy} ${g}: ${v} s`)}</title></rect>`,
        )
    })
    out.push(`<text x="${x0 + (results.length * bar) / 2}" y="${top + height + 14}" text-anchor="middle">${esc(g)}</text>`)
  })
  results.forEach((r, ri) => {
    const x = left + ri * 110
    out.push(
      `<rect x="${x}" y="${top + height + 30}" width="10" height="10" fill="${COLORS[ri % COLORS.length]}"/><text x="${x + 14}" y="${top + height + 39}">${esc(r.policy)}${r.failed_environments.length ? ` (${r.failed_environments.length} failed: x)` : ''}</text>`,
    )
  })
  out.push('</svg>')
  return `${out.join('\n')}\n`
}
