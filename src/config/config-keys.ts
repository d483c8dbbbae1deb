/** The keys a config file may hold, as written in YAML (snake_case). */
export interface ConfigFile {
  bucket?: string;
  region?: string;
  endpoint_url?: string;
  force_path_style?: boolean;
  prefix?: string;
  auth_mode?: AuthMode;
  aws_access_key_id?: string;
  aws_secret_access_key?: string;
  aws_session_token?: string;
  profile?: string;
  keyring_service?: string;
  project_base?: string;
  max_concurrency?: string | number;
  max_memory?: string | number;
  max_bandwidth?: string | number;
  socket_timeout?: string | number;
  ca_bundle?: string;
  status_json?: string;
  status_interval?: number;
  log_csv?: string;
  state_dir?: string;
  bucket_lock?: boolean;
  min_file_age?: number | string;
  folder_types?: Record<string, string[]>;
  sse?: string;
  sse_kms_key_id?: string;
  checksum_algorithm?: string;
  /** One class for every folder type, or a map of folder type to class with an optional `default`. */
  storage_class?: string | Record<string, string>;
  sse_bucket_key?: boolean;
  sse_customer_key_file?: string;
  sse_customer_key_in_keyring?: boolean;
  tags?: Record<string, string | number>;
  metadata?: Record<string, string | number>;
  acl?: string;
  expected_bucket_owner?: string | number;
}

export type AuthMode = 'config' | 'instance' | 'keyring' | 'profile';
export const AUTH_MODES: readonly AuthMode[] = ['config', 'instance', 'keyring', 'profile'];

/** The YAML type each key must have; the value rules beyond the type live with the value parsers. */
export type KeyKind =
  | 'string'
  | 'boolean'
  | 'number'
  | 'string-or-number'
  | 'auth-mode'
  | 'folder-types'
  | 'storage-class'
  | 'string-map';

export const KEY_KINDS: Record<keyof ConfigFile, KeyKind> = {
  bucket: 'string',
  region: 'string',
  endpoint_url: 'string',
  force_path_style: 'boolean',
  prefix: 'string',
  auth_mode: 'auth-mode',
  aws_access_key_id: 'string',
  aws_secret_access_key: 'string',
  aws_session_token: 'string',
  profile: 'string',
  keyring_service: 'string',
  project_base: 'string',
  max_concurrency: 'string-or-number',
  max_memory: 'string-or-number',
  max_bandwidth: 'string-or-number',
  socket_timeout: 'string-or-number',
  ca_bundle: 'string',
  status_json: 'string',
  status_interval: 'number',
  log_csv: 'string',
  state_dir: 'string',
  bucket_lock: 'boolean',
  min_file_age: 'string-or-number',
  folder_types: 'folder-types',
  sse: 'string',
  sse_kms_key_id: 'string',
  checksum_algorithm: 'string',
  storage_class: 'storage-class',
  sse_bucket_key: 'boolean',
  sse_customer_key_file: 'string',
  sse_customer_key_in_keyring: 'boolean',
  tags: 'string-map',
  metadata: 'string-map',
  acl: 'string',
  expected_bucket_owner: 'string-or-number',
};

/** Keys holding paths, resolved against the config file's folder. */
export const PATH_KEYS = [
  'project_base',
  'status_json',
  'log_csv',
  'state_dir',
  'sse_customer_key_file',
  'ca_bundle',
] as const;
