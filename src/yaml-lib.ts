/**
 * The `yaml` package's parse and stringify, for the modules that load YAML lazily
 * (`await import('./yaml-lib.js')`). Imported statically here because the bundle
 * (scripts/bundle.js) turns `await import('yaml')` of this CommonJS package into a module
 * with only a default export: a lazy import of it directly has no `stringify`.
 */
export {parse, stringify} from 'yaml'
