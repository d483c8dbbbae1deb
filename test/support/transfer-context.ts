/**
 * The transfer context that unit tests of `uploadFile` give it, beside a store whose SDK client they mock: four
 * workers, 64 MiB of bodies, no bandwidth limit, the journals and hash cache in `stateDir`, nothing logged.
 */
import { HashCache } from '../../src/content/hash-cache.js';
import type { S3Store } from '../../src/remote/s3-store.js';
import { plainRate } from '../../src/config/bandwidth-schedule.js';
import { createBandwidthLimiter } from '../../src/transfer/bandwidth-limiter.js';
import { BufferPool } from '../../src/transfer/buffer-pool.js';
import { PartSizeCap } from '../../src/transfer/part-size-cap.js';
import { TransferScheduler } from '../../src/transfer/scheduler.js';
import type { TransferContext } from '../../src/transfer/upload-file.js';
import { JournalStore } from '../../src/transfer/upload-journal.js';
import { WholeFileReader } from '../../src/transfer/whole-file-reader.js';

const MiB = 1024 ** 2;

export async function mockedTransferContext(
  store: S3Store,
  stateDir: string,
  target: Pick<TransferContext, 'bucket' | 'integrity' | 'settingsFor'> & { endpointId: string },
): Promise<TransferContext> {
  const signal = new AbortController().signal;
  return {
    store,
    bucket: target.bucket,
    scheduler: new TransferScheduler(4, 64 * MiB, signal),
    buffers: new BufferPool(64 * MiB),
    wholeFiles: new WholeFileReader(),
    journals: new JournalStore(stateDir, target.endpointId),
    hashCache: await HashCache.load(stateDir),
    limiter: createBandwidthLimiter(plainRate(0)),
    signal,
    hardSignal: signal,
    maxWorkersPerFile: 4,
    partSizeCap: new PartSizeCap(),
    verifyLarge: false,
    integrity: target.integrity,
    settingsFor: target.settingsFor,
    debug: () => {},
    warn: () => {},
  };
}
