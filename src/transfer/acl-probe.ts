import { SettingNotAppliedError } from '../errors.js';
import type { CannedAcl } from '../remote/object-settings.js';
import type { ObjectGrant } from '../remote/remote-object.js';
import type { FileToSend, TransferContext } from './transfer-context.js';

const GROUPS = 'http://acs.amazonaws.com/groups/global/';

/**
 * The group grants a canned ACL gives, which any server that applies it shows in the object's ACL. The other
 * canned ACLs grant the owner or the bucket owner, whom a server may show as one: their absence proves nothing.
 */
const GROUP_GRANTS: Partial<Record<CannedAcl, readonly [string, string][]>> = {
  'public-read': [['AllUsers', 'READ']],
  'public-read-write': [
    ['AllUsers', 'READ'],
    ['AllUsers', 'WRITE'],
  ],
  'authenticated-read': [['AuthenticatedUsers', 'READ']],
};

/** The first grant `acl` gives that `grants` lack, as `AllUsers READ`, or undefined. */
export function missingGroupGrant(acl: CannedAcl, grants: readonly ObjectGrant[]): string | undefined {
  const missing = (GROUP_GRANTS[acl] ?? []).find(
    ([group, permission]) =>
      !grants.some(
        (grant) =>
          grant.grantee === `${GROUPS}${group}` &&
          (grant.permission === permission || grant.permission === 'FULL_CONTROL'),
      ),
  );
  return missing && `${missing[0]} ${missing[1]}`;
}

/** A canned ACL the server did not apply: the object read back, and the first grant its ACL lacks. */
export interface AclNotApplied {
  key: string;
  missing: string;
}

/**
 * Proves once per canned ACL, by one GetObjectAcl of the first object stored with it, that the server applied it:
 * Swift's s3api takes `x-amz-acl: public-read` and keeps the object private, so the reports a crew shares by URL
 * would answer 403 after a run that said done. Every object stored with the ACL waits for that verdict (see
 * `SettingVerdicts`). Only the group grants are checked (see {@link GROUP_GRANTS}). An ACL that cannot be
 * read (no s3:GetObjectAcl, a server without ACLs) proves nothing and fails nothing.
 * @throws SettingNotAppliedError when the ACL read back lacks a grant the canned ACL gives.
 */
export async function probeCannedAcl(
  file: FileToSend,
  ctx: TransferContext,
  storedEtag: string,
): Promise<void> {
  const acl = ctx.settingsFor?.(file.group).acl;
  if (!acl || !GROUP_GRANTS[acl] || !ctx.aclVerdicts) return;
  const notApplied = await ctx.aclVerdicts.of(acl, () => readAclNotApplied(file.key, acl, ctx));
  if (!notApplied) return;
  const whose =
    notApplied.key === file.key ? 'its ACL' : `the ACL of ${notApplied.key}, stored with it in this run,`;
  throw new SettingNotAppliedError(
    `upload ${file.key}: the server did not apply the ACL asked for (acl ${acl}: ${whose} has no ${notApplied.missing} grant); ` +
      'remove acl / --acl for this endpoint, or use one that applies it',
    storedEtag,
  );
}

async function readAclNotApplied(
  key: string,
  acl: CannedAcl,
  ctx: TransferContext,
): Promise<AclNotApplied | undefined> {
  const grants = await ctx.store.getObjectGrants(ctx.bucket, key, ctx.hardSignal).catch((error: unknown) => {
    ctx.debug(`${key}: no GetObjectAcl to check its ACL (${String(error)})`);
    return undefined;
  });
  const missing = grants && missingGroupGrant(acl, grants);
  return missing ? { key, missing } : undefined;
}
