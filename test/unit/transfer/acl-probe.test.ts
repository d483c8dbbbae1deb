import { describe, expect, it } from 'vitest';
import { missingGroupGrant } from '../../../src/transfer/acl-probe.js';

const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const AUTHENTICATED = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
const OWNER = { grantee: 'owner-id', permission: 'FULL_CONTROL' };

describe('missingGroupGrant', () => {
  it('names the group grant a public canned ACL gives that the object lacks', () => {
    expect(missingGroupGrant('public-read', [OWNER])).toBe('AllUsers READ');
    expect(missingGroupGrant('public-read-write', [OWNER, { grantee: ALL_USERS, permission: 'READ' }])).toBe(
      'AllUsers WRITE',
    );
    expect(missingGroupGrant('authenticated-read', [{ grantee: ALL_USERS, permission: 'READ' }])).toBe(
      'AuthenticatedUsers READ',
    );
  });

  it('takes the grant, or FULL_CONTROL of the group, as applied', () => {
    expect(
      missingGroupGrant('public-read', [OWNER, { grantee: ALL_USERS, permission: 'READ' }]),
    ).toBeUndefined();
    expect(
      missingGroupGrant('authenticated-read', [{ grantee: AUTHENTICATED, permission: 'FULL_CONTROL' }]),
    ).toBe(undefined);
  });

  it('checks nothing for the canned ACLs that grant only owners', () => {
    for (const acl of ['private', 'bucket-owner-read', 'bucket-owner-full-control', 'aws-exec-read'] as const)
      expect(missingGroupGrant(acl, [])).toBeUndefined();
  });
});
