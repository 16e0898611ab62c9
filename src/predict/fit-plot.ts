/**
 * `violin calibrate --plot FILE.svg`: each fitted time (the hypervisor's job, the whole
 * command) against the data sent, the measured migrations as points and the fit as a
 * line, so a glance shows how well the shape follows them. Hand-written SVG, no dependency.
 */
import {type Calibration, evaluate, sizeOf} from './calibration.js'
import type {Fit} from './fit.js'
import type {Measurement} from './measurement.js'

const COLORS = {hypervisor: '#1f77b4', wall: '#ff7f0e'}
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

export function plotCalibrationSvg(c: Calibration): string {
  const series: Array<{label: string; color: string; fit: Fit; points: Array<{x: number; y: number}>}> = []
  for (const [mode, m] of Object.entries(c.modes)) {
    const alone = c.data.filter((d) => d.mode === mode && d.concurrent === 1)
    // The fits are of the time less the memory term; the points are drawn the same way.
    const less = m.memoryMsPerMiB ? ` less ${Math.round(m.memoryMsPerMiB * 100) / 100} ms per MiB of memory` : ''
    const point = (d: Measurement, y: number) => ({x: sizeOf(d), y: y - m.memoryMsPerMiB * d.memory_mib})
    if (m.hypervisor)
      series.push({
        label: `${mode}: job (total_ms)${less}`,
        color: COLORS.hypervisor,
        fit: m.hypervisor,
        points: alone.filter((d) => d.total_ms !== undefined).map((d) => point(d, d.total_ms!)),
      })
    if (m.wall)
      series.push({
        label: `${mode}: command (wall_ms)${less}`,
        color: COLORS.wall,
        fit: m.wall,
        points: alone.filter((d) => d.wall_ms !== undefined).map((d) => point(d, d.wall_ms!)),
      })
  }
  const xs = series.flatMap((s) => s.points.map((p) => p.x))
  const maxX = Math.max(1, ...xs) * 1.1
  const maxY = Math.max(1, ...series.flatMap((s) => [...s.points.map((p) => p.y), evaluate(s.fit, maxX)])) * 1.05
  const left = 60
  const top = 30
  const w = 480
  const h = 260
  const X = (x: number) => left + (x / maxX) * w
  const Y = (y: number) => top + h - (Math.max(0, y) / maxY) * h
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + w + 20}" height="${top + h + 50 + 16 * series.length}" font-family="sans-serif" font-size="11">`,
  ]
  out.push(
    `<text x="${left}" y="16" font-size="13">${esc(`migration time (ms) against data sent (MiB): ${c.data.length} measured, ${c.source}`)}</text>`,
  )
  for (let i = 0; i <= 4; i++) {
    const y = (maxY * i) / 4
    const x = (maxX * i) / 4
    out.push(
      `<line x1="${left}" x2="${left + w}" y1="${Y(y)}" y2="${Y(y)}" stroke="#ddd"/><text x="${left - 4}" y="${Y(y) + 4}" text-anchor="end">${Math.round(y)}</text>`,
    )
    out.push(`<text x="${X(x)}" y="${top + h + 14}" text-anchor="middle">${Math.round(x)}</text>`)
  }
  series.forEach((s, i) => {
    const steps = 40
    const path = Array.from({length: steps + 1}, (_, k) => {
      const x = (maxX * k) / steps
      return `${k === 0 ? 'M' : 'L'}${X(x).toFixed(1)},${Y(evaluate(s.fit, x)).toFixed(1)}`
    }).join(' ')
    out.push(`<path d="${path}" fill="none" stroke="${s.color}" stroke-width="1.5"/>`)
    for (const p of s.points)
      out.push(
        `<circle cx="${X(p.x).toFixed(1)}" cy="${Y(p.y).toFixed(1)}" r="3" fill="${s.color}"><title>${esc(`${p.x} MiB: ${p.y} ms`)}</title></circle>`,
      )
    const ly = top + h + 32 + 16 * i
    out.push(
      `<rect x="${left}" y="${ly - 9}" width="10" height="10" fill="${s.color}"/><text x="${left + 14}" y="${ly}">${esc(`${s.label}: ${s.fit.shape}, RMS ${Math.round(s.fit.rms)} ms`)}</text>`,
    )
  })
  out.push('</svg>')
  return `${out.join('\n')}\n`
}
