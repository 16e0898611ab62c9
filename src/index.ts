// bin/run.js starts violin through execute: the @oclif/core bundled into dist/, the one its commands extend.
export {execute, run} from '@oclif/core'
