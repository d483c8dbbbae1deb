import { setFlagsFromString } from 'node:v8';

import type { UploadPlan } from './collector/plan-upload.js';
import { MULTIPART_THRESHOLD_BYTES } from './content/part-layout.js';

/**
 * Files small enough for one request from which a run keeps V8's default: with thousands of small requests a
 * bigger young generation means fewer collections (3,000 files of 4-64 KiB: about 0.1 ms of CPU per file, measured).
 */
const MANY_WHOLE_FILES = 1000;

/**
 * Whether a run over `plan` should keep V8's young generation at its starting size: one of few, big files. V8
 * doubles the young generation once enough objects have survived its collections, which any long run reaches
 * (here a 4 GiB file after about 4.5 s, a 1 GiB file never), and keeps the pages: about 8 MB of peak RSS that
 * follows the file's size rather than what is in flight, since a part's bytes live in Buffers outside the heap.
 */
export function shouldHoldYoungGeneration(plan: Pick<UploadPlan, 'groups'>): boolean {
  let wholeFiles = 0;
  for (const tasks of plan.groups.values()) {
    for (const task of tasks) if (task.sizeBytes < MULTIPART_THRESHOLD_BYTES) wholeFiles += 1;
  }
  return wholeFiles < MANY_WHOLE_FILES;
}

/**
 * Node takes a cap on the young generation's size only at start-up, which the installed command cannot pass
 * without starting twice; V8 reads the growth factor each time it would grow, so a factor of 1 holds it.
 */
export function holdYoungGeneration(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
