import {appendFile, readdir, readFile, rm} from 'node:fs/promises'
import {dirname, join} from 'node:path'

import {ExitCode, ViolinError} from '../errors.js'
import {makeDirs, writeFileAtomic} from '../files.js'
import {fileError} from '../schema/error.js'
import {parseJson} from '../schema/json.js'
import {lockPass} from './pass-lock.js'
import type {Doc, DocSpec, Leadership, LogName, LogRecord, Store, StoreStatus} from './store.js'

/**
 * The embedded default: the inventory in the config dir (inventory.json), everything else
 * in the state dir (history.json, calibration.json, migrations.jsonl...). Writers of one
 * document take a lock file beside it; the pass lock is adapt.lock (./pass-lock.ts).
 */
export class FileStore implements Store {
  readonly backend = 'file'

  constructor(
    readonly configDir: string,
    readonly stateDir: string,
  ) {}

  get url(): string {
    return `file://${this.configDir}`
  }

  path(doc: DocSpec): string {
    return join(doc.home === 'config' ? this.configDir : this.stateDir, `${doc.name}.json`)
  }

  where(doc: DocSpec): string {
    return this.path(doc)
  }

  async read(doc: DocSpec): Promise<Doc | undefined> {
    const path = this.path(doc)
    const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined
      throw error
    })
    if (text === undefined) return undefined
    // Remembered with its text: the document's validator names the line of a bad field.
    const {value, source} = parseJson(path, text)
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw fileError(source, [], 'a JSON object', value)
    return value as Doc
  }

  /** Under a lock file beside the document, so two violin processes never lose each other's change. */
  async update<T>(doc: DocSpec, change: (current: Doc | undefined) => {value: Doc; result: T}): Promise<T> {
    const path = this.path(doc)
    makeDirs(dirname(path))
    // CommonJS: its functions are properties of the default export (the bundle in dist/ has no other)
    const {lock} = (await import('proper-lockfile')).default
    let release: () => Promise<void>
    try {
      release = await lock(dirname(path), {
        lockfilePath: `${path}.lock`,
        stale: 10_000,
        retries: {retries: 50, minTimeout: 20, maxTimeout: 200},
      })
    } catch (error) {
      throw new ViolinError(
        `cannot lock ${path}: ${(error as Error).message}`,
        ExitCode.failure,
        `if no other violin is running, remove ${path}.lock`,
      )
    }
    try {
      const {value, result} = change(await this.read(doc))
      await this.write(doc, value)
      return result
    } finally {
      await release()
    }
  }

  async write(doc: DocSpec, value: Doc): Promise<void> {
    // Owner only: the inventory holds the environments' pre-shared switch keys.
    await writeFileAtomic(this.path(doc), `${JSON.stringify(value, null, doc.home === 'config' ? 2 : 1)}\n`, 0o600)
  }

  async remove(doc: DocSpec): Promise<void> {
    await rm(this.path(doc), {force: true})
  }

  async clearLog(log: LogName): Promise<void> {
    await rm(this.logPath(log), {force: true})
  }

  logPath(log: LogName): string {
    return join(this.stateDir, `${log}.jsonl`)
  }

  whereLog(log: LogName): string {
    return this.logPath(log)
  }

  /** One JSON line each: a crash mid-write costs at most the line being written. */
  async append(log: LogName, records: readonly object[]): Promise<void> {
    if (records.length === 0) return
    makeDirs(this.stateDir)
    await appendFile(this.logPath(log), records.map((r) => `${JSON.stringify(r)}\n`).join(''))
  }

  async readLog(log: LogName): Promise<LogRecord[]> {
    const text = await readFile(this.logPath(log), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return ''
      throw error
    })
    return text.split('\n').flatMap((line, i) => (line.trim() ? [{text: line, where: `line ${i + 1}`, line: i + 1}] : []))
  }

  private samplesDir(): string {
    return join(this.stateDir, 'samples')
  }

  async putSample(host: string, sample: object, ttlMs: number): Promise<void> {
    await writeFileAtomic(
      join(this.samplesDir(), `${encodeURIComponent(host)}.json`),
      `${JSON.stringify({expiresAtMs: Date.now() + ttlMs, sample})}\n`,
    )
  }

  async readSamples(): Promise<Map<string, unknown>> {
    const names = await readdir(this.samplesDir()).catch(() => [] as string[])
    const out = new Map<string, unknown>()
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const path = join(this.samplesDir(), name)
      try {
        const {expiresAtMs, sample} = JSON.parse(await readFile(path, 'utf8')) as {expiresAtMs: number; sample: unknown}
        if (expiresAtMs > Date.now()) out.set(decodeURIComponent(name.slice(0, -5)), sample)
        else await rm(path, {force: true})
      } catch {
        // written over as we read, or torn: the next sample replaces it
      }
    }
    return out
  }

  async lockPass(): Promise<() => Promise<void>> {
    return lockPass(this.stateDir)
  }

  async lead(): Promise<Leadership> {
    const release = await this.lockPass()
    const controller = new AbortController()
    return {lost: controller.signal, resign: release}
  }

  async leader(): Promise<string | undefined> {
    return undefined
  }

  scope(name: 'sim'): Store {
    return new FileStore(this.configDir, join(this.stateDir, name))
  }

  async status(): Promise<StoreStatus> {
    return {backend: 'file', url: this.url, members: [{name: 'files', endpoint: this.configDir, healthy: true}]}
  }

  async close(): Promise<void> {}
}
