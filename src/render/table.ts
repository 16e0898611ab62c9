export type Format = 'table' | 'csv' | 'json' | 'yaml'
export const FORMATS: Format[] = ['table', 'csv', 'json', 'yaml']

export interface Column<R> {
  header: string
  get: (row: R) => string | number | undefined
  align?: 'left' | 'right'
}

function cell(v: string | number | undefined): string {
  return v === undefined || (typeof v === 'number' && Number.isNaN(v)) ? '-' : String(v)
}

/**
 * virsh-style columns: a header, a rule, padded cells, no borders (cli-table3 with its
 * box characters blanked), so the output reads well and cuts well with awk.
 */
export async function renderTable<R>(rows: R[], columns: Column<R>[], options: {header?: boolean} = {}): Promise<string> {
  const {default: Table} = await import('cli-table3')
  const blank = {
    top: '',
    'top-mid': '',
    'top-left': '',
    'top-right': '',
    bottom: '',
    'bottom-mid': '',
    'bottom-left': '',
    'bottom-right': '',
    left: ' ',
    'left-mid': '',
    mid: '',
    'mid-mid': '',
    right: '',
    'right-mid': '',
    middle: '  ',
  }
  const table = new Table({
    chars: blank,
    style: {head: [], border: [], 'padding-left': 0, 'padding-right': 0},
    colAligns: columns.map((c) => c.align ?? 'left'),
  })
  if (options.header !== false) table.push(columns.map((c) => c.header))
  for (const r of rows) table.push(columns.map((c) => cell(c.get(r))))
  const lines = table
    .toString()
    .split('\n')
    .map((l) => l.trimEnd())
  if (options.header !== false && lines.length > 0) {
    const width = Math.max(...lines.map((l) => l.length))
    lines.splice(1, 0, '-'.repeat(width))
  }
  return lines.join('\n')
}
