import type { UploadTask } from '../collector/plan-upload.js';
import type { ObjectAnswer } from '../remote/bucket-probe.js';
import { decideFromLog, type LogFacts } from './decide.js';
import type { ObjectReader } from './object-reader.js';

/** At most this many objects are asked for, one per folder type: a rerun costs a few HEADs in parallel, no more. */
const MAX_SPOT_CHECKS = 8;

/**
 * Files the upload log settles, one per folder type, picked at random among that type's: their objects are
 * asked for before the log is trusted. A bucket emptied or recreated, a project or folder type deleted, objects
 * expired by a lifecycle rule: the log still says "sent", and without this a rerun would say done with nothing
 * there. Random, so that scheduled reruns look at a different file each time.
 */
export function pickSpotChecks(
  groups: Iterable<readonly UploadTask[]>,
  logged: ReadonlyMap<string, LogFacts>,
  random: () => number = Math.random,
): UploadTask[] {
  const picked: UploadTask[] = [];
  for (const tasks of groups) {
    if (picked.length === MAX_SPOT_CHECKS) break;
    const settled = tasks.filter((task) => decideFromLog(task, logged.get(task.key)) !== undefined);
    if (settled.length > 0) picked.push(settled[Math.floor(random() * settled.length)]!);
  }
  return picked;
}

/**
 * The first picked file whose object is missing or of another size, in words, or undefined when every answer
 * agrees with the log or could not be had (`unknown`: credentials that may only write, a server that refuses
 * HEAD): then the log is trusted as before.
 */
export function findLogGap(
  picked: readonly UploadTask[],
  answers: readonly ObjectAnswer[],
  bucket: string,
): string | undefined {
  for (const [i, task] of picked.entries()) {
    const answer = answers[i];
    if (answer === 'missing') return `s3://${bucket}/${task.key} is not in the bucket`;
    if (typeof answer === 'object' && answer.sizeBytes !== task.sizeBytes)
      return `s3://${bucket}/${task.key} holds ${answer.sizeBytes} bytes, not the ${task.sizeBytes} sent`;
  }
  return undefined;
}

/** HeadObject of each key through the store; an error other than a stop is an answer unknown, not a failure. */
export async function askObjects(
  reader: ObjectReader,
  bucket: string,
  keys: readonly string[],
  signal: AbortSignal,
): Promise<ObjectAnswer[]> {
  return Promise.all(
    keys.map(async (key): Promise<ObjectAnswer> => {
      try {
        const found = await reader.headObject(bucket, key, signal);
        return found ? { sizeBytes: found.sizeBytes } : 'missing';
      } catch (error) {
        if (signal.aborted) throw error;
        return 'unknown';
      }
    }),
  );
}
