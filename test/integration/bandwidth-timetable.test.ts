/**
 * `max_bandwidth` as a timetable: the run says which rate holds and until when as it starts sending (a plain
 * line, a `notice` record with --json), uploads everything, and a timetable it cannot read stops it before
 * anything is sent. The rate in force depends on the day of the week this runs, so the timetable has two
 * entries and either of them is accepted.
 */
import { describe, expect, it } from 'vitest';
import { listAllObjects } from '../support/bucket.js';
import { writeFiles } from '../support/fixtures.js';
import { runCli } from '../support/run-cli.js';
import { uploadArgs, useHarnessBucket, type Harness } from './transfer-harness.js';

let bucket = '';
const { harness } = useHarnessBucket('bwtable', (created) => (bucket = created));

async function storedKeys(h: Harness): Promise<string[]> {
  return (await listAllObjects(bucket, `${h.projectKey}/`)).map((object) => object.key).sort();
}

const TIMETABLE = 'Mon-00:00,400Mbit/s Thu-00:00,40MB/s';
const IN_FORCE = /bandwidth (?:400Mbit\/s until Thu|40MB\/s until Mon) 00:00 \(max_bandwidth timetable\)/;

/** Upload arguments without --quiet, so that the run's lines show. */
function args(h: Harness, ...extra: string[]): string[] {
  return uploadArgs(h)
    .filter((arg) => arg !== '--quiet')
    .concat(extra);
}

async function project(projectKey: string): Promise<Harness> {
  const h = await harness(projectKey);
  await writeFiles(h.projectDir, {
    'config/survey.yaml': 'crew: 2\n',
    'reels/R001/R001.mp4': { sizeBytes: 3 * 1024 * 1024, seed: projectKey },
  });
  return h;
}

describe('a bandwidth timetable', () => {
  it('names the rate in force and until when, then uploads every file (exit 0)', async () => {
    const h = await project('BWT1');
    const run = await runCli(args(h, '--max-bandwidth', TIMETABLE));
    expect(run.code, run.stderr).toBe(0);
    expect(`${run.stdout}${run.stderr}`).toMatch(IN_FORCE);
    expect(await storedKeys(h)).toEqual(['BWT1/config/survey.yaml', 'BWT1/reels/R001/R001.mp4']);
  });

  it('is a notice record with --json', async () => {
    const h = await project('BWT2');
    const run = await runCli(args(h, '--json', '--max-bandwidth', TIMETABLE));
    expect(run.code, run.stderr).toBe(0);
    const notices = run.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { type: string; message?: string })
      .filter((record) => record.type === 'notice');
    expect(notices).toHaveLength(1);
    expect(notices[0]?.message).toMatch(IN_FORCE);
  });

  it('one it cannot read stops the run before anything is sent: exit 2, one line naming the entry', async () => {
    const h = await project('BWT3');
    const run = await runCli(args(h, '--max-bandwidth', '08:00,2MB/s 25:00,off'));
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^upload-to-s3: --max-bandwidth: '08:00,2MB\/s 25:00,off': 25:00 is not a time of day; /,
      ),
    ]);
    expect(await storedKeys(h)).toEqual([]);
  });
});
