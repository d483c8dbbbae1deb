/**
 * What reading back one object stored with a setting showed, shared by every object the run stores with it. The
 * first object of a setting is read back (its ACL, its storage class) while the objects sent beside it are still
 * being answered: each of those waits for the same verdict instead of passing unchecked. Swift's s3api kept every
 * object of a `--acl public-read` run private, and all but the one read back were logged as uploaded, which the
 * next run then skipped for good.
 */
export class SettingVerdicts<T> {
  private readonly verdicts = new Map<string, Promise<T>>();

  /** The verdict on `setting`: `readBack`'s, run once for the first object stored with it; it must not reject. */
  of(setting: string, readBack: () => Promise<T>): Promise<T> {
    let verdict = this.verdicts.get(setting);
    if (verdict === undefined) {
      verdict = readBack();
      this.verdicts.set(setting, verdict);
    }
    return verdict;
  }
}
