import { Entry, type EntryOptions } from '@napi-rs/keyring';
import { AuthError } from '../errors.js';

/** The keyring account under which the access key pair is stored for a service. */
const ACCOUNT = 'aws-credentials';

/** An access key pair as kept in the OS credential store. */
export interface StoredCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

// Pinned to the Secret Service on Linux: the kernel keyring fallback loses secrets at reboot.
// Other platforms ignore the option.
const ENTRY_OPTIONS: EntryOptions = { linux: { store: 'secret-service' } };

function entryFor(service: string): Entry {
  return new Entry(service, ACCOUNT, ENTRY_OPTIONS);
}

/**
 * Reads the key pair stored for `service` (Windows Credential Manager, macOS Keychain, Linux Secret Service).
 * @throws AuthError naming the auth mode, what failed and the alternatives.
 */
export function readKeyringCredentials(service: string): StoredCredentials {
  let text: string | null;
  try {
    text = entryFor(service).getPassword();
  } catch (error) {
    throw new AuthError(
      `auth_mode keyring: cannot open the OS credential store for service '${service}' (${firstLine(error)}); ` +
        'run where the user profile and its keyring are loaded (on headless Linux: a D-Bus session with an unlocked gnome-keyring), ' +
        'or use auth_mode instance (AWS_* variables, instance role), profile or config',
      { cause: error },
    );
  }
  if (!text) {
    throw new AuthError(
      // A locked Secret Service collection looks empty, so both causes are named.
      `auth_mode keyring: no credentials found for service '${service}' (none stored, or the keyring is locked); ` +
        `run 'upload-to-s3 credentials set --service ${service}' or unlock the keyring`,
    );
  }
  return parseStored(text, service);
}

function parseStored(text: string, service: string): StoredCredentials {
  try {
    const value = JSON.parse(text) as Partial<StoredCredentials>;
    if (value.accessKeyId && value.secretAccessKey)
      return { accessKeyId: value.accessKeyId, secretAccessKey: value.secretAccessKey };
  } catch {
    // reported below
  }
  throw new AuthError(
    `auth_mode keyring: the entry for service '${service}' is not a key pair; store it again with 'upload-to-s3 credentials set --service ${service}'`,
  );
}

/** Stores a key pair for `service`. @throws AuthError when the store is unavailable. */
export function writeKeyringCredentials(service: string, credentials: StoredCredentials): void {
  try {
    entryFor(service).setPassword(JSON.stringify(credentials));
  } catch (error) {
    throw new AuthError(
      `credentials set: cannot write to the OS credential store (${firstLine(error)}); check that a keyring service is running`,
      { cause: error },
    );
  }
}

/** Deletes the key pair of `service`; returns false when there was none. */
export function deleteKeyringCredentials(service: string): boolean {
  try {
    return entryFor(service).deleteCredential();
  } catch (error) {
    throw new AuthError(`credentials delete: cannot open the OS credential store (${firstLine(error)})`, {
      cause: error,
    });
  }
}

/** The keyring account under which a service's SSE-C key is stored (base64 of its 32 bytes). */
const CUSTOMER_KEY_ACCOUNT = 'sse-c-key';

function customerKeyEntry(service: string): Entry {
  return new Entry(service, CUSTOMER_KEY_ACCOUNT, ENTRY_OPTIONS);
}

/**
 * The SSE-C key stored for `service`: its 32 bytes.
 * @throws AuthError when the store cannot be opened, holds no key, or holds something else.
 */
export function readKeyringCustomerKey(service: string): Buffer {
  let text: string | null;
  try {
    text = customerKeyEntry(service).getPassword();
  } catch (error) {
    throw new AuthError(
      `sse_customer_key_in_keyring: cannot open the OS credential store for service '${service}' (${firstLine(error)}); ` +
        'run where the user profile and its keyring are loaded, or use sse_customer_key_file',
      { cause: error },
    );
  }
  const key = text ? Buffer.from(text, 'base64') : undefined;
  if (key?.length === 32) return key;
  throw new AuthError(
    text
      ? `sse_customer_key_in_keyring: the entry for service '${service}' is not an SSE-C key; store it again with 'upload-to-s3 credentials set --sse-c-key --service ${service}'`
      : `sse_customer_key_in_keyring: no SSE-C key found for service '${service}' (none stored, or the keyring is locked); ` +
          `run 'upload-to-s3 credentials set --sse-c-key --service ${service}' or unlock the keyring`,
  );
}

/** Stores an SSE-C key (32 bytes) for `service`. @throws AuthError when the store is unavailable. */
export function writeKeyringCustomerKey(service: string, key: Buffer): void {
  try {
    customerKeyEntry(service).setPassword(key.toString('base64'));
  } catch (error) {
    throw new AuthError(
      `credentials set --sse-c-key: cannot write to the OS credential store (${firstLine(error)}); check that a keyring service is running`,
      { cause: error },
    );
  }
}

/** Deletes the SSE-C key of `service`; returns false when there was none. */
export function deleteKeyringCustomerKey(service: string): boolean {
  try {
    return customerKeyEntry(service).deleteCredential();
  } catch (error) {
    throw new AuthError(
      `credentials delete --sse-c-key: cannot open the OS credential store (${firstLine(error)})`,
      {
        cause: error,
      },
    );
  }
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0] ?? 'unknown error';
}
