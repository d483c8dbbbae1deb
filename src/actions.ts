/**
 * The actions of the commands that read a config and reach the bucket, loaded as one module when one runs.
 * Built as one chunk instead of one per command: they share most of their code, which split per command fell
 * into some twenty small shared chunks, each a file the ES module loader resolves, reads and links at every
 * start (a dry run and a rerun start some 10 ms sooner as one). `status` only reads a file and stays apart.
 */
export { upload } from './upload-command.js';
export { checkUpload } from './commands/check-action.js';
export { cleanup } from './commands/cleanup-action.js';
export { scheduleTask } from './commands/schedule-action.js';
export * as credentialsAction from './commands/credentials-action.js';
