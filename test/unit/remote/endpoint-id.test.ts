import { describe, expect, it } from 'vitest';
import { endpointId } from '../../../src/remote/endpoint-id.js';

describe('endpointId', () => {
  it('names Amazon S3 "aws" whatever the region', () => {
    expect(endpointId(undefined)).toBe('aws');
  });

  it('gives one id for two spellings of one endpoint', () => {
    expect(endpointId('HTTP://Storage.Example.com:9000/')).toBe(
      endpointId('http://storage.example.com:9000'),
    );
  });

  it('keeps the port and a path prefix apart', () => {
    expect(endpointId('http://127.0.0.1:7480')).not.toBe(endpointId('http://127.0.0.1:7481'));
    expect(endpointId('https://gw.example.com/tenant-a')).not.toBe(
      endpointId('https://gw.example.com/tenant-b'),
    );
  });

  it('drops the default port the URL parser drops', () => {
    expect(endpointId('https://s3.example.com:443')).toBe('https://s3.example.com');
  });
});
