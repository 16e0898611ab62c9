// bin/run.js starts violin through execute: the @oclif/core bundled into dist/, the one its commands extend.
export {execute} from '@oclif/core/execute'
export {run} from '@oclif/core/run'
