import type { RunOptions } from '../config/run-options.js';
import { registerSecret } from '../log/redact.js';
import { customerKeyFrom } from '../remote/object-settings.js';

/**
 * Reads the SSE-C key from the OS keyring when the config keeps it there (`sse_customer_key_in_keyring`), so that
 * every request that writes or reads an object can carry it. Other runs load no keyring module.
 * @throws AuthError when the keyring cannot be read or holds no key.
 */
export async function withKeyringCustomerKey(options: RunOptions): Promise<RunOptions> {
  const service = options.objects.requests.customerKeyInKeyring;
  if (!service) return options;
  const { readKeyringCustomerKey } = await import('./keyring-store.js');
  const customerKey = customerKeyFrom(readKeyringCustomerKey(service));
  registerSecret(customerKey.keyBase64);
  const requests = { ...options.objects.requests, customerKey };
  return { ...options, objects: { ...options.objects, requests } };
}
