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

/** The keyring account under which a service's SSE-C key is stored (base64 of its 32 bytes). */
const CUSTOMER_KEY_ACCOUNT = 'sse-c-key';

/**
 * Reads the key pair stored for `service` (Windows Credential Manager, macOS Keychain, Linux Secret Service).
 * @throws AuthError naming the auth mode, what failed and the alternatives.
 */
export function readKeyringCredentials(service: string): StoredCredentials {
  const text = readSecret(
    service,
    ACCOUNT,
    (error) =>
      new AuthError(
        `auth_mode keyring: cannot open the OS credential store for service '${service}' (${firstLine(error)}); ` +
          'run where the user profile and its keyring are loaded (on headless Linux: a D-Bus session with an unlocked gnome-keyring), ' +
          'or use auth_mode instance (AWS_* variables, instance role), profile or config',
        { cause: error },
      ),
  );
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
  writeSecret(service, ACCOUNT, JSON.stringify(credentials), 'credentials set');
}

/** Deletes the key pair of `service`; returns false when there was none. */
export function deleteKeyringCredentials(service: string): boolean {
  return deleteSecret(service, ACCOUNT, 'credentials delete');
}

/**
 * The SSE-C key stored for `service`: its 32 bytes.
 * @throws AuthError when the store cannot be opened, holds no key, or holds something else.
 */
export function readKeyringCustomerKey(service: string): Buffer {
  const text = readSecret(
    service,
    CUSTOMER_KEY_ACCOUNT,
    (error) =>
      new AuthError(
        `sse_customer_key_in_keyring: cannot open the OS credential store for service '${service}' (${firstLine(error)}); ` +
          'run where the user profile and its keyring are loaded, or use sse_customer_key_file',
        { cause: error },
      ),
  );
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
  writeSecret(service, CUSTOMER_KEY_ACCOUNT, key.toString('base64'), 'credentials set --sse-c-key');
}

/** Deletes the SSE-C key of `service`; returns false when there was none. */
export function deleteKeyringCustomerKey(service: string): boolean {
  return deleteSecret(service, CUSTOMER_KEY_ACCOUNT, 'credentials delete --sse-c-key');
}

function entryFor(service: string, account: string): Entry {
  return new Entry(service, account, ENTRY_OPTIONS);
}

/** The secret kept under `account`, or null; `unreadable` says, for the reader, why the store cannot be opened. */
function readSecret(
  service: string,
  account: string,
  unreadable: (error: unknown) => AuthError,
): string | null {
  try {
    return entryFor(service, account).getPassword();
  } catch (error) {
    throw unreadable(error);
  }
}

function writeSecret(service: string, account: string, text: string, command: string): void {
  try {
    entryFor(service, account).setPassword(text);
  } catch (error) {
    throw new AuthError(
      `${command}: cannot write to the OS credential store (${firstLine(error)}); check that a keyring service is running`,
      { cause: error },
    );
  }
}

function deleteSecret(service: string, account: string, command: string): boolean {
  try {
    return entryFor(service, account).deleteCredential();
  } catch (error) {
    throw new AuthError(`${command}: cannot open the OS credential store (${firstLine(error)})`, {
      cause: error,
    });
  }
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0] ?? 'unknown error';
}
