/**
 * Builds test inputs on disk from object literals: temp folders, files of exact sizes with reproducible
 * incompressible content, and YAML config files.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify as stringifyYaml } from 'yaml';

/** Content generated from a seed: the same seed and size always give the same bytes. */
export interface GeneratedContent {
  sizeBytes: number;
  seed: string | number;
}

export type FileContent = string | Buffer | GeneratedContent;

// large enough to keep the write loop cheap, small enough that a multi-GB file never sits in memory
const CHUNK_BYTES = 4 * 1024 * 1024;
const createdDirs = new Set<string>();

/** Creates an empty folder under the OS temp folder, named `<prefix>-XXXXXX`. */
export async function makeTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `${prefix}-`));
  createdDirs.add(dir);
  return dir;
}

/** Deletes every folder made by {@link makeTempDir} in this test file; call it from `afterAll`. */
export async function removeTempDirs(): Promise<void> {
  const dirs = [...createdDirs];
  createdDirs.clear();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true, maxRetries: 3 })));
}

/**
 * A keystream that stands in for a seeded PRNG: AES-256-CTR over zeros, keyed by the seed's SHA-256.
 * It is incompressible (so compression cannot hide transfer bugs) and runs at memory speed.
 */
function makeStream(seed: string | number) {
  const key = createHash('sha256').update(String(seed)).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
}

/** The bytes `{ sizeBytes, seed }` stands for, in memory; for expectations on small files. */
export function makeBytes(sizeBytes: number, seed: string | number): Buffer {
  return makeStream(seed).update(Buffer.alloc(sizeBytes));
}

function* generateChunks(content: GeneratedContent): Generator<Buffer> {
  const stream = makeStream(content.seed);
  const zeros = Buffer.alloc(Math.min(CHUNK_BYTES, content.sizeBytes));
  for (let written = 0; written < content.sizeBytes; written += zeros.length) {
    yield stream.update(zeros.subarray(0, Math.min(zeros.length, content.sizeBytes - written)));
  }
}

function writeGeneratedFile(filePath: string, content: GeneratedContent): Promise<void> {
  return pipeline(Readable.from(generateChunks(content), { objectMode: false }), createWriteStream(filePath));
}

function isGenerated(content: FileContent): content is GeneratedContent {
  return typeof content === 'object' && !Buffer.isBuffer(content);
}

/**
 * Writes each file of `files` (paths relative to `root`, `/`-separated), creating folders as needed.
 * @returns the absolute paths written, in the order given
 */
export async function writeFiles(root: string, files: Record<string, FileContent>): Promise<string[]> {
  const written: string[] = [];
  for (const [relPath, content] of Object.entries(files)) {
    const filePath = path.join(root, ...relPath.split('/'));
    await mkdir(path.dirname(filePath), { recursive: true });
    if (isGenerated(content)) await writeGeneratedFile(filePath, content);
    else await writeFile(filePath, content);
    written.push(filePath);
  }
  return written;
}

/** Writes `values` as YAML to `<dir>/<fileName>` and returns the file's path. */
export async function writeConfig(dir: string, values: object, fileName = 'config.yaml'): Promise<string> {
  const filePath = path.join(dir, fileName);
  await mkdir(dir, { recursive: true });
  await writeFile(filePath, stringifyYaml(values));
  return filePath;
}
